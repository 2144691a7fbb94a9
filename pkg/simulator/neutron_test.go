package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/common/extensions"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/quotas"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

func networkNames(t *testing.T, e *env, opts networks.ListOptsBuilder) string {
	t.Helper()
	page, err := networks.List(e.network, opts).AllPages(ctx)
	ok(t, err)
	all, err := networks.ExtractNetworks(page)
	ok(t, err)
	var out []string
	for _, n := range all {
		out = append(out, n.Name)
	}
	return strings.Join(out, ",")
}

func TestNetworksAndSubnets(t *testing.T) {
	e := newEnv(t, Options{})
	for _, name := range []string{"n1", "n2", "n3", "n4"} {
		_, err := networks.Create(ctx, e.network, networks.CreateOpts{Name: name, Description: "d-" + name}).Extract()
		ok(t, err)
	}
	if got := networkNames(t, e, networks.ListOpts{}); got != "public,n1,n2,n3,n4" {
		t.Errorf("all: %s", got)
	}
	pages := 0
	ok(t, networks.List(e.network, networks.ListOpts{Limit: 2}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		pages++
		return true, nil
	}))
	if pages != 3 {
		t.Errorf("pages %d", pages)
	}
	if got := networkNames(t, e, networks.ListOpts{Name: "n2"}); got != "n2" {
		t.Errorf("by name: %s", got)
	}
	if got := networkNames(t, e, external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: new(true)}); got != "public" {
		t.Errorf("external: %s", got)
	}
	if got := networkNames(t, e, networks.ListOpts{ProjectID: e.projectID("demo"), Description: "d-n3"}); got != "n3" {
		t.Errorf("project and description: %s", got)
	}
	_, err := networks.List(e.network, networks.ListOpts{Marker: "nope"}).AllPages(ctx)
	wantStatus(t, err, 400)

	n, sn := e.netWithSubnet("with-subnet", "10.9.0.0/24")
	if sn.GatewayIP != "10.9.0.1" || sn.AllocationPools[0].Start != "10.9.0.2" || sn.AllocationPools[0].End != "10.9.0.254" {
		t.Errorf("subnet %+v", sn)
	}
	got, err := networks.Get(ctx, e.network, n.ID).Extract()
	ok(t, err)
	if len(got.Subnets) != 1 || got.Subnets[0] != sn.ID {
		t.Errorf("network subnets %v", got.Subnets)
	}
	up, err := networks.Update(ctx, e.network, n.ID, networks.UpdateOpts{Name: new("renamed")}).Extract()
	ok(t, err)
	if up.Name != "renamed" || up.RevisionNumber != 1 {
		t.Errorf("update %+v", up)
	}
	sub6, err := subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: "fd00::/64", IPVersion: 6, GatewayIP: new("")}).Extract()
	ok(t, err)
	if sub6.GatewayIP != "" || sub6.IPVersion != 6 {
		t.Errorf("v6 subnet %+v", sub6)
	}
	page, err := subnets.List(e.network, subnets.ListOpts{NetworkID: n.ID}).AllPages(ctx)
	ok(t, err)
	subs, err := subnets.ExtractSubnets(page)
	ok(t, err)
	if len(subs) != 2 {
		t.Errorf("subnets %d", len(subs))
	}
	// Both IP versions get an address.
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	ok(t, err)
	if len(p.FixedIPs) != 2 || p.FixedIPs[1].IPAddress != "fd00::1" {
		t.Errorf("dual stack port %+v", p.FixedIPs)
	}
	_, err = subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: "bogus", IPVersion: 4}).Extract()
	wantStatus(t, err, 400)
	_, err = subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: e.publicNet(), CIDR: "10.10.0.0/24", IPVersion: 4}).Extract()
	wantStatus(t, err, 403)
	_, err = subnets.Get(ctx, e.network, "nope").Extract()
	wantStatus(t, err, 404)
	_, err = networks.Get(ctx, e.network, "nope").Extract()
	wantStatus(t, err, 404)
	if !strings.Contains(body(t, err), `"type":"NetworkNotFound"`) {
		t.Errorf("body %s", body(t, err))
	}
}

