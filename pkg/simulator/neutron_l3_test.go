package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

func TestRoutersAndFloatingIPs(t *testing.T) {
	e := newEnv(t, Options{})
	pub := e.publicNet()
	r, err := routers.Create(ctx, e.network, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{
		NetworkID: pub, ExternalFixedIPs: []routers.ExternalFixedIP{{IPAddress: "172.24.4.10"}},
	}}).Extract()
	ok(t, err)
	if r.GatewayInfo.ExternalFixedIPs[0].IPAddress != "172.24.4.10" || !*r.GatewayInfo.EnableSNAT {
		t.Fatalf("gateway %+v", r.GatewayInfo)
	}
	n, sn := e.netWithSubnet("private", "10.0.0.0/24")
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	ok(t, err)
	// Not reachable before the router has an interface on the subnet.
	_, err = floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, PortID: p.ID}).Extract()
	wantStatus(t, err, http.StatusNotFound)
	info, err := routers.AddInterface(ctx, e.network, r.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	ok(t, err)
	_, err = routers.AddInterface(ctx, e.network, r.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	wantStatus(t, err, 400)
	iface, err := ports.Get(ctx, e.network, info.PortID).Extract()
	ok(t, err)
	if iface.FixedIPs[0].IPAddress != "10.0.0.1" || iface.DeviceOwner != "network:router_interface" {
		t.Errorf("interface port %+v", iface)
	}
	wantStatus(t, ports.Delete(ctx, e.network, iface.ID).ExtractErr(), http.StatusConflict)

	fip, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, PortID: p.ID, Description: "d"}).Extract()
	ok(t, err)
	if fip.Status != "ACTIVE" || fip.RouterID != r.ID || fip.FixedIP != p.FixedIPs[0].IPAddress || !strings.HasPrefix(fip.FloatingIP, "172.24.4.") {
		t.Errorf("fip %+v", fip)
	}
	_, err = floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, PortID: p.ID}).Extract()
	wantStatus(t, err, http.StatusConflict)
	spare, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, FloatingIP: "172.24.4.99"}).Extract()
	ok(t, err)
	_, err = floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: n.ID}).Extract()
	wantStatus(t, err, 400)
	count := func(opts floatingips.ListOpts) int {
		page, err := floatingips.List(e.network, opts).AllPages(ctx)
		ok(t, err)
		all, err := floatingips.ExtractFloatingIPs(page)
		ok(t, err)
		return len(all)
	}
	if count(floatingips.ListOpts{FloatingIP: "172.24.4.99"}) != 1 || count(floatingips.ListOpts{PortID: p.ID}) != 1 || count(floatingips.ListOpts{}) != 2 {
		t.Error("floating IP filters")
	}
	ok(t, attributesTag(e, "floatingips", spare.ID, "spare"))
	if count(floatingips.ListOpts{Tags: "spare"}) != 1 {
		t.Error("floating IP tag filter")
	}
	fip, err = floatingips.Update(ctx, e.network, fip.ID, floatingips.UpdateOpts{PortID: new("")}).Extract()
	ok(t, err)
	if fip.PortID != "" || fip.Status != "DOWN" {
		t.Errorf("disassociated %+v", fip)
	}
	fip, err = floatingips.Update(ctx, e.network, fip.ID, floatingips.UpdateOpts{PortID: &p.ID}).Extract()
	ok(t, err)
	wantStatus(t, floatingips.Get(ctx, e.network, "missing").Err, 404)

	// In-use conflicts.
	wantStatus(t, routers.Delete(ctx, e.network, r.ID).ExtractErr(), http.StatusConflict)
	wantStatus(t, subnets.Delete(ctx, e.network, sn.ID).ExtractErr(), http.StatusConflict)
	err = networks.Delete(ctx, e.network, n.ID).ExtractErr()
	wantStatus(t, err, http.StatusConflict)
	if !strings.Contains(body(t, err), "NetworkInUse") {
		t.Errorf("body %s", body(t, err))
	}
	// Deleting the port disassociates its floating IP.
	ok(t, ports.Delete(ctx, e.network, p.ID).ExtractErr())
	if got, _ := floatingips.Get(ctx, e.network, fip.ID).Extract(); got.PortID != "" {
		t.Errorf("fip still on deleted port: %+v", got)
	}
	_, err = routers.RemoveInterface(ctx, e.network, r.ID, routers.RemoveInterfaceOpts{SubnetID: sn.ID}).Extract()
	ok(t, err)
	_, err = routers.RemoveInterface(ctx, e.network, r.ID, routers.RemoveInterfaceOpts{SubnetID: sn.ID}).Extract()
	wantStatus(t, err, 404)
	// Change and clear the gateway.
	up, err := routers.Update(ctx, e.network, r.ID, routers.UpdateOpts{Name: "r2", GatewayInfo: &routers.GatewayInfo{NetworkID: pub}}).Extract()
	ok(t, err)
	if up.Name != "r2" || up.GatewayInfo.ExternalFixedIPs[0].IPAddress != "172.24.4.10" {
		t.Errorf("updated %+v", up)
	}
	_, err = routers.Update(ctx, e.network, r.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: n.ID}}).Extract()
	wantStatus(t, err, 400)
	ok(t, floatingips.Delete(ctx, e.network, fip.ID).ExtractErr())
	ok(t, floatingips.Delete(ctx, e.network, spare.ID).ExtractErr())
	ok(t, routers.Delete(ctx, e.network, r.ID).ExtractErr())
	ok(t, networks.Delete(ctx, e.network, n.ID).ExtractErr())
	wantStatus(t, subnets.Get(ctx, e.network, sn.ID).Err, 404)
	wantStatus(t, routers.Get(ctx, e.network, r.ID).Err, 404)
	// The gateway and floating IP addresses went back to the pool.
	if leaks := e.sim.Leaks(""); len(leaks) != 0 {
		t.Errorf("leaks %+v", leaks)
	}
	// Router interface by port.
	n2, _ := e.netWithSubnet("by-port", "10.1.0.0/24")
	r2, err := routers.Create(ctx, e.network, routers.CreateOpts{Name: "r"}).Extract()
	ok(t, err)
	p2, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID}).Extract()
	ok(t, err)
	_, err = routers.AddInterface(ctx, e.network, r2.ID, routers.AddInterfaceOpts{PortID: p2.ID}).Extract()
	ok(t, err)
	_, err = routers.AddInterface(ctx, e.network, r2.ID, routers.AddInterfaceOpts{PortID: p2.ID}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = routers.RemoveInterface(ctx, e.network, r2.ID, routers.RemoveInterfaceOpts{PortID: p2.ID}).Extract()
	ok(t, err)
	page, err := routers.List(e.network, routers.ListOpts{Name: "r"}).AllPages(ctx)
	ok(t, err)
	if all, _ := routers.ExtractRouters(page); len(all) != 1 {
		t.Errorf("routers %d", len(all))
	}
}

