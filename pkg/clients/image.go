package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

//go:generate go -C ../../hack/tools tool mockgen -typed -source=../../pkg/clients/image.go -destination=../../pkg/clients/mock/image.go -package=mock

// Image is the part of Glance the provider uses.
type Image interface {
	GetImage(ctx context.Context, id string) (*images.Image, error)
	// ListImages returns every image that matches opts (Name matches exactly, Tags must all be
	// present), across all pages.
	ListImages(ctx context.Context, opts images.ListOptsBuilder) ([]images.Image, error)
}

type image struct{ service }

// NewImage builds the Glance client once from the provider's catalog. If the catalog has no
// image endpoint, every call returns that error.
func NewImage(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) Image {
	sc, err := newServiceClient(provider, eo, "image")
	if err == nil {
		sc.ResourceBase = sc.Endpoint + "v2/"
	}
	return image{newService(ServiceImage, sc, eo, err)}
}

func (i image) GetImage(ctx context.Context, id string) (*images.Image, error) {
	ctx, sc, err := i.begin(ctx, "GetImage")
	if err != nil {
		return nil, err
	}
	return images.Get(ctx, sc, id).Extract()
}

func (i image) ListImages(ctx context.Context, opts images.ListOptsBuilder) ([]images.Image, error) {
	ctx, sc, err := i.begin(ctx, "ListImages")
	if err != nil {
		return nil, err
	}
	return all(ctx, images.List(sc, opts), images.ExtractImages)
}