func TestIPAllocation(t *testing.T) {
	e := newEnv(t, Options{})
	n, sn := e.netWithSubnet("small", "10.3.0.0/29") // .2 - .6 allocatable
	var ips []string
	for range 5 {
		p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
		ok(t, err)
		ips = append(ips, p.FixedIPs[0].IPAddress)
	}
	if strings.Join(ips, ",") != "10.3.0.2,10.3.0.3,10.3.0.4,10.3.0.5,10.3.0.6" {
		t.Errorf("ips %v", ips)
	}
	_, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	wantStatus(t, err, http.StatusConflict)
	if !strings.Contains(body(t, err), "IpAddressGenerationFailure") {
		t.Errorf("body %s", body(t, err))
	}
	n2, sn2 := e.netWithSubnet("big", "10.4.0.0/24")
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID, FixedIPs: []ports.IP{{SubnetID: sn2.ID, IPAddress: "10.4.0.100"}}}).Extract()
	ok(t, err)
	_, err = ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID, FixedIPs: []ports.IP{{IPAddress: "10.4.0.100"}}}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID, FixedIPs: []ports.IP{{IPAddress: "192.168.0.1"}}}).Extract()
	wantStatus(t, err, 400)
	_, err = ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID, FixedIPs: []ports.IP{{SubnetID: sn.ID}}}).Extract()
	wantStatus(t, err, 400)
	// Changing the fixed IP frees the old one.
	p, err = ports.Update(ctx, e.network, p.ID, ports.UpdateOpts{FixedIPs: []ports.IP{{SubnetID: sn2.ID, IPAddress: "10.4.0.101"}}}).Extract()
	ok(t, err)
	_, err = ports.Update(ctx, e.network, p.ID, ports.UpdateOpts{FixedIPs: []ports.IP{{IPAddress: "10.9.9.9"}}}).Extract()
	wantStatus(t, err, 400)
	_, err = ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID, FixedIPs: []ports.IP{{IPAddress: "10.4.0.100"}}}).Extract()
	ok(t, err)
	got, err := ports.Get(ctx, e.network, p.ID).Extract()
	ok(t, err)
	if got.FixedIPs[0].IPAddress != "10.4.0.101" {
		t.Errorf("after failed update %+v", got.FixedIPs)
	}
	noIP, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID, FixedIPs: []ports.IP{}}).Extract()
	ok(t, err)
	if len(noIP.FixedIPs) != 0 {
		t.Errorf("port without IPs got %v", noIP.FixedIPs)
	}
}

type fullPort struct {
	ports.Port
	portsbinding.PortsBindingExt
	portsecurity.PortSecurityExt
}

