package clients

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Service names, used as the metrics and rate-limit label.
const (
	ServiceIdentity     = "identity"
	ServiceCompute      = "compute"
	ServiceNetwork      = "network"
	ServiceLoadBalancer = "loadbalancer"
	ServiceImage        = "image"
	ServiceVolume       = "volume"
)

type operationKey struct{}

type operation struct{ service, name string }

// operationOf names the call an HTTP request belongs to. Token requests are named by their
// path, because gophercloud re-authenticates inside whatever call met the 401.
func operationOf(req *http.Request) operation {
	if strings.HasSuffix(strings.TrimSuffix(req.URL.Path, "/"), "/auth/tokens") {
		if req.Method == http.MethodPost {
			return operation{ServiceIdentity, "CreateToken"}
		}
		return operation{ServiceIdentity, "ValidateToken"}
	}
	if op, ok := req.Context().Value(operationKey{}).(operation); ok {
		return op
	}
	return operation{"unknown", req.Method}
}

// service is what every client shares: its service client, built once from the catalog,
// or the reason it could not be built (for example no Octavia in this region).
type service struct {
	name   string
	client *gophercloud.ServiceClient
	err    error
}

// newServiceClient finds a service's endpoint in the catalog, trying the catalog types in
// order. Unlike openstack.NewComputeV2 and its siblings it asks for no API version: those
// check the version with a discovery GET per service (under context.TODO()), and a single 503
// there would disable the service for the life of the client set.
func newServiceClient(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts, types ...string) (*gophercloud.ServiceClient, error) {
	eo.Type, eo.Aliases, eo.Version = types[0], types[1:], 0
	if eo.Availability == "" {
		eo.Availability = gophercloud.AvailabilityPublic
	}
	url, err := provider.EndpointLocator(eo)
	if err != nil {
		return nil, err
	}
	return &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: url, Type: types[0]}, nil
}

func newService(name string, client *gophercloud.ServiceClient, eo gophercloud.EndpointOpts, err error) service {
	if err != nil {
		err = fmt.Errorf("the %s service is not in the catalog for region %q (interface %q): %w", name, eo.Region, eo.Availability, err)
	}
	return service{name: name, client: client, err: err}
}

// begin labels ctx with the operation for metrics and logs.
func (s service) begin(ctx context.Context, op string) (context.Context, *gophercloud.ServiceClient, error) {
	if s.err != nil {
		return ctx, nil, s.err
	}
	return context.WithValue(ctx, operationKey{}, operation{s.name, op}), s.client, nil
}

// all follows every page of a list.
func all[T any](ctx context.Context, pager pagination.Pager, extract func(pagination.Page) ([]T, error)) ([]T, error) {
	page, err := pager.AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return extract(page)
}
