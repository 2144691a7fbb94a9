package simulator

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// listIDs lists with gophercloud and returns the IDs extract finds.
func listIDs[T any](t *testing.T, pager pagination.Pager, extract func(pagination.Page) ([]T, error), id func(T) string) []string {
	t.Helper()
	page, err := pager.AllPages(ctx)
	ok(t, err)
	all, err := extract(page)
	ok(t, err)
	out := []string{}
	for _, v := range all {
		out = append(out, id(v))
	}
	return out
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: got %v, want %v", what, got, want)
			return
		}
	}
}

func TestSecurityGroupRuleFilterByPortRange(t *testing.T) {
	e := newEnv(t, Options{})
	sg, err := groups.Create(ctx, e.network, groups.CreateOpts{Name: "cluster"}).Extract()
	ok(t, err)
	var ids []string
	for _, port := range []int{22, 6443, 10250} {
		r, err := rules.Create(ctx, e.network, rules.CreateOpts{
			SecGroupID: sg.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolTCP,
			PortRangeMin: port, PortRangeMax: port,
		}).Extract()
		ok(t, err)
		ids = append(ids, r.ID)
	}
	list := func(opts rules.ListOpts) []string {
		opts.SecGroupID = sg.ID
		return listIDs(t, rules.List(e.network, opts), rules.ExtractRules, func(r rules.SecGroupRule) string { return r.ID })
	}
	wantIDs(t, "port_range_min=6443", list(rules.ListOpts{PortRangeMin: 6443}), ids[1])
	wantIDs(t, "port_range_max=10250", list(rules.ListOpts{PortRangeMax: 10250}), ids[2])
	wantIDs(t, "both", list(rules.ListOpts{PortRangeMin: 22, PortRangeMax: 22, Protocol: "tcp"}), ids[0])
	wantIDs(t, "no match", list(rules.ListOpts{PortRangeMin: 22, PortRangeMax: 6443}))
	// The default egress rules have null port ranges and never match a number.
	wantIDs(t, "egress", list(rules.ListOpts{Direction: "egress", PortRangeMin: 22}))
}

func TestNeutronDescriptionFilters(t *testing.T) {
	e := newEnv(t, Options{})
	pub := e.publicNet()
	n, sn := e.netWithSubnet("nodes", "10.6.0.0/24")
	_, err := networks.Update(ctx, e.network, n.ID, networks.UpdateOpts{Description: new("cluster network")}).Extract()
	ok(t, err)
	r, err := routers.Create(ctx, e.network, routers.CreateOpts{Name: "r", Description: "cluster router", GatewayInfo: &routers.GatewayInfo{NetworkID: pub}}).Extract()
	ok(t, err)
	_, err = routers.Create(ctx, e.network, routers.CreateOpts{Name: "other"}).Extract()
	ok(t, err)
	_, err = routers.AddInterface(ctx, e.network, r.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	ok(t, err)
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID, Description: "api port"}).Extract()
	ok(t, err)
	sg, err := groups.Create(ctx, e.network, groups.CreateOpts{Name: "g", Description: "cluster nodes"}).Extract()
	ok(t, err)

	// The provider finds its API server floating IP by a deterministic
	// description; the one on a port and a spare must be told apart.
	fip, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, PortID: p.ID, Description: "Floating IP for Kubernetes APIServer service from cluster ns-a/c"}).Extract()
	ok(t, err)
	if fip.Description != "Floating IP for Kubernetes APIServer service from cluster ns-a/c" {
		t.Errorf("created description %q", fip.Description)
	}
	spare, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, Description: "Floating IP for Kubernetes APIServer service from cluster ns-b/c"}).Extract()
	ok(t, err)
	if got, _ := floatingips.Get(ctx, e.network, fip.ID).Extract(); got.Description != fip.Description {
		t.Errorf("read back description %q", got.Description)
	}

	fipIDs := func(opts floatingips.ListOpts) []string {
		return listIDs(t, floatingips.List(e.network, opts), floatingips.ExtractFloatingIPs, func(f floatingips.FloatingIP) string { return f.ID })
	}
	wantIDs(t, "fip description", fipIDs(floatingips.ListOpts{Description: fip.Description}), fip.ID)
	wantIDs(t, "spare description", fipIDs(floatingips.ListOpts{Description: spare.Description, FloatingNetworkID: pub}), spare.ID)
	wantIDs(t, "fip no match", fipIDs(floatingips.ListOpts{Description: "Floating IP for"}))
	wantIDs(t, "fip status", fipIDs(floatingips.ListOpts{Status: "DOWN"}), spare.ID)
	wantIDs(t, "fip router", fipIDs(floatingips.ListOpts{RouterID: r.ID}), fip.ID)

	netIDs := listIDs(t, networks.List(e.network, networks.ListOpts{Description: "cluster network"}), networks.ExtractNetworks, func(n networks.Network) string { return n.ID })
	wantIDs(t, "network description", netIDs, n.ID)
	routerIDs := listIDs(t, routers.List(e.network, routers.ListOpts{Description: "cluster router"}), routers.ExtractRouters, func(r routers.Router) string { return r.ID })
	wantIDs(t, "router description", routerIDs, r.ID)
	portIDs := listIDs(t, ports.List(e.network, ports.ListOpts{Description: "api port"}), ports.ExtractPorts, func(p ports.Port) string { return p.ID })
	wantIDs(t, "port description", portIDs, p.ID)
	sgIDs := listIDs(t, groups.List(e.network, groups.ListOpts{Description: "cluster nodes"}), groups.ExtractGroups, func(g groups.SecGroup) string { return g.ID })
	wantIDs(t, "security group description", sgIDs, sg.ID)

	// Tag filters on floating IPs.
	third, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub}).Extract()
	ok(t, err)
	for id, tags := range map[string][]string{fip.ID: {"cluster-a", "api"}, spare.ID: {"cluster-a"}, third.ID: {"cluster-b"}} {
		for _, tag := range tags {
			ok(t, attributesTag(e, "floatingips", id, tag))
		}
	}
	for _, tc := range []struct {
		opts floatingips.ListOpts
		want []string
	}{
		{floatingips.ListOpts{Tags: "cluster-a"}, []string{fip.ID, spare.ID}},
		{floatingips.ListOpts{Tags: "cluster-a,api"}, []string{fip.ID}},
		{floatingips.ListOpts{TagsAny: "api,cluster-b"}, []string{fip.ID, third.ID}},
		{floatingips.ListOpts{NotTags: "cluster-a,api"}, []string{spare.ID, third.ID}},
		{floatingips.ListOpts{NotTagsAny: "api,cluster-b"}, []string{spare.ID}},
		{floatingips.ListOpts{Tags: "cluster-a", Description: spare.Description}, []string{spare.ID}},
	} {
		wantIDs(t, "tags "+tc.opts.Tags+tc.opts.TagsAny+tc.opts.NotTags+tc.opts.NotTagsAny, fipIDs(tc.opts), tc.want...)
	}
}