func attributesTag(e *env, kind, id, tag string) error {
	_, err := e.network.Put(ctx, e.network.ServiceURL(kind, id, "tags", tag), nil, nil, nil)
	return err
}

func TestSecurityGroups(t *testing.T) {
	e := newEnv(t, Options{})
	sg, err := groups.Create(ctx, e.network, groups.CreateOpts{Name: "k8s", Description: "nodes"}).Extract()
	ok(t, err)
	if len(sg.Rules) != 2 || sg.Rules[0].Direction != "egress" || sg.Rules[1].EtherType != "IPv6" {
		t.Fatalf("default rules %+v", sg.Rules)
	}
	rule := rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sg.ID, Protocol: rules.ProtocolTCP, PortRangeMin: 6443, PortRangeMax: 6443, RemoteIPPrefix: "0.0.0.0/0"}
	r1, err := rules.Create(ctx, e.network, rule).Extract()
	ok(t, err)
	_, err = rules.Create(ctx, e.network, rule).Extract()
	wantStatus(t, err, http.StatusConflict)
	if !strings.Contains(body(t, err), r1.ID) {
		t.Errorf("duplicate body %s", body(t, err))
	}
	bulk, err := rules.CreateBulk(ctx, e.network, []rules.CreateOpts{
		{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sg.ID, Protocol: rules.ProtocolUDP, PortRangeMin: 4789, PortRangeMax: 4789, RemoteGroupID: sg.ID},
		{Direction: rules.DirIngress, EtherType: rules.EtherType6, SecGroupID: sg.ID, Protocol: rules.ProtocolICMP},
	}).Extract()
	ok(t, err)
	if len(bulk) != 2 {
		t.Fatalf("bulk %+v", bulk)
	}
	// A bulk request with a duplicate creates nothing.
	_, err = rules.CreateBulk(ctx, e.network, []rules.CreateOpts{
		{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sg.ID, Protocol: rules.ProtocolTCP, PortRangeMin: 22, PortRangeMax: 22},
		rule,
	}).Extract()
	wantStatus(t, err, http.StatusConflict)
	for _, bad := range []rules.CreateOpts{
		{Direction: "sideways", EtherType: rules.EtherType4, SecGroupID: sg.ID},
		{Direction: rules.DirIngress, EtherType: "IPv5", SecGroupID: sg.ID},
		{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sg.ID, Protocol: rules.ProtocolTCP, PortRangeMin: 10, PortRangeMax: 5},
		{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: "missing"},
		{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sg.ID, RemoteGroupID: "missing"},
	} {
		_, err = rules.Create(ctx, e.network, bad).Extract()
		if err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	got, err := groups.Get(ctx, e.network, sg.ID).Extract()
	ok(t, err)
	if len(got.Rules) != 5 {
		t.Errorf("rules %d", len(got.Rules))
	}
	page, err := rules.List(e.network, rules.ListOpts{SecGroupID: sg.ID, Direction: "ingress"}).AllPages(ctx)
	ok(t, err)
	if all, _ := rules.ExtractRules(page); len(all) != 3 {
		t.Errorf("ingress rules %d", len(all))
	}
	r, err := rules.Get(ctx, e.network, r1.ID).Extract()
	ok(t, err)
	if r.PortRangeMin != 6443 || r.RemoteIPPrefix != "0.0.0.0/0" {
		t.Errorf("rule %+v", r)
	}
	ok(t, rules.Delete(ctx, e.network, r1.ID).ExtractErr())
	wantStatus(t, rules.Delete(ctx, e.network, r1.ID).ExtractErr(), 404)
	wantStatus(t, rules.Get(ctx, e.network, r1.ID).Err, 404)
	up, err := groups.Update(ctx, e.network, sg.ID, groups.UpdateOpts{Name: "k8s-nodes"}).Extract()
	ok(t, err)
	if up.Name != "k8s-nodes" {
		t.Errorf("update %+v", up)
	}

	n, _ := e.netWithSubnet("n", "10.0.0.0/24")
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID, SecurityGroups: &[]string{sg.ID}}).Extract()
	ok(t, err)
	wantStatus(t, groups.Delete(ctx, e.network, sg.ID).ExtractErr(), http.StatusConflict)
	ok(t, ports.Delete(ctx, e.network, p.ID).ExtractErr())
	ok(t, groups.Delete(ctx, e.network, sg.ID).ExtractErr())
	wantStatus(t, groups.Get(ctx, e.network, sg.ID).Err, 404)
	pages, err := groups.List(e.network, groups.ListOpts{Name: "default"}).AllPages(ctx)
	ok(t, err)
	def, err := groups.ExtractGroups(pages)
	ok(t, err)
	if len(def) != 1 {
		t.Fatalf("default groups %d", len(def))
	}
	wantStatus(t, groups.Delete(ctx, e.network, def[0].ID).ExtractErr(), http.StatusConflict)
}

