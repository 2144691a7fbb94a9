package clients

import (
	"context"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/attachinterfaces"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/availabilityzones"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

//go:generate go -C ../../hack/tools tool mockgen -typed -source=../../pkg/clients/compute.go -destination=../../pkg/clients/mock/compute.go -package=mock

// ComputeMicroversion is the Nova microversion of every compute call: 2.52 is the first that
// accepts tags in the server create body, so a server is tagged in the same request that creates
// it (no untagged window to leak). It also has everything older we use: tag filters on the server
// list (2.26). Every Nova since Pike supports it.
const ComputeMicroversion = "2.52"

// Compute is the part of Nova the provider uses.
type Compute interface {
	CreateServer(ctx context.Context, opts servers.CreateOptsBuilder, hints servers.SchedulerHintOptsBuilder) (*servers.Server, error)
	GetServer(ctx context.Context, id string) (*servers.Server, error)
	// ListServers returns every server that matches filter, across all pages.
	ListServers(ctx context.Context, filter ServerFilter) ([]servers.Server, error)
	DeleteServer(ctx context.Context, id string) error
	// ForceDeleteServer deletes a server at once, also one that Nova only soft-deleted
	// (reclaim_instance_interval).
	ForceDeleteServer(ctx context.Context, id string) error
	ListServerInterfaces(ctx context.Context, serverID string) ([]attachinterfaces.Interface, error)

	GetFlavor(ctx context.Context, id string) (*flavors.Flavor, error)
	// ListFlavors returns every flavor visible to the project; Nova cannot filter by name.
	ListFlavors(ctx context.Context) ([]flavors.Flavor, error)

	ListAvailabilityZones(ctx context.Context) ([]availabilityzones.AvailabilityZone, error)

	GetServerGroup(ctx context.Context, id string) (*servergroups.ServerGroup, error)
	ListServerGroups(ctx context.Context) ([]servergroups.ServerGroup, error)
}

// ServerFilter selects servers. Zero fields do not filter.
type ServerFilter struct {
	// Name matches the server name exactly (Nova's own name filter is a regular expression).
	Name string
	// Tags must all be on the server.
	Tags []string
}

type compute struct{ service }

// NewCompute builds the Nova client once from the provider's catalog. If the catalog has no
// compute endpoint, every call returns that error.
func NewCompute(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) Compute {
	sc, err := newServiceClient(provider, eo, "compute")
	if err == nil {
		sc.Microversion = ComputeMicroversion
	}
	return compute{newService(ServiceCompute, sc, eo, err)}
}

func (c compute) CreateServer(ctx context.Context, opts servers.CreateOptsBuilder, hints servers.SchedulerHintOptsBuilder) (*servers.Server, error) {
	ctx, sc, err := c.begin(ctx, "CreateServer")
	if err != nil {
		return nil, err
	}
	return servers.Create(ctx, sc, opts, hints).Extract()
}

func (c compute) GetServer(ctx context.Context, id string) (*servers.Server, error) {
	ctx, sc, err := c.begin(ctx, "GetServer")
	if err != nil {
		return nil, err
	}
	return servers.Get(ctx, sc, id).Extract()
}

func (c compute) ListServers(ctx context.Context, filter ServerFilter) ([]servers.Server, error) {
	ctx, sc, err := c.begin(ctx, "ListServers")
	if err != nil {
		return nil, err
	}
	opts := servers.ListOpts{Tags: strings.Join(filter.Tags, ",")}
	if filter.Name != "" {
		opts.Name = "^" + regexp.QuoteMeta(filter.Name) + "$"
	}
	found, err := all(ctx, servers.List(sc, opts), servers.ExtractServers)
	if err != nil || filter.Name == "" {
		return found, err
	}
	// Keep the exact matches only, in case a Nova treats the anchored pattern loosely.
	exact := found[:0]
	for _, s := range found {
		if s.Name == filter.Name {
			exact = append(exact, s)
		}
	}
	return exact, nil
}

func (c compute) DeleteServer(ctx context.Context, id string) error {
	ctx, sc, err := c.begin(ctx, "DeleteServer")
	if err != nil {
		return err
	}
	return servers.Delete(ctx, sc, id).ExtractErr()
}

func (c compute) ForceDeleteServer(ctx context.Context, id string) error {
	ctx, sc, err := c.begin(ctx, "ForceDeleteServer")
	if err != nil {
		return err
	}
	return servers.ForceDelete(ctx, sc, id).ExtractErr()
}

func (c compute) ListServerInterfaces(ctx context.Context, serverID string) ([]attachinterfaces.Interface, error) {
	ctx, sc, err := c.begin(ctx, "ListServerInterfaces")
	if err != nil {
		return nil, err
	}
	return all(ctx, attachinterfaces.List(sc, serverID), attachinterfaces.ExtractInterfaces)
}

func (c compute) GetFlavor(ctx context.Context, id string) (*flavors.Flavor, error) {
	ctx, sc, err := c.begin(ctx, "GetFlavor")
	if err != nil {
		return nil, err
	}
	return flavors.Get(ctx, sc, id).Extract()
}

func (c compute) ListFlavors(ctx context.Context) ([]flavors.Flavor, error) {
	ctx, sc, err := c.begin(ctx, "ListFlavors")
	if err != nil {
		return nil, err
	}
	return all(ctx, flavors.ListDetail(sc, flavors.ListOpts{}), flavors.ExtractFlavors)
}

func (c compute) ListAvailabilityZones(ctx context.Context) ([]availabilityzones.AvailabilityZone, error) {
	ctx, sc, err := c.begin(ctx, "ListAvailabilityZones")
	if err != nil {
		return nil, err
	}
	return all(ctx, availabilityzones.List(sc), availabilityzones.ExtractAvailabilityZones)
}

func (c compute) GetServerGroup(ctx context.Context, id string) (*servergroups.ServerGroup, error) {
	ctx, sc, err := c.begin(ctx, "GetServerGroup")
	if err != nil {
		return nil, err
	}
	return servergroups.Get(ctx, sc, id).Extract()
}

func (c compute) ListServerGroups(ctx context.Context) ([]servergroups.ServerGroup, error) {
	ctx, sc, err := c.begin(ctx, "ListServerGroups")
	if err != nil {
		return nil, err
	}
	return all(ctx, servergroups.List(sc, servergroups.ListOpts{}), servergroups.ExtractServerGroups)
}
