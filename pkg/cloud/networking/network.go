package networking

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/mtu"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// ReconcileExternalNetwork records the external network in status: the one the spec names,
// else the only router:external network visible, else none. Once recorded it is not looked up again.
func (s *Service) ReconcileExternalNetwork(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) error {
	if spec.EnableExternalNetwork != nil && !*spec.EnableExternalNetwork {
		status.ExternalNetwork = nil
		return nil
	}
	if status.ExternalNetwork != nil {
		return nil
	}
	var n *clients.NetworkExt
	if spec.ExternalNetwork != nil {
		found, err := ResolveNetwork(ctx, s.Net, *spec.ExternalNetwork)
		if err != nil {
			return fmt.Errorf("external network: %w", err)
		}
		if !found.External {
			return cloud.Invalid("network %s (%s) is not an external network (router:external is false)", found.Name, found.ID)
		}
		n = found
	} else {
		found, err := s.Net.ListNetworks(ctx, external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: ptr.To(true)})
		if err != nil {
			return fmt.Errorf("listing external networks: %w", err)
		}
		switch len(found) {
		case 0:
			return nil // no external network: no router gateway and no floating IPs
		case 1:
			n = &found[0]
		default:
			_, err := cloud.ExactlyOne(found, "external network", func(n clients.NetworkExt) string { return n.ID })
			return fmt.Errorf("%w; name one with spec.externalNetwork", err)
		}
	}
	status.ExternalNetwork = &infrav1.NetworkStatus{ID: n.ID, Name: n.Name, Tags: n.Tags}
	return nil
}

// ReconcileNetwork creates the managed network and subnets, or resolves the user's network and
// subnets, and records them in status.
func (s *Service) ReconcileNetwork(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) error {
	if len(spec.ManagedSubnets) == 0 {
		return s.resolveNetwork(ctx, spec, status)
	}
	if status.Network == nil {
		n, err := ensure(ctx, s, "network", "networks",
			func() ([]clients.NetworkExt, error) {
				return s.Net.ListNetworks(ctx, networks.ListOpts{Name: s.Name})
			},
			func() (*clients.NetworkExt, error) {
				return s.Net.CreateNetwork(ctx, networkCreateOpts(s.Name, spec.ManagedNetwork))
			},
			func(n clients.NetworkExt) string { return n.ID },
			func(n clients.NetworkExt) []string { return n.Tags })
		if err != nil {
			return err
		}
		status.Network = &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: n.ID, Name: n.Name, Tags: s.Tags}}
		if err := s.save(ctx); err != nil {
			return err
		}
	}
	for i := len(status.Network.Subnets); i < len(spec.ManagedSubnets); i++ {
		sub := spec.ManagedSubnets[i]
		name := s.Name
		if i > 0 {
			name = fmt.Sprintf("%s-%d", s.Name, i)
		}
		created, err := ensure(ctx, s, "subnet", "subnets",
			func() ([]subnets.Subnet, error) {
				return s.Net.ListSubnets(ctx, subnets.ListOpts{NetworkID: status.Network.ID, Name: name})
			},
			func() (*subnets.Subnet, error) {
				return s.Net.CreateSubnet(ctx, subnetCreateOpts(name, status.Network.ID, sub))
			},
			func(x subnets.Subnet) string { return x.ID },
			func(x subnets.Subnet) []string { return x.Tags })
		if err != nil {
			return err
		}
		status.Network.Subnets = append(status.Network.Subnets, infrav1.Subnet{ID: created.ID, Name: created.Name, CIDR: created.CIDR, Tags: s.Tags})
		if err := s.save(ctx); err != nil {
			return err
		}
	}
	return nil
}

func networkCreateOpts(name string, m *infrav1.ManagedNetwork) networks.CreateOptsBuilder {
	var opts networks.CreateOptsBuilder = networks.CreateOpts{Name: name, AdminStateUp: ptr.To(true), Description: "Created by the Cluster API OpenStack provider"}
	if m == nil {
		return opts
	}
	if m.MTU != nil {
		opts = mtu.CreateOptsExt{CreateOptsBuilder: opts, MTU: int(*m.MTU)}
	}
	if m.EnablePortSecurity != nil {
		opts = portsecurity.NetworkCreateOptsExt{CreateOptsBuilder: opts, PortSecurityEnabled: m.EnablePortSecurity}
	}
	return opts
}

