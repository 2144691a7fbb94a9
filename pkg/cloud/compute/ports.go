package compute

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// ensurePorts returns the IDs of the machine's ports, in order, creating the missing ones (and
// their trunks). A port recorded in status.resources is taken as it is; any other is looked up
// by name on its network before it is created, so a create whose answer was lost, or a crash
// before the ID was saved, never makes a second port.
func (s *MachineService) ensurePorts(ctx context.Context, m *Machine) ([]string, error) {
	res := m.resources()
	ids := make([]string, 0, len(m.Status.Resolved.Ports))
	for i, want := range m.Status.Resolved.Ports {
		if i < len(res.Ports) {
			ids = append(ids, res.Ports[i].ID)
		} else {
			p, created, err := s.findOrCreatePort(ctx, want, m.Owner)
			if err != nil {
				return nil, err
			}
			// Tagged before it is recorded: until then, the lookup by name finds it again.
			if created || !cloud.HasTag(p.Tags, m.Owner) {
				if _, err := s.Network.ReplaceTags(ctx, "ports", p.ID, want.Tags); err != nil {
					return nil, fmt.Errorf("tagging port %s (%s): %w", want.Name, p.ID, err)
				}
			}
			res.Ports = append(res.Ports, infrav1.PortStatus{ID: p.ID})
			ids = append(ids, p.ID)
		}
		if ptr.Deref(want.Trunk, false) {
			if err := s.ensureTrunk(ctx, m, want, ids[i]); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

func (s *MachineService) findOrCreatePort(ctx context.Context, want infrav1.ResolvedPortSpec, owner string) (*ports.Port, bool, error) {
	found, err := s.Network.ListPorts(ctx, ports.ListOpts{Name: want.Name, NetworkID: want.NetworkID})
	if err != nil {
		return nil, false, fmt.Errorf("looking up port %s: %w", want.Name, err)
	}
	switch len(found) {
	case 0:
		p, err := s.Network.CreatePort(ctx, portCreateOpts(want))
		if err != nil {
			return nil, false, fmt.Errorf("creating port %s: %w", want.Name, err)
		}
		return p, true, nil
	case 1:
		return &found[0], false, nil
	}
	return s.pruneDuplicatePorts(ctx, want, owner, found)
}

// pruneDuplicatePorts keeps one of several ports with the machine's port name
// (cloud.KeepOwned: a port is tagged before it is recorded or bound) and deletes the others;
// two tagged ones ask the user to choose.
func (s *MachineService) pruneDuplicatePorts(ctx context.Context, want infrav1.ResolvedPortSpec, owner string, found []ports.Port) (*ports.Port, bool, error) {
	keep, ok := cloud.KeepOwned(found, owner, func(p ports.Port) []string { return p.Tags })
	if !ok {
		ids := make([]string, len(found))
		for i, p := range found {
			ids[i] = p.ID
		}
		return nil, false, fmt.Errorf("%d ports are named %s on network %s (%s): delete the ones not in use",
			len(found), want.Name, want.NetworkID, strings.Join(ids, ", "))
	}
	for i, p := range found {
		if i == keep {
			continue
		}
		if err := clients.IgnoreNotFound(s.Network.DeletePort(ctx, p.ID)); err != nil {
			return nil, false, fmt.Errorf("deleting port %s (%s), a duplicate of %s: %w", want.Name, p.ID, found[keep].ID, err)
		}
	}
	return &found[keep], false, nil
}

// portCreateOpts is the create request of a port. Neutron's create body cannot carry tags:
// they are set right after.
func portCreateOpts(p infrav1.ResolvedPortSpec) ports.CreateOptsBuilder {
	opts := ports.CreateOpts{
		NetworkID: p.NetworkID, Name: p.Name, Description: p.Description,
		AdminStateUp: p.AdminStateUp, MACAddress: ptr.Deref(p.MACAddress, ""),
		PropagateUplinkStatus: p.PropagateUplinkStatus,
	}
	if len(p.FixedIPs) > 0 {
		ips := make([]ports.IP, len(p.FixedIPs))
		for i, ip := range p.FixedIPs {
			ips[i] = ports.IP{SubnetID: ptr.Deref(ip.Subnet, ""), IPAddress: ptr.Deref(ip.IPAddress, "")}
		}
		opts.FixedIPs = ips
	}
	if len(p.SecurityGroups) > 0 {
		opts.SecurityGroups = &p.SecurityGroups
	}
	for _, pair := range p.AllowedAddressPairs {
		opts.AllowedAddressPairs = append(opts.AllowedAddressPairs, ports.AddressPair{
			IPAddress: pair.IPAddress, MACAddress: ptr.Deref(pair.MACAddress, ""),
		})
	}
	if len(p.ValueSpecs) > 0 {
		specs := make(map[string]string, len(p.ValueSpecs))
		for _, v := range p.ValueSpecs {
			specs[v.Key] = v.Value
		}
		opts.ValueSpecs = &specs
	}
	return portsbinding.CreateOptsExt{
		CreateOptsBuilder: portsecurity.PortCreateOptsExt{CreateOptsBuilder: opts, PortSecurityEnabled: p.EnablePortSecurity},
		HostID:            ptr.Deref(p.HostID, ""),
		VNICType:          ptr.Deref(p.VNICType, ""),
		Profile:           bindingProfile(p.Profile),
	}
}

// bindingProfile is Neutron's binding:profile for the options of the API.
func bindingProfile(p *infrav1.BindingProfile) map[string]any {
	if p == nil {
		return nil
	}
	out := map[string]any{}
	if ptr.Deref(p.OVSHWOffload, false) {
		out["capabilities"] = []string{"switchdev"}
	}
	if ptr.Deref(p.TrustedVF, false) {
		out["trusted"] = true
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ensureTrunk makes sure the port is the parent of a trunk named like it. Neutron allows one
// trunk per parent port, so the lookup by port never finds several.
func (s *MachineService) ensureTrunk(ctx context.Context, m *Machine, want infrav1.ResolvedPortSpec, portID string) error {
	found, err := s.Network.ListTrunks(ctx, trunks.ListOpts{PortID: portID})
	if err != nil {
		return fmt.Errorf("looking up the trunk of port %s: %w", want.Name, err)
	}
	var t *trunks.Trunk
	if len(found) > 0 {
		t = &found[0]
	} else {
		t, err = s.Network.CreateTrunk(ctx, trunks.CreateOpts{
			PortID: portID, Name: want.Name, Description: want.Description, Subports: []trunks.Subport{},
		})
		if err != nil {
			return fmt.Errorf("creating trunk %s: %w", want.Name, err)
		}
	}
	if cloud.HasTag(t.Tags, m.Owner) {
		return nil
	}
	if _, err := s.Network.ReplaceTags(ctx, "trunks", t.ID, want.Tags); err != nil {
		return fmt.Errorf("tagging trunk %s (%s): %w", want.Name, t.ID, err)
	}
	return nil
}
