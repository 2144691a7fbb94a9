package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/providers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/quotas"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

func (e *env) lbStatus(id string) string {
	e.t.Helper()
	lb, err := loadbalancers.Get(ctx, e.lb, id).Extract()
	ok(e.t, err)
	return lb.ProvisioningStatus
}

func TestLoadBalancerLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	_, sn := e.netWithSubnet("vip", "10.8.0.0/24")
	lb, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{Name: "api", VipSubnetID: sn.ID, Tags: []string{"cluster-a"}}).Extract()
	ok(t, err)
	if lb.ProvisioningStatus != "PENDING_CREATE" || lb.VipAddress != "10.8.0.2" || lb.Provider != "amphora" || lb.OperatingStatus != "OFFLINE" {
		t.Fatalf("created %+v", lb)
	}
	vip, err := ports.Get(ctx, e.network, lb.VipPortID).Extract()
	ok(t, err)
	if vip.DeviceOwner != "Octavia" {
		t.Errorf("vip port %+v", vip)
	}
	// Immutable while pending.
	_, err = listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443}).Extract()
	wantStatus(t, err, http.StatusConflict)
	if !strings.Contains(body(t, err), "is immutable and cannot be updated") {
		t.Errorf("body %s", body(t, err))
	}
	e.clock.Advance(30 * time.Second)
	if s := e.lbStatus(lb.ID); s != "ACTIVE" {
		t.Fatalf("after 30s: %s", s)
	}
	l, err := listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443, AllowedCIDRs: []string{"10.0.0.0/8"}}).Extract()
	ok(t, err)
	if l.ProvisioningStatus != "PENDING_CREATE" || l.AllowedCIDRs[0] != "10.0.0.0/8" {
		t.Errorf("listener %+v", l)
	}
	if s := e.lbStatus(lb.ID); s != "PENDING_UPDATE" {
		t.Errorf("lb during listener create: %s", s)
	}
	e.clock.Advance(2 * time.Second)
	_, err = listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6444, AllowedCIDRs: []string{"x"}}).Extract()
	wantStatus(t, err, 400)
	l, err = listeners.Update(ctx, e.lb, l.ID, listeners.UpdateOpts{AllowedCIDRs: &[]string{"192.168.0.0/16"}}).Extract()
	ok(t, err)
	if l.AllowedCIDRs[0] != "192.168.0.0/16" || l.ProvisioningStatus != "PENDING_UPDATE" {
		t.Errorf("listener update %+v", l)
	}
	e.clock.Advance(2 * time.Second)
	p, err := pools.Create(ctx, e.lb, pools.CreateOpts{ListenerID: l.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin}).Extract()
	ok(t, err)
	e.clock.Advance(2 * time.Second)
	if got, _ := listeners.Get(ctx, e.lb, l.ID).Extract(); got.DefaultPoolID != p.ID {
		t.Errorf("default pool %q", got.DefaultPoolID)
	}
	m, err := pools.CreateMember(ctx, e.lb, p.ID, pools.CreateMemberOpts{Address: "10.8.0.10", ProtocolPort: 6443, SubnetID: sn.ID}).Extract()
	ok(t, err)
	e.clock.Advance(2 * time.Second)
	_, err = pools.CreateMember(ctx, e.lb, p.ID, pools.CreateMemberOpts{Address: "10.8.0.10", ProtocolPort: 6443}).Extract()
	wantStatus(t, err, http.StatusConflict)
	hm, err := monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: p.ID, Type: monitors.TypeHTTP, Delay: 5, Timeout: 3, MaxRetries: 3}).Extract()
	ok(t, err)
	if hm.URLPath != "/" || hm.HTTPMethod != "GET" || hm.ExpectedCodes != "200" || hm.MaxRetriesDown != 3 {
		t.Errorf("monitor %+v", hm)
	}
	e.clock.Advance(2 * time.Second)
	_, err = monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: p.ID, Type: monitors.TypeTCP, Delay: 5, Timeout: 3, MaxRetries: 3}).Extract()
	wantStatus(t, err, http.StatusConflict)
	got, err := loadbalancers.Get(ctx, e.lb, lb.ID).Extract()
	ok(t, err)
	if len(got.Listeners) != 1 || len(got.Pools) != 1 || got.ProvisioningStatus != "ACTIVE" {
		t.Errorf("lb %+v", got)
	}
	if pg, _ := pools.Get(ctx, e.lb, p.ID).Extract(); len(pg.Members) != 1 || pg.MonitorID != hm.ID {
		t.Errorf("pool %+v", pg)
	}
	// Children are listed with filters.
	page, err := pools.ListMembers(e.lb, p.ID, nil).AllPages(ctx)
	ok(t, err)
	if all, _ := pools.ExtractMembers(page); len(all) != 1 || all[0].ID != m.ID {
		t.Errorf("members %+v", all)
	}
	lpage, err := listeners.List(e.lb, listeners.ListOpts{LoadbalancerID: lb.ID}).AllPages(ctx)
	ok(t, err)
	if all, _ := listeners.ExtractListeners(lpage); len(all) != 1 {
		t.Errorf("listeners %d", len(all))
	}
	// Delete a member and the monitor, each making the LB busy.
	ok(t, pools.DeleteMember(ctx, e.lb, p.ID, m.ID).ExtractErr())
	wantStatus(t, monitors.Delete(ctx, e.lb, hm.ID).ExtractErr(), http.StatusConflict)
	e.clock.Advance(2 * time.Second)
	wantStatus(t, pools.GetMember(ctx, e.lb, p.ID, m.ID).Err, 404)
	ok(t, monitors.Delete(ctx, e.lb, hm.ID).ExtractErr())
	e.clock.Advance(2 * time.Second)
	wantStatus(t, monitors.Get(ctx, e.lb, hm.ID).Err, 404)

	// Refused with children, unless cascading.
	wantStatus(t, loadbalancers.Delete(ctx, e.lb, lb.ID, nil).ExtractErr(), 400)
	ok(t, loadbalancers.Delete(ctx, e.lb, lb.ID, loadbalancers.DeleteOpts{Cascade: true}).ExtractErr())
	if s := e.lbStatus(lb.ID); s != "PENDING_DELETE" {
		t.Errorf("deleting: %s", s)
	}
	if got, _ := listeners.Get(ctx, e.lb, l.ID).Extract(); got.ProvisioningStatus != "PENDING_DELETE" {
		t.Errorf("listener while deleting: %s", got.ProvisioningStatus)
	}
	wantStatus(t, loadbalancers.Update(ctx, e.lb, lb.ID, loadbalancers.UpdateOpts{Name: new("x")}).Err, http.StatusConflict)
	e.clock.Advance(10 * time.Second)
	wantStatus(t, loadbalancers.Get(ctx, e.lb, lb.ID).Err, 404)
	wantStatus(t, listeners.Get(ctx, e.lb, l.ID).Err, 404)
	wantStatus(t, pools.Get(ctx, e.lb, p.ID).Err, 404)
	wantStatus(t, ports.Get(ctx, e.network, lb.VipPortID).Err, 404)
	if leaks := e.sim.Leaks("cluster-a"); len(leaks) != 0 {
		t.Errorf("leaks %+v", leaks)
	}
}

