package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
)

//go:generate go -C ../../hack/tools tool mockgen -typed -source=../../pkg/clients/volume.go -destination=../../pkg/clients/mock/volume.go -package=mock

// Volume is the part of Cinder (v3 API, base microversion) the provider uses.
type Volume interface {
	CreateVolume(ctx context.Context, opts volumes.CreateOptsBuilder) (*volumes.Volume, error)
	GetVolume(ctx context.Context, id string) (*volumes.Volume, error)
	// ListVolumes returns every volume that matches opts (Name matches exactly), across all pages.
	ListVolumes(ctx context.Context, opts volumes.ListOptsBuilder) ([]volumes.Volume, error)
	DeleteVolume(ctx context.Context, id string) error
}

type volume struct{ service }

// NewVolume builds the Cinder client once from the provider's catalog. If the catalog has no
// block-storage endpoint, every call returns that error.
func NewVolume(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) Volume {
	// Not "volume" or "volumev2": those entries are older API versions.
	sc, err := newServiceClient(provider, eo, "block-storage", "volumev3")
	return volume{newService(ServiceVolume, sc, eo, err)}
}

func (v volume) CreateVolume(ctx context.Context, opts volumes.CreateOptsBuilder) (*volumes.Volume, error) {
	ctx, sc, err := v.begin(ctx, "CreateVolume")
	if err != nil {
		return nil, err
	}
	return volumes.Create(ctx, sc, opts, nil).Extract()
}

func (v volume) GetVolume(ctx context.Context, id string) (*volumes.Volume, error) {
	ctx, sc, err := v.begin(ctx, "GetVolume")
	if err != nil {
		return nil, err
	}
	return volumes.Get(ctx, sc, id).Extract()
}

func (v volume) ListVolumes(ctx context.Context, opts volumes.ListOptsBuilder) ([]volumes.Volume, error) {
	ctx, sc, err := v.begin(ctx, "ListVolumes")
	if err != nil {
		return nil, err
	}
	return all(ctx, volumes.List(sc, opts), volumes.ExtractVolumes)
}

func (v volume) DeleteVolume(ctx context.Context, id string) error {
	ctx, sc, err := v.begin(ctx, "DeleteVolume")
	if err != nil {
		return err
	}
	return volumes.Delete(ctx, sc, id, volumes.DeleteOpts{}).ExtractErr()
}