func TestTrunks(t *testing.T) {
	e := newEnv(t, fast())
	n, _ := e.netWithSubnet("n", "10.0.0.0/24")
	newPort := func() *ports.Port {
		p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
		ok(t, err)
		return p
	}
	parent, sub1, sub2 := newPort(), newPort(), newPort()
	tr, err := trunks.Create(ctx, e.network, trunks.CreateOpts{PortID: parent.ID, Name: "t", Subports: []trunks.Subport{
		{PortID: sub1.ID, SegmentationType: "vlan", SegmentationID: 100},
	}}).Extract()
	ok(t, err)
	if tr.Status != "DOWN" || len(tr.Subports) != 1 {
		t.Errorf("trunk %+v", tr)
	}
	_, err = trunks.Create(ctx, e.network, trunks.CreateOpts{PortID: parent.ID}).Extract()
	wantStatus(t, err, http.StatusConflict)
	wantStatus(t, ports.Delete(ctx, e.network, parent.ID).ExtractErr(), http.StatusConflict)
	tr, err = trunks.AddSubports(ctx, e.network, tr.ID, trunks.AddSubportsOpts{Subports: []trunks.Subport{{PortID: sub2.ID, SegmentationType: "vlan", SegmentationID: 200}}}).Extract()
	ok(t, err)
	_, err = trunks.AddSubports(ctx, e.network, tr.ID, trunks.AddSubportsOpts{Subports: []trunks.Subport{{PortID: sub2.ID, SegmentationType: "vlan", SegmentationID: 201}}}).Extract()
	wantStatus(t, err, http.StatusConflict)
	subs, err := trunks.GetSubports(ctx, e.network, tr.ID).Extract()
	ok(t, err)
	if len(subs) != 2 || subs[1].SegmentationID != 200 {
		t.Errorf("subports %+v", subs)
	}
	sp, err := ports.Get(ctx, e.network, sub2.ID).Extract()
	ok(t, err)
	if sp.DeviceOwner != "trunk:subport" {
		t.Errorf("subport owner %q", sp.DeviceOwner)
	}
	res := ports.Get(ctx, e.network, parent.ID).Body.(map[string]any)["port"].(map[string]any)
	if res["trunk_details"] == nil {
		t.Error("no trunk_details on parent")
	}
	tr, err = trunks.RemoveSubports(ctx, e.network, tr.ID, trunks.RemoveSubportsOpts{Subports: []trunks.RemoveSubport{{PortID: sub1.ID}}}).Extract()
	ok(t, err)
	_, err = trunks.RemoveSubports(ctx, e.network, tr.ID, trunks.RemoveSubportsOpts{Subports: []trunks.RemoveSubport{{PortID: sub1.ID}}}).Extract()
	wantStatus(t, err, 404)
	// A trunk whose parent is bound to a server is in use.
	srv := e.newServer(serverOnPort("trunked", e.imageID("ubuntu-2404-kube-v1.36"), parent.ID))
	got, err := trunks.Get(ctx, e.network, tr.ID).Extract()
	ok(t, err)
	if got.Status != "ACTIVE" {
		t.Errorf("trunk status %s", got.Status)
	}
	wantStatus(t, trunks.Delete(ctx, e.network, tr.ID).ExtractErr(), http.StatusConflict)
	page, err := trunks.List(e.network, trunks.ListOpts{Name: "t"}).AllPages(ctx)
	ok(t, err)
	if all, _ := trunks.ExtractTrunks(page); len(all) != 1 {
		t.Errorf("trunks %d", len(all))
	}
	deleteServerNow(t, e, srv.ID)
	ok(t, trunks.Delete(ctx, e.network, tr.ID).ExtractErr())
	wantStatus(t, trunks.Get(ctx, e.network, tr.ID).Err, 404)
	if sp, _ := ports.Get(ctx, e.network, sub2.ID).Extract(); sp.DeviceOwner != "" {
		t.Errorf("subport still owned: %q", sp.DeviceOwner)
	}
}