func TestLoadBalancerMisc(t *testing.T) {
	e := newEnv(t, fast())
	n, sn := e.netWithSubnet("vip", "10.8.0.0/24")
	page, err := providers.List(e.lb, nil).AllPages(ctx)
	ok(t, err)
	provs, err := providers.ExtractProviders(page)
	ok(t, err)
	if len(provs) != 2 || provs[1].Name != "ovn" {
		t.Errorf("providers %+v", provs)
	}
	fpage, err := flavors.List(e.lb, nil).AllPages(ctx)
	ok(t, err)
	fl, err := flavors.ExtractFlavors(fpage)
	ok(t, err)
	if len(fl) != 1 || !fl[0].Enabled {
		t.Fatalf("flavors %+v", fl)
	}
	got, err := flavors.Get(ctx, e.lb, fl[0].ID).Extract()
	ok(t, err)
	if got.Name != fl[0].Name {
		t.Errorf("flavor %+v", got)
	}
	wantStatus(t, flavors.Get(ctx, e.lb, "missing").Err, 404)

	for _, bad := range []loadbalancers.CreateOpts{
		{Name: "x"}, {VipSubnetID: sn.ID, Provider: "f5"}, {VipSubnetID: sn.ID, FlavorID: "missing"},
		{VipSubnetID: "missing"}, {VipNetworkID: "missing"}, {VipPortID: "missing"},
	} {
		_, err := loadbalancers.Create(ctx, e.lb, bad).Extract()
		wantStatus(t, err, 400)
	}
	vip, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	ok(t, err)
	byPort, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{VipPortID: vip.ID, Provider: "ovn", FlavorID: fl[0].ID}).Extract()
	ok(t, err)
	byNet, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{VipNetworkID: n.ID, VipAddress: "10.8.0.77"}).Extract()
	ok(t, err)
	if byPort.VipAddress != vip.FixedIPs[0].IPAddress || byNet.VipAddress != "10.8.0.77" {
		t.Errorf("vips %s %s", byPort.VipAddress, byNet.VipAddress)
	}
	e.clock.Advance(time.Millisecond)
	up, err := loadbalancers.Update(ctx, e.lb, byNet.ID, loadbalancers.UpdateOpts{Name: new("renamed"), Tags: &[]string{"t"}}).Extract()
	ok(t, err)
	if up.Name != "renamed" || up.ProvisioningStatus != "PENDING_UPDATE" {
		t.Errorf("update %+v", up)
	}
	lpage, err := loadbalancers.List(e.lb, loadbalancers.ListOpts{Name: "renamed"}).AllPages(ctx)
	ok(t, err)
	if all, _ := loadbalancers.ExtractLoadBalancers(lpage); len(all) != 1 {
		t.Errorf("list by name %d", len(all))
	}
	e.clock.Advance(time.Millisecond)
	ok(t, loadbalancers.Delete(ctx, e.lb, byPort.ID, nil).ExtractErr())
	e.clock.Advance(time.Millisecond)
	if _, err := ports.Get(ctx, e.network, vip.ID).Extract(); err != nil {
		t.Errorf("user VIP port deleted with the LB: %v", err)
	}
	// Pool on the load balancer, listener validation, bad monitor.
	p, err := pools.Create(ctx, e.lb, pools.CreateOpts{LoadbalancerID: byNet.ID, Protocol: pools.ProtocolHTTP, LBMethod: pools.LBMethodLeastConnections}).Extract()
	ok(t, err)
	e.clock.Advance(time.Millisecond)
	for _, bad := range []pools.CreateOpts{{Protocol: pools.ProtocolTCP, LBMethod: "RANDOM", LoadbalancerID: byNet.ID}, {Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin}} {
		_, err := pools.Create(ctx, e.lb, bad).Extract()
		wantStatus(t, err, 400)
	}
	_, err = monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: p.ID, Type: "CARRIER-PIGEON", Delay: 1, Timeout: 1, MaxRetries: 1}).Extract()
	wantStatus(t, err, 400)
	for _, bad := range []listeners.CreateOpts{{LoadbalancerID: byNet.ID, Protocol: "GOPHER", ProtocolPort: 70}, {LoadbalancerID: byNet.ID, Protocol: listeners.ProtocolHTTP, ProtocolPort: 0}, {LoadbalancerID: "missing", Protocol: listeners.ProtocolHTTP, ProtocolPort: 80}} {
		_, err := listeners.Create(ctx, e.lb, bad).Extract()
		wantStatus(t, err, 400)
	}
	l, err := listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: byNet.ID, Protocol: listeners.ProtocolHTTP, ProtocolPort: 80, DefaultPoolID: p.ID}).Extract()
	ok(t, err)
	e.clock.Advance(time.Millisecond)
	_, err = pools.Create(ctx, e.lb, pools.CreateOpts{ListenerID: l.ID, Protocol: pools.ProtocolHTTP, LBMethod: pools.LBMethodRoundRobin}).Extract()
	wantStatus(t, err, http.StatusConflict)
	ok(t, pools.Delete(ctx, e.lb, p.ID).ExtractErr())
	e.clock.Advance(time.Millisecond)
	if got, _ := listeners.Get(ctx, e.lb, l.ID).Extract(); got.DefaultPoolID != "" {
		t.Errorf("default pool after delete %q", got.DefaultPoolID)
	}
	ok(t, listeners.Delete(ctx, e.lb, l.ID).ExtractErr())
	e.clock.Advance(time.Millisecond)
	wantStatus(t, listeners.Get(ctx, e.lb, l.ID).Err, 404)

	q := DefaultQuota()
	q.LoadBalancers = 1
	ok(t, e.sim.SetQuota("demo", q))
	_, err = loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{VipSubnetID: sn.ID}).Extract()
	wantStatus(t, err, http.StatusForbidden)
	if !strings.Contains(body(t, err), `"faultstring":"Quota has been met for resources: load_balancer"`) {
		t.Errorf("body %s", body(t, err))
	}
	quota, err := quotas.Get(ctx, e.lb, e.projectID("demo")).Extract()
	ok(t, err)
	if quota.Loadbalancer != 1 {
		t.Errorf("quota %+v", quota)
	}
	wantStatus(t, quotas.Get(ctx, e.lb, "nope").Err, 404)
	// Accept then error: the load balancer ends in ERROR.
	q.LoadBalancers = 10
	ok(t, e.sim.SetQuota("demo", q))
	ok(t, e.sim.AddFault(Fault{Path: "/loadbalancers$", Method: "POST", Action: FaultAcceptThenError}))
	bad, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{VipSubnetID: sn.ID}).Extract()
	ok(t, err)
	e.clock.Advance(time.Millisecond)
	if s := e.lbStatus(bad.ID); s != "ERROR" {
		t.Errorf("status %s", s)
	}
}
