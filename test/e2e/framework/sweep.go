package framework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// SweepTypes are the resource types Sweep lists, named as the simulator's inventory names them.
var SweepTypes = []string{"server", "volume", "loadbalancer", "member", "floating_ip", "router", "port", "subnet", "network", "security_group"}

// clusterTagPrefix starts every tag the provider writes (pkg/cloud ClusterTag).
const clusterTagPrefix = "capo-cluster="

// sweeper lists a real cloud's resources through the OpenStack APIs, as an operator would.
type sweeper struct {
	once                               sync.Once
	err                                error
	compute, network, lb, blockStorage *gophercloud.ServiceClient
}

func (c *RealCloud) clients(ctx context.Context) (*sweeper, error) {
	s := &c.sweep
	s.once.Do(func() {
		p, err := c.provider(ctx)
		if err != nil {
			s.err = err
			return
		}
		if s.compute, s.err = openstack.NewComputeV2(p, c.endpoint); s.err != nil {
			return
		}
		s.compute.Microversion = "2.52" // user data (2.3), tags (2.26)
		if s.network, s.err = openstack.NewNetworkV2(p, c.endpoint); s.err != nil {
			return
		}
		if s.lb, s.err = openstack.NewLoadBalancerV2(p, c.endpoint); s.err != nil {
			return
		}
		// A cloud without Cinder has no volumes to sweep.
		s.blockStorage, _ = openstack.NewBlockStorageV3(p, c.endpoint)
	})
	return s, s.err
}

// Sweep lists the project's resources of the given types (SweepTypes when none) that carry tag,
// or any tag the provider writes when tag is "". Volumes have no tags: their metadata values
// count as tags, as in the simulator's inventory.
func (c *RealCloud) Sweep(ctx context.Context, tag string, types ...string) ([]simulator.Resource, error) {
	s, err := c.clients(ctx)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		types = SweepTypes
	}
	var out []simulator.Resource
	for _, typ := range types {
		found, err := s.list(ctx, typ, tag)
		if err != nil {
			return nil, fmt.Errorf("listing %ss: %w", typ, err)
		}
		for _, r := range found {
			r.Type = typ
			if tag == "" && !slices.ContainsFunc(r.Tags, func(t string) bool { return strings.HasPrefix(t, clusterTagPrefix) }) {
				continue
			}
			if tag != "" && !slices.Contains(r.Tags, tag) {
				continue
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *sweeper) list(ctx context.Context, typ, tag string) ([]simulator.Resource, error) {
	switch typ {
	case "server":
		pages, err := servers.List(s.compute, servers.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := servers.ExtractServers(pages)
		return mapped(all, err, func(v servers.Server) simulator.Resource {
			return res(v.ID, v.Name, v.Status, derefTags(v.Tags))
		})
	case "volume":
		if s.blockStorage == nil {
			return nil, nil
		}
		pages, err := volumes.List(s.blockStorage, volumes.ListOpts{}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := volumes.ExtractVolumes(pages)
		return mapped(all, err, func(v volumes.Volume) simulator.Resource {
			var tags []string
			for _, val := range v.Metadata {
				tags = append(tags, val)
			}
			return res(v.ID, v.Name, v.Status, tags)
		})
	case "loadbalancer":
		all, err := s.loadBalancers(ctx, tag)
		return mapped(all, err, func(v loadbalancers.LoadBalancer) simulator.Resource {
			return res(v.ID, v.Name, v.ProvisioningStatus, v.Tags)
		})
	case "member":
		return s.members(ctx, tag)
	case "floating_ip":
		pages, err := floatingips.List(s.network, floatingips.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := floatingips.ExtractFloatingIPs(pages)
		return mapped(all, err, func(v floatingips.FloatingIP) simulator.Resource {
			return res(v.ID, v.FloatingIP, v.Status, v.Tags)
		})
	case "router":
		pages, err := routers.List(s.network, routers.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := routers.ExtractRouters(pages)
		return mapped(all, err, func(v routers.Router) simulator.Resource { return res(v.ID, v.Name, v.Status, v.Tags) })
	case "port":
		pages, err := ports.List(s.network, ports.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := ports.ExtractPorts(pages)
		return mapped(all, err, func(v ports.Port) simulator.Resource { return res(v.ID, v.Name, v.Status, v.Tags) })
	case "subnet":
		pages, err := subnets.List(s.network, subnets.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := subnets.ExtractSubnets(pages)
		return mapped(all, err, func(v subnets.Subnet) simulator.Resource { return res(v.ID, v.Name, "ACTIVE", v.Tags) })
	case "network":
		pages, err := networks.List(s.network, networks.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := networks.ExtractNetworks(pages)
		return mapped(all, err, func(v networks.Network) simulator.Resource { return res(v.ID, v.Name, v.Status, v.Tags) })
	case "security_group":
		pages, err := groups.List(s.network, groups.ListOpts{Tags: tag}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := groups.ExtractGroups(pages)
		return mapped(all, err, func(v groups.SecGroup) simulator.Resource { return res(v.ID, v.Name, "ACTIVE", v.Tags) })
	}
	return nil, fmt.Errorf("unknown resource type %q", typ)
}

func (s *sweeper) loadBalancers(ctx context.Context, tag string) ([]loadbalancers.LoadBalancer, error) {
	opts := loadbalancers.ListOpts{}
	if tag != "" {
		opts.Tags = []string{tag}
	}
	pages, err := loadbalancers.List(s.lb, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return loadbalancers.ExtractLoadBalancers(pages)
}

// members lists the members of the pools of every load balancer (tagged tag when not "").
func (s *sweeper) members(ctx context.Context, tag string) ([]simulator.Resource, error) {
	lbs, err := s.loadBalancers(ctx, tag)
	if err != nil {
		return nil, err
	}
	var out []simulator.Resource
	for _, lb := range lbs {
		pages, err := pools.List(s.lb, pools.ListOpts{LoadbalancerID: lb.ID}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		ps, err := pools.ExtractPools(pages)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			pages, err := pools.ListMembers(s.lb, p.ID, pools.ListMembersOpts{}).AllPages(ctx)
			if err != nil {
				return nil, err
			}
			ms, err := pools.ExtractMembers(pages)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				out = append(out, res(m.ID, m.Name, m.ProvisioningStatus, m.Tags))
			}
		}
	}
	return out, nil
}

func res(id, name, status string, tags []string) simulator.Resource {
	return simulator.Resource{ID: id, Name: name, Status: status, Tags: tags}
}

func mapped[T any](items []T, err error, f func(T) simulator.Resource) ([]simulator.Resource, error) {
	if err != nil {
		return nil, err
	}
	out := make([]simulator.Resource, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out, nil
}

func derefTags(t *[]string) []string {
	if t == nil {
		return nil
	}
	return *t
}
