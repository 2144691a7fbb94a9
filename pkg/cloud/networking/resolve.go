// Package networking turns the network parts of the spec into Neutron resources: the external
// network, the cluster network and subnets, the router and the managed security groups. It
// also resolves references (by ID or filter) to networks, subnets, routers and security groups.
package networking

import (
	"context"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

func joinTags(tags []infrav1.NeutronTag) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

// ResolveNetwork returns the network a NetworkParam names.
func ResolveNetwork(ctx context.Context, net clients.Network, p infrav1.NetworkParam) (*clients.NetworkExt, error) {
	if p.ID != nil {
		n, err := net.GetNetwork(ctx, *p.ID)
		if clients.IsNotFound(err) {
			return nil, cloud.Invalid("network %s does not exist", *p.ID)
		}
		return n, err
	}
	f := p.Filter
	if f == nil {
		return nil, cloud.Invalid("a network reference needs an id or a filter")
	}
	found, err := net.ListNetworks(ctx, networks.ListOpts{
		Name: f.Name, Description: f.Description, ProjectID: f.ProjectID,
		Tags: joinTags(f.Tags), TagsAny: joinTags(f.TagsAny), NotTags: joinTags(f.NotTags), NotTagsAny: joinTags(f.NotTagsAny),
	})
	if err != nil {
		return nil, err
	}
	n, err := cloud.ExactlyOne(found, "network", func(n clients.NetworkExt) string { return n.ID })
	return &n, err
}

// ResolveSubnet returns the subnet a SubnetParam names; networkID, when set, restricts the search.
func ResolveSubnet(ctx context.Context, net clients.Network, p infrav1.SubnetParam, networkID string) (*subnets.Subnet, error) {
	if p.ID != nil {
		s, err := net.GetSubnet(ctx, *p.ID)
		if clients.IsNotFound(err) {
			return nil, cloud.Invalid("subnet %s does not exist", *p.ID)
		}
		if err == nil && networkID != "" && s.NetworkID != networkID {
			return nil, cloud.Invalid("subnet %s is not on network %s", *p.ID, networkID)
		}
		return s, err
	}
	f := p.Filter
	if f == nil {
		return nil, cloud.Invalid("a subnet reference needs an id or a filter")
	}
	found, err := net.ListSubnets(ctx, subnets.ListOpts{
		NetworkID: networkID, Name: f.Name, Description: f.Description, ProjectID: f.ProjectID,
		IPVersion: int(f.IPVersion), GatewayIP: f.GatewayIP, CIDR: f.CIDR,
		IPv6AddressMode: f.IPv6AddressMode, IPv6RAMode: f.IPv6RAMode,
		Tags: joinTags(f.Tags), TagsAny: joinTags(f.TagsAny), NotTags: joinTags(f.NotTags), NotTagsAny: joinTags(f.NotTagsAny),
	})
	if err != nil {
		return nil, err
	}
	s, err := cloud.ExactlyOne(found, "subnet", func(s subnets.Subnet) string { return s.ID })
	return &s, err
}

// ResolveRouter returns the router a RouterParam names.
func ResolveRouter(ctx context.Context, net clients.Network, p infrav1.RouterParam) (*routers.Router, error) {
	if p.ID != nil {
		r, err := net.GetRouter(ctx, *p.ID)
		if clients.IsNotFound(err) {
			return nil, cloud.Invalid("router %s does not exist", *p.ID)
		}
		return r, err
	}
	f := p.Filter
	if f == nil {
		return nil, cloud.Invalid("a router reference needs an id or a filter")
	}
	found, err := net.ListRouters(ctx, routers.ListOpts{
		Name: f.Name, Description: f.Description, ProjectID: f.ProjectID,
		Tags: joinTags(f.Tags), TagsAny: joinTags(f.TagsAny), NotTags: joinTags(f.NotTags), NotTagsAny: joinTags(f.NotTagsAny),
	})
	if err != nil {
		return nil, err
	}
	r, err := cloud.ExactlyOne(found, "router", func(r routers.Router) string { return r.ID })
	return &r, err
}

// ResolveSecurityGroup returns the ID of the security group a SecurityGroupParam names.
func ResolveSecurityGroup(ctx context.Context, net clients.Network, p infrav1.SecurityGroupParam) (string, error) {
	if p.ID != nil {
		return *p.ID, nil
	}
	f := p.Filter
	if f == nil {
		return "", cloud.Invalid("a security group reference needs an id or a filter")
	}
	found, err := net.ListSecurityGroups(ctx, groups.ListOpts{
		Name: f.Name, Description: f.Description, ProjectID: f.ProjectID,
		Tags: joinTags(f.Tags), TagsAny: joinTags(f.TagsAny), NotTags: joinTags(f.NotTags), NotTagsAny: joinTags(f.NotTagsAny),
	})
	if err != nil {
		return "", err
	}
	g, err := cloud.ExactlyOne(found, "security group", func(g groups.SecGroup) string { return g.ID })
	return g.ID, err
}