func TestPortAttributes(t *testing.T) {
	e := newEnv(t, Options{})
	n, _ := e.netWithSubnet("n", "10.5.0.0/24")
	sgs := []string{}
	create := portsbinding.CreateOptsExt{
		CreateOptsBuilder: portsecurity.PortCreateOptsExt{
			CreateOptsBuilder: ports.CreateOpts{
				NetworkID: n.ID, Name: "p", Description: "desc", DeviceOwner: "baremetal:none",
				AllowedAddressPairs: []ports.AddressPair{{IPAddress: "10.5.0.200"}}, SecurityGroups: &sgs,
				ValueSpecs: &map[string]string{"foo": "bar"},
			},
			PortSecurityEnabled: new(false),
		},
		VNICType: "direct", Profile: map[string]any{"capabilities": []string{"switchdev"}},
	}
	var p fullPort
	ok(t, ports.Create(ctx, e.network, create).ExtractInto(&p))
	if p.Description != "desc" || p.VNICType != "direct" || p.Profile["capabilities"] == nil || p.PortSecurityEnabled ||
		len(p.AllowedAddressPairs) != 1 || p.DeviceOwner != "baremetal:none" || len(p.SecurityGroups) != 0 {
		t.Errorf("port %+v", p)
	}
	if raw := ports.Get(ctx, e.network, p.ID).Body.(map[string]any)["port"].(map[string]any); raw["foo"] != "bar" {
		t.Errorf("value specs not echoed: %v", raw)
	}
	// Default security group when none is given; disabling port security with groups conflicts.
	def, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	ok(t, err)
	if len(def.SecurityGroups) != 1 {
		t.Errorf("default groups %v", def.SecurityGroups)
	}
	_, err = ports.Update(ctx, e.network, def.ID, portsecurity.PortUpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{SecurityGroups: &def.SecurityGroups}, PortSecurityEnabled: new(false)}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = ports.Update(ctx, e.network, def.ID, ports.UpdateOpts{SecurityGroups: &[]string{"missing"}}).Extract()
	wantStatus(t, err, 404)
	up, err := ports.Update(ctx, e.network, def.ID, ports.UpdateOpts{Name: new("renamed"), DeviceID: new("x")}).Extract()
	ok(t, err)
	if up.Name != "renamed" || up.Status != "ACTIVE" {
		t.Errorf("updated %+v", up)
	}

	// Tags through the tags API and the tag filters.
	ok(t, attributestags.ReplaceAll(ctx, e.network, "ports", p.ID, attributestags.ReplaceAllOpts{Tags: []string{"a", "b"}}).Err)
	ok(t, attributestags.Add(ctx, e.network, "ports", def.ID, "b").ExtractErr())
	ok(t, attributestags.Add(ctx, e.network, "ports", def.ID, "c").ExtractErr())
	list := func(opts ports.ListOpts) int {
		page, err := ports.List(e.network, opts).AllPages(ctx)
		ok(t, err)
		all, err := ports.ExtractPorts(page)
		ok(t, err)
		return len(all)
	}
	for _, tc := range []struct {
		opts ports.ListOpts
		want int
	}{
		{ports.ListOpts{Tags: "a,b"}, 1}, {ports.ListOpts{Tags: "b"}, 2}, {ports.ListOpts{TagsAny: "a,c"}, 2},
		{ports.ListOpts{NotTags: "a,b"}, 1}, {ports.ListOpts{NotTagsAny: "a,c"}, 0}, {ports.ListOpts{}, 2},
		{ports.ListOpts{FixedIPs: []ports.FixedIPOpts{{IPAddress: p.FixedIPs[0].IPAddress}}}, 1},
		{ports.ListOpts{FixedIPs: []ports.FixedIPOpts{{IPAddressSubstr: "10.5.0."}}}, 2},
		{ports.ListOpts{DeviceOwner: "baremetal:none", NetworkID: n.ID}, 1},
		{ports.ListOpts{SecurityGroups: def.SecurityGroups}, 1},
	} {
		if got := list(tc.opts); got != tc.want {
			t.Errorf("%+v: %d ports, want %d", tc.opts, got, tc.want)
		}
	}
	got, err := attributestags.List(ctx, e.network, "ports", def.ID).Extract()
	ok(t, err)
	if strings.Join(got, ",") != "b,c" {
		t.Errorf("tags %v", got)
	}
	exists, err := attributestags.Confirm(ctx, e.network, "ports", def.ID, "c").Extract()
	ok(t, err)
	if !exists {
		t.Error("confirm c")
	}
	ok(t, attributestags.Delete(ctx, e.network, "ports", def.ID, "c").ExtractErr())
	wantStatus(t, attributestags.Delete(ctx, e.network, "ports", def.ID, "c").ExtractErr(), 404)
	ok(t, attributestags.DeleteAll(ctx, e.network, "ports", def.ID).ExtractErr())
	for _, kind := range []string{"networks", "subnets", "routers", "security-groups", "floatingips", "trunks"} {
		wantStatus(t, attributestags.List(ctx, e.network, kind, "missing").Err, 404)
	}
	ok(t, attributestags.ReplaceAll(ctx, e.network, "networks", n.ID, attributestags.ReplaceAllOpts{Tags: []string{"x"}}).Err)
	if got := networkNames(t, e, networks.ListOpts{Tags: "x"}); got != "n" {
		t.Errorf("networks tagged x: %s", got)
	}
}

func TestExtensionsAndNeutronQuota(t *testing.T) {
	e := newEnv(t, Options{})
	page, err := extensions.List(e.network).AllPages(ctx)
	ok(t, err)
	exts, err := extensions.ExtractExtensions(page)
	ok(t, err)
	var aliases []string
	for _, x := range exts {
		aliases = append(aliases, x.Alias)
	}
	for _, want := range []string{"trunk", "standard-attr-tag", "router", "external-net", "port-security", "binding"} {
		if !strings.Contains(strings.Join(aliases, " "), want) {
			t.Errorf("extension %s missing from %v", want, aliases)
		}
	}
	q := DefaultQuota()
	q.Networks, q.Ports = 1, 0
	ok(t, e.sim.SetQuota("demo", q))
	got, err := quotas.Get(ctx, e.network, e.projectID("demo")).Extract()
	ok(t, err)
	if got.Network != 1 || got.Port != 0 {
		t.Errorf("quota %+v", got)
	}
	wantStatus(t, quotas.Get(ctx, e.network, "nope").Err, 404)
	n, err := networks.Create(ctx, e.network, networks.CreateOpts{Name: "one"}).Extract()
	ok(t, err)
	_, err = networks.Create(ctx, e.network, networks.CreateOpts{Name: "two"}).Extract()
	wantStatus(t, err, http.StatusConflict)
	if want := `{"NeutronError":{"detail":"","message":"Quota exceeded for resources: ['network'].","type":"OverQuota"}}`; body(t, err) != want {
		t.Errorf("body %s", body(t, err))
	}
	_, err = ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	wantStatus(t, err, http.StatusConflict)
	if err := e.sim.SetQuota("nope", q); err == nil {
		t.Error("SetQuota on a missing project")
	}
}
