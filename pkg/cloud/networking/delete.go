package networking

import (
	"context"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// DeleteNetwork deletes the managed network (with its subnets) and any port the provider left
// on it. The user's network is only forgotten. A network still in use is a conflict: the
// caller retries once machines and load balancers are gone.
func (s *Service) DeleteNetwork(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) error {
	if len(spec.ManagedSubnets) == 0 {
		status.Network = nil
		return nil
	}
	// By name as well as by status: status may be lost (clusterctl move), and a create that
	// Neutron carried out after we gave up on it left an untagged second one.
	var ids []string
	if status.Network != nil {
		ids = []string{status.Network.ID}
	}
	found, err := s.Net.ListNetworks(ctx, networks.ListOpts{Name: s.Name})
	if err != nil {
		return fmt.Errorf("looking up the cluster network: %w", err)
	}
	for _, n := range found {
		if !slices.Contains(ids, n.ID) {
			ids = append(ids, n.ID)
		}
	}
	for _, id := range ids {
		if err := s.deleteOwnedPorts(ctx, id); err != nil {
			return err
		}
		if err := clients.IgnoreNotFound(s.Net.DeleteNetwork(ctx, id)); err != nil {
			return fmt.Errorf("deleting network %s: %w", id, err)
		}
	}
	status.Network = nil
	return nil
}

// deleteOwnedPorts deletes the ports on a network that carry the cluster's ownership tag.
func (s *Service) deleteOwnedPorts(ctx context.Context, networkID string) error {
	found, err := s.Net.ListPorts(ctx, ports.ListOpts{NetworkID: networkID, Tags: s.Owner})
	if err != nil {
		return fmt.Errorf("listing the cluster's ports on network %s: %w", networkID, err)
	}
	for _, p := range found {
		if err := clients.IgnoreNotFound(s.Net.DeletePort(ctx, p.ID)); err != nil {
			return fmt.Errorf("deleting port %s: %w", p.ID, err)
		}
	}
	return nil
}
