package networking

import (
	"context"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// routerInterfaceOwners are the device_owner values Neutron gives a router's port on a subnet:
// that of a legacy router, of a distributed (DVR) router and of an HA router. The router's
// gateway port and its HA ports carry the router's ID too, but are not interfaces.
var routerInterfaceOwners = []string{
	"network:router_interface", "network:router_interface_distributed", "network:ha_router_replicated_interface",
}

// routerInterfaces lists the router's interfaces, only those on networkID when it is set.
// Neutron filters on one device_owner only, so the owners are matched here.
func (s *Service) routerInterfaces(ctx context.Context, routerID, networkID string) ([]ports.Port, error) {
	found, err := s.Net.ListPorts(ctx, ports.ListOpts{DeviceID: routerID, NetworkID: networkID})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(found, func(p ports.Port) bool { return !slices.Contains(routerInterfaceOwners, p.DeviceOwner) }), nil
}

// ReconcileRouter connects the managed network to the external network through a router (the
// user's, when spec.router names one). status.Router is written only once the router has its
// interface on every cluster subnet, so a recorded router means the work is done.
func (s *Service) ReconcileRouter(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) error {
	if status.Router != nil || status.Network == nil || len(spec.ManagedSubnets) == 0 {
		return nil
	}
	if spec.Router == nil && status.ExternalNetwork == nil {
		return nil // nothing to route to
	}
	var r *routers.Router
	var err error
	if spec.Router != nil {
		r, err = ResolveRouter(ctx, s.Net, *spec.Router)
		if err != nil {
			return fmt.Errorf("router: %w", err)
		}
	} else {
		r, err = ensure(ctx, s, "router", "routers",
			func() ([]routers.Router, error) { return s.Net.ListRouters(ctx, routers.ListOpts{Name: s.Name}) },
			func() (*routers.Router, error) {
				gw, err := s.gateway(ctx, spec, status.ExternalNetwork.ID)
				if err != nil {
					return nil, err
				}
				return s.Net.CreateRouter(ctx, routers.CreateOpts{Name: s.Name, GatewayInfo: gw, Description: "Created by the Cluster API OpenStack provider"})
			},
			func(r routers.Router) string { return r.ID },
			func(r routers.Router) []string { return r.Tags })
		if err != nil {
			return err
		}
	}
	if err := s.attach(ctx, r.ID, status.Network); err != nil {
		return err
	}
	var ips []string
	for _, ip := range r.GatewayInfo.ExternalFixedIPs {
		ips = append(ips, ip.IPAddress)
	}
	status.Router = &infrav1.Router{ID: r.ID, Name: r.Name, Tags: r.Tags, IPs: ips}
	if spec.Router == nil {
		status.Router.Tags = s.Tags
	}
	return nil
}

// gateway builds the router's external gateway, with the addresses spec.managedRouter asks for.
func (s *Service) gateway(ctx context.Context, spec *infrav1.OpenStackClusterSpec, extNetID string) (*routers.GatewayInfo, error) {
	gw := &routers.GatewayInfo{NetworkID: extNetID}
	if spec.ManagedRouter == nil {
		return gw, nil
	}
	for i, ip := range spec.ManagedRouter.ExternalIPs {
		sub, err := ResolveSubnet(ctx, s.Net, ip.Subnet, extNetID)
		if err != nil {
			return nil, fmt.Errorf("managedRouter.externalIPs[%d]: %w", i, err)
		}
		gw.ExternalFixedIPs = append(gw.ExternalFixedIPs, routers.ExternalFixedIP{IPAddress: ip.FixedIP, SubnetID: sub.ID})
	}
	return gw, nil
}

// attach adds the router's interface to each cluster subnet that does not have one yet.
func (s *Service) attach(ctx context.Context, routerID string, network *infrav1.NetworkStatusWithSubnets) error {
	existing, err := s.routerInterfaces(ctx, routerID, network.ID)
	if err != nil {
		return fmt.Errorf("listing the router's interfaces: %w", err)
	}
	attached := map[string]bool{}
	for _, p := range existing {
		for _, ip := range p.FixedIPs {
			attached[ip.SubnetID] = true
		}
	}
	for _, sub := range network.Subnets {
		if attached[sub.ID] {
			continue
		}
		if _, err := s.Net.AddRouterInterface(ctx, routerID, routers.AddInterfaceOpts{SubnetID: sub.ID}); err != nil {
			return fmt.Errorf("attaching router %s to subnet %s: %w", routerID, sub.ID, err)
		}
	}
	return nil
}

// DeleteRouter detaches the router from the cluster's subnets and, unless it is the user's,
// deletes it. Interfaces are found on the router itself, so this works with status lost. A
// router already gone is success.
func (s *Service) DeleteRouter(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) error {
	ids, err := s.routerIDs(ctx, spec, status)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.detach(ctx, id, spec.Router != nil, status); err != nil {
			return err
		}
		if spec.Router == nil {
			if err := clients.IgnoreNotFound(s.Net.DeleteRouter(ctx, id)); err != nil {
				return fmt.Errorf("deleting router %s: %w", id, err)
			}
		}
	}
	status.Router = nil
	return nil
}

// detach removes the router's interfaces: all of them from our own router, only those on the
// cluster network from the user's.
func (s *Service) detach(ctx context.Context, routerID string, usersRouter bool, status *infrav1.OpenStackClusterStatus) error {
	networkID := ""
	if usersRouter {
		if status.Network == nil {
			return nil
		}
		networkID = status.Network.ID
	}
	found, err := s.routerInterfaces(ctx, routerID, networkID)
	if err != nil {
		return fmt.Errorf("listing the interfaces of router %s: %w", routerID, err)
	}
	for _, p := range found {
		_, err := s.Net.RemoveRouterInterface(ctx, routerID, routers.RemoveInterfaceOpts{PortID: p.ID})
		if err != nil && !clients.IsNotFound(err) {
			return fmt.Errorf("detaching router %s from port %s: %w", routerID, p.ID, err)
		}
	}
	return nil
}

// routerIDs are the router in status and, for our own router, those found by the cluster's
// router name (status may have been lost, e.g. after clusterctl move).
func (s *Service) routerIDs(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) ([]string, error) {
	var ids []string
	if status.Router != nil {
		ids = []string{status.Router.ID}
	}
	if spec.Router != nil {
		if ids != nil {
			return ids, nil
		}
		r, err := ResolveRouter(ctx, s.Net, *spec.Router)
		if cloud.IsInvalidSpec(err) {
			return nil, nil // the user's router is gone: nothing to detach
		}
		if err != nil {
			return nil, err
		}
		return []string{r.ID}, nil
	}
	if len(spec.ManagedSubnets) == 0 {
		return ids, nil
	}
	// By name as well as by status (see DeleteNetwork).
	found, err := s.Net.ListRouters(ctx, routers.ListOpts{Name: s.Name})
	if err != nil {
		return nil, fmt.Errorf("looking up the cluster router: %w", err)
	}
	for _, r := range found {
		if !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}