func subnetCreateOpts(name, networkID string, spec infrav1.SubnetSpec) subnets.CreateOpts {
	opts := subnets.CreateOpts{
		Name: name, NetworkID: networkID, CIDR: spec.CIDR, IPVersion: 4,
		DNSNameservers: spec.DNSNameservers, Description: "Created by the Cluster API OpenStack provider",
	}
	if cloudIsIPv6(spec.CIDR) {
		opts.IPVersion = 6
	}
	for _, p := range spec.AllocationPools {
		opts.AllocationPools = append(opts.AllocationPools, subnets.AllocationPool{Start: p.Start, End: p.End})
	}
	return opts
}

// resolveNetwork records the user's own network and subnets; without one, the cluster has no
// network of its own and machines must name their ports' networks.
func (s *Service) resolveNetwork(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) error {
	if status.Network != nil && len(status.Network.Subnets) > 0 {
		return nil
	}
	if spec.Network == nil && len(spec.Subnets) == 0 {
		return nil
	}
	var netID string
	if spec.Network != nil {
		n, err := ResolveNetwork(ctx, s.Net, *spec.Network)
		if err != nil {
			return fmt.Errorf("network: %w", err)
		}
		netID = n.ID
		status.Network = &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: n.ID, Name: n.Name, Tags: n.Tags}}
	}
	var found []subnets.Subnet
	if len(spec.Subnets) == 0 {
		all, err := s.Net.ListSubnets(ctx, subnets.ListOpts{NetworkID: netID})
		if err != nil {
			return fmt.Errorf("listing the subnets of network %s: %w", netID, err)
		}
		if len(all) == 0 {
			return cloud.Invalid("network %s has no subnet: add one, or name a network that has", netID)
		}
		found = all
	}
	for i, p := range spec.Subnets {
		sub, err := ResolveSubnet(ctx, s.Net, p, netID)
		if err != nil {
			return fmt.Errorf("subnets[%d]: %w", i, err)
		}
		found = append(found, *sub)
	}
	if netID == "" {
		n, err := s.Net.GetNetwork(ctx, found[0].NetworkID)
		if err != nil {
			return fmt.Errorf("network of subnet %s: %w", found[0].ID, err)
		}
		status.Network = &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: n.ID, Name: n.Name, Tags: n.Tags}}
	}
	for _, sub := range found {
		if sub.NetworkID != status.Network.ID {
			return cloud.Invalid("subnets %s and %s are on different networks: list subnets of one network", found[0].ID, sub.ID)
		}
	}
	primary, err := s.primarySubnet(ctx, spec, status.Network.ID, found)
	if err != nil {
		return err
	}
	subs := []infrav1.Subnet{{ID: primary.ID, Name: primary.Name, CIDR: primary.CIDR, Tags: primary.Tags}}
	for _, sub := range found {
		if sub.ID != primary.ID {
			subs = append(subs, infrav1.Subnet{ID: sub.ID, Name: sub.Name, CIDR: sub.CIDR, Tags: sub.Tags})
		}
	}
	status.Network.Subnets = subs
	return nil
}

// primarySubnet is the subnet listed first in status: spec.primarySubnet, else the first one.
func (s *Service) primarySubnet(ctx context.Context, spec *infrav1.OpenStackClusterSpec, netID string, found []subnets.Subnet) (*subnets.Subnet, error) {
	if spec.PrimarySubnet == nil {
		return &found[0], nil
	}
	p, err := ResolveSubnet(ctx, s.Net, *spec.PrimarySubnet, netID)
	if err != nil {
		return nil, fmt.Errorf("primarySubnet: %w", err)
	}
	for _, sub := range found {
		if sub.ID == p.ID {
			return p, nil
		}
	}
	return nil, cloud.Invalid("primarySubnet %s is not one of the cluster's subnets", p.ID)
}
