package compute

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/networking"
)

// Resolve turns the references of the spec (image, flavor, server group, networks, subnets,
// security groups) into IDs and records them in status.resolved, once: when status.resolved
// is set it does nothing. IDs given in the spec are taken as they are (Nova and Neutron reject
// unknown ones when the server or port is created); filters must match exactly one resource,
// else the error is a cloud.InvalidSpecError naming what was found.
func (s *MachineService) Resolve(ctx context.Context, m *Machine) error {
	if m.Status.Resolved != nil {
		return nil
	}
	r := &infrav1.ResolvedMachineSpec{}
	var err error
	if r.ImageID, err = s.resolveImageID(ctx, m.Spec.Image); err != nil {
		return err
	}
	if r.FlavorID, err = s.resolveFlavorID(ctx, m.Spec.Flavor); err != nil {
		return err
	}
	if m.Spec.ServerGroup != nil {
		if r.ServerGroupID, err = s.resolveServerGroup(ctx, *m.Spec.ServerGroup); err != nil {
			return err
		}
	}
	if r.Ports, err = s.resolvePorts(ctx, m); err != nil {
		return err
	}
	m.Status.Resolved = r
	return nil
}

func (s *MachineService) resolveImageID(ctx context.Context, p infrav1.ImageParam) (string, error) {
	if p.ID != nil {
		return *p.ID, nil
	}
	img, err := s.resolveImage(ctx, p)
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// resolveImage returns the image an ImageParam names.
func (s *MachineService) resolveImage(ctx context.Context, p infrav1.ImageParam) (*images.Image, error) {
	if p.ID != nil {
		img, err := s.Image.GetImage(ctx, *p.ID)
		if clients.IsNotFound(err) {
			return nil, cloud.Invalid("image %s does not exist", *p.ID)
		}
		if err != nil {
			return nil, fmt.Errorf("reading image %s: %w", *p.ID, err)
		}
		return img, nil
	}
	f := p.Filter
	if f == nil {
		return nil, cloud.Invalid("the image needs an id or a filter")
	}
	found, err := s.Image.ListImages(ctx, images.ListOpts{Name: ptr.Deref(f.Name, ""), Tags: f.Tags})
	if err != nil {
		return nil, fmt.Errorf("looking up image (name %q, tags %q): %w", ptr.Deref(f.Name, ""), f.Tags, err)
	}
	img, err := cloud.ExactlyOne(found, "image", func(i images.Image) string { return i.ID })
	if err != nil {
		return nil, fmt.Errorf("image filter (name %q, tags %q): %w", ptr.Deref(f.Name, ""), f.Tags, err)
	}
	return &img, nil
}

func (s *MachineService) resolveFlavorID(ctx context.Context, p infrav1.FlavorParam) (string, error) {
	if p.ID != nil {
		return *p.ID, nil
	}
	f, err := s.resolveFlavor(ctx, p)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// resolveFlavor returns the flavor a FlavorParam names. Nova cannot filter flavors by name, so
// a name costs a list of every flavor.
func (s *MachineService) resolveFlavor(ctx context.Context, p infrav1.FlavorParam) (*flavors.Flavor, error) {
	if p.ID != nil {
		f, err := s.Compute.GetFlavor(ctx, *p.ID)
		if clients.IsNotFound(err) {
			return nil, cloud.Invalid("flavor %s does not exist", *p.ID)
		}
		if err != nil {
			return nil, fmt.Errorf("reading flavor %s: %w", *p.ID, err)
		}
		return f, nil
	}
	if p.Filter == nil || p.Filter.Name == nil {
		return nil, cloud.Invalid("the flavor needs an id or a name")
	}
	name := *p.Filter.Name
	all, err := s.Compute.ListFlavors(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing flavors: %w", err)
	}
	var found []flavors.Flavor
	for _, f := range all {
		if f.Name == name {
			found = append(found, f)
		}
	}
	f, err := cloud.ExactlyOne(found, "flavor", func(f flavors.Flavor) string { return f.ID })
	if err != nil {
		return nil, fmt.Errorf("flavor name %q: %w", name, err)
	}
	return &f, nil
}

func (s *MachineService) resolveServerGroup(ctx context.Context, p infrav1.ServerGroupParam) (string, error) {
	if p.ID != nil {
		return *p.ID, nil
	}
	if p.Filter == nil || p.Filter.Name == nil {
		return "", cloud.Invalid("the server group needs an id or a name")
	}
	name := *p.Filter.Name
	all, err := s.Compute.ListServerGroups(ctx)
	if err != nil {
		return "", fmt.Errorf("listing server groups: %w", err)
	}
	var found []servergroups.ServerGroup
	for _, g := range all {
		if g.Name == name {
			found = append(found, g)
		}
	}
	g, err := cloud.ExactlyOne(found, "server group", func(g servergroups.ServerGroup) string { return g.ID })
	if err != nil {
		return "", fmt.Errorf("server group name %q: %w", name, err)
	}
	return g.ID, nil
}

// specPorts are the ports of the spec, or the single default port on the cluster network.
func specPorts(spec *infrav1.OpenStackMachineSpec) []infrav1.PortOpts {
	if len(spec.Ports) == 0 {
		return []infrav1.PortOpts{{}}
	}
	return spec.Ports
}

// portName names port i of server: <server>-<nameSuffix>, or <server>-<i> without a suffix.
func portName(server string, i int, p infrav1.PortOpts) string {
	if p.NameSuffix != nil && *p.NameSuffix != "" {
		return server + "-" + *p.NameSuffix
	}
	return server + "-" + strconv.Itoa(i)
}

func (s *MachineService) resolvePorts(ctx context.Context, m *Machine) ([]infrav1.ResolvedPortSpec, error) {
	defaultGroups, err := s.resolveSecurityGroups(ctx, m.Spec.SecurityGroups)
	if err != nil {
		return nil, err
	}
	if len(m.Spec.SecurityGroups) == 0 {
		defaultGroups = m.SecurityGroupIDs
	}
	var out []infrav1.ResolvedPortSpec
	for i, p := range specPorts(m.Spec) {
		name := portName(m.Name, i, p)
		r := infrav1.ResolvedPortSpec{
			Name: name, Description: ptr.Deref(p.Description, ""), NetworkID: m.NetworkID,
			Tags: m.tags(p.Tags...), Trunk: ptr.To(ptr.Deref(p.Trunk, m.Spec.Trunk)),
			ResolvedPortSpecFields: *p.ResolvedPortSpecFields.DeepCopy(),
		}
		if p.Network != nil {
			n, err := networking.ResolveNetwork(ctx, s.Network, *p.Network)
			if err != nil {
				return nil, fmt.Errorf("port %s: %w", name, err)
			}
			r.NetworkID = n.ID
		} else if r.NetworkID == "" {
			return nil, cloud.Invalid("port %s names no network and the cluster has none: set ports[%d].network", name, i)
		}
		for _, ip := range p.FixedIPs {
			fixed := infrav1.ResolvedFixedIP{IPAddress: ip.IPAddress}
			if ip.Subnet != nil {
				sn, err := networking.ResolveSubnet(ctx, s.Network, *ip.Subnet, r.NetworkID)
				if err != nil {
					return nil, fmt.Errorf("port %s: %w", name, err)
				}
				fixed.Subnet = &sn.ID
			}
			r.FixedIPs = append(r.FixedIPs, fixed)
		}
		if p.Network == nil && len(p.FixedIPs) == 0 {
			for _, id := range m.SubnetIDs {
				r.FixedIPs = append(r.FixedIPs, infrav1.ResolvedFixedIP{Subnet: ptr.To(id)})
			}
		}
		switch {
		case p.EnablePortSecurity != nil && !*p.EnablePortSecurity:
			// Neutron refuses security groups on a port without port security.
			if len(p.SecurityGroups) > 0 {
				return nil, cloud.Invalid("port %s lists security groups but disables port security: remove one or the other", name)
			}
		case len(p.SecurityGroups) > 0:
			if r.SecurityGroups, err = s.resolveSecurityGroups(ctx, p.SecurityGroups); err != nil {
				return nil, fmt.Errorf("port %s: %w", name, err)
			}
		default:
			r.SecurityGroups = defaultGroups
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *MachineService) resolveSecurityGroups(ctx context.Context, params []infrav1.SecurityGroupParam) ([]string, error) {
	var ids []string
	for _, p := range params {
		id, err := networking.ResolveSecurityGroup(ctx, s.Network, p)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
