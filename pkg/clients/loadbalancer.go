package clients

import (
	"context"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/providers"
)

//go:generate go -C ../../hack/tools tool mockgen -typed -source=../../pkg/clients/loadbalancer.go -destination=../../pkg/clients/mock/loadbalancer.go -package=mock

// LoadBalancer is the part of Octavia the provider uses. Octavia answers 409 while a load
// balancer is PENDING_*; IsConflict tells the caller to look again later.
type LoadBalancer interface {
	CreateLoadBalancer(ctx context.Context, opts loadbalancers.CreateOptsBuilder) (*loadbalancers.LoadBalancer, error)
	GetLoadBalancer(ctx context.Context, id string) (*loadbalancers.LoadBalancer, error)
	ListLoadBalancers(ctx context.Context, opts loadbalancers.ListOptsBuilder) ([]loadbalancers.LoadBalancer, error)
	UpdateLoadBalancer(ctx context.Context, id string, opts loadbalancers.UpdateOptsBuilder) (*loadbalancers.LoadBalancer, error)
	// DeleteLoadBalancer deletes a load balancer; opts may ask for a cascade delete of its children.
	DeleteLoadBalancer(ctx context.Context, id string, opts loadbalancers.DeleteOptsBuilder) error

	CreateListener(ctx context.Context, opts listeners.CreateOptsBuilder) (*listeners.Listener, error)
	GetListener(ctx context.Context, id string) (*listeners.Listener, error)
	ListListeners(ctx context.Context, opts listeners.ListOptsBuilder) ([]listeners.Listener, error)
	UpdateListener(ctx context.Context, id string, opts listeners.UpdateOptsBuilder) (*listeners.Listener, error)
	DeleteListener(ctx context.Context, id string) error

	CreatePool(ctx context.Context, opts pools.CreateOptsBuilder) (*pools.Pool, error)
	GetPool(ctx context.Context, id string) (*pools.Pool, error)
	ListPools(ctx context.Context, opts pools.ListOptsBuilder) ([]pools.Pool, error)
	UpdatePool(ctx context.Context, id string, opts pools.UpdateOptsBuilder) (*pools.Pool, error)
	DeletePool(ctx context.Context, id string) error

	CreateMember(ctx context.Context, poolID string, opts pools.CreateMemberOptsBuilder) (*pools.Member, error)
	GetMember(ctx context.Context, poolID, id string) (*pools.Member, error)
	ListMembers(ctx context.Context, poolID string, opts pools.ListMembersOptsBuilder) ([]pools.Member, error)
	UpdateMember(ctx context.Context, poolID, id string, opts pools.UpdateMemberOptsBuilder) (*pools.Member, error)
	DeleteMember(ctx context.Context, poolID, id string) error

	CreateMonitor(ctx context.Context, opts monitors.CreateOptsBuilder) (*monitors.Monitor, error)
	GetMonitor(ctx context.Context, id string) (*monitors.Monitor, error)
	ListMonitors(ctx context.Context, opts monitors.ListOptsBuilder) ([]monitors.Monitor, error)
	UpdateMonitor(ctx context.Context, id string, opts monitors.UpdateOptsBuilder) (*monitors.Monitor, error)
	DeleteMonitor(ctx context.Context, id string) error

	// ListProviders returns the Octavia provider drivers (amphora, ovn...).
	ListProviders(ctx context.Context) ([]providers.Provider, error)
	// ListFlavors returns the Octavia flavors.
	ListFlavors(ctx context.Context, opts flavors.ListOptsBuilder) ([]flavors.Flavor, error)
}

type loadBalancer struct{ service }

// NewLoadBalancer builds the Octavia client once from the provider's catalog. If the catalog
// has no load-balancer endpoint (a cloud without Octavia), every call returns that error.
func NewLoadBalancer(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) LoadBalancer {
	sc, err := newServiceClient(provider, eo, "load-balancer")
	if err == nil {
		sc.ResourceBase = strings.ReplaceAll(sc.Endpoint, "v2.0/", "") + "v2.0/"
	}
	return loadBalancer{newService(ServiceLoadBalancer, sc, eo, err)}
}

func (l loadBalancer) CreateLoadBalancer(ctx context.Context, opts loadbalancers.CreateOptsBuilder) (*loadbalancers.LoadBalancer, error) {
	ctx, sc, err := l.begin(ctx, "CreateLoadBalancer")
	if err != nil {
		return nil, err
	}
	return loadbalancers.Create(ctx, sc, opts).Extract()
}

func (l loadBalancer) GetLoadBalancer(ctx context.Context, id string) (*loadbalancers.LoadBalancer, error) {
	ctx, sc, err := l.begin(ctx, "GetLoadBalancer")
	if err != nil {
		return nil, err
	}
	return loadbalancers.Get(ctx, sc, id).Extract()
}

func (l loadBalancer) ListLoadBalancers(ctx context.Context, opts loadbalancers.ListOptsBuilder) ([]loadbalancers.LoadBalancer, error) {
	ctx, sc, err := l.begin(ctx, "ListLoadBalancers")
	if err != nil {
		return nil, err
	}
	return all(ctx, loadbalancers.List(sc, opts), loadbalancers.ExtractLoadBalancers)
}

func (l loadBalancer) UpdateLoadBalancer(ctx context.Context, id string, opts loadbalancers.UpdateOptsBuilder) (*loadbalancers.LoadBalancer, error) {
	ctx, sc, err := l.begin(ctx, "UpdateLoadBalancer")
	if err != nil {
		return nil, err
	}
	return loadbalancers.Update(ctx, sc, id, opts).Extract()
}

func (l loadBalancer) DeleteLoadBalancer(ctx context.Context, id string, opts loadbalancers.DeleteOptsBuilder) error {
	ctx, sc, err := l.begin(ctx, "DeleteLoadBalancer")
	if err != nil {
		return err
	}
	return loadbalancers.Delete(ctx, sc, id, opts).ExtractErr()
}

func (l loadBalancer) CreateListener(ctx context.Context, opts listeners.CreateOptsBuilder) (*listeners.Listener, error) {
	ctx, sc, err := l.begin(ctx, "CreateListener")
	if err != nil {
		return nil, err
	}
	return listeners.Create(ctx, sc, opts).Extract()
}

func (l loadBalancer) GetListener(ctx context.Context, id string) (*listeners.Listener, error) {
	ctx, sc, err := l.begin(ctx, "GetListener")
	if err != nil {
		return nil, err
	}
	return listeners.Get(ctx, sc, id).Extract()
}

func (l loadBalancer) ListListeners(ctx context.Context, opts listeners.ListOptsBuilder) ([]listeners.Listener, error) {
	ctx, sc, err := l.begin(ctx, "ListListeners")
	if err != nil {
		return nil, err
	}
	return all(ctx, listeners.List(sc, opts), listeners.ExtractListeners)
}

func (l loadBalancer) UpdateListener(ctx context.Context, id string, opts listeners.UpdateOptsBuilder) (*listeners.Listener, error) {
	ctx, sc, err := l.begin(ctx, "UpdateListener")
	if err != nil {
		return nil, err
	}
	return listeners.Update(ctx, sc, id, opts).Extract()
}

func (l loadBalancer) DeleteListener(ctx context.Context, id string) error {
	ctx, sc, err := l.begin(ctx, "DeleteListener")
	if err != nil {
		return err
	}
	return listeners.Delete(ctx, sc, id).ExtractErr()
}

func (l loadBalancer) ListProviders(ctx context.Context) ([]providers.Provider, error) {
	ctx, sc, err := l.begin(ctx, "ListProviders")
	if err != nil {
		return nil, err
	}
	return all(ctx, providers.List(sc, providers.ListOpts{}), providers.ExtractProviders)
}

func (l loadBalancer) ListFlavors(ctx context.Context, opts flavors.ListOptsBuilder) ([]flavors.Flavor, error) {
	ctx, sc, err := l.begin(ctx, "ListFlavors")
	if err != nil {
		return nil, err
	}
	return all(ctx, flavors.List(sc, opts), flavors.ExtractFlavors)
}
