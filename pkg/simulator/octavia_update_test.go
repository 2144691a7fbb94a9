package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
)

// childLatency is DefaultLatencies().LoadBalancerChild.
const childLatency = 2 * time.Second

// activeLB creates a load balancer on sn and waits until it is ACTIVE.
func (e *env) activeLB(name, subnetID string) *loadbalancers.LoadBalancer {
	e.t.Helper()
	lb, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{Name: name, VipSubnetID: subnetID}).Extract()
	ok(e.t, err)
	e.clock.Advance(e.sim.lat.LoadBalancerCreate)
	return lb
}

// settles checks the load balancer is PENDING_UPDATE now and ACTIVE once
// the child latency has passed.
func (e *env) settles(what, lbID string) {
	e.t.Helper()
	if s := e.lbStatus(lbID); s != "PENDING_UPDATE" {
		e.t.Errorf("%s: load balancer %s, want PENDING_UPDATE", what, s)
	}
	e.clock.Advance(childLatency - time.Millisecond)
	if s := e.lbStatus(lbID); s != "PENDING_UPDATE" {
		e.t.Errorf("%s: load balancer %s just before the latency, want PENDING_UPDATE", what, s)
	}
	e.clock.Advance(time.Millisecond)
	if s := e.lbStatus(lbID); s != "ACTIVE" {
		e.t.Errorf("%s: load balancer %s after the latency, want ACTIVE", what, s)
	}
}

// immutable checks err is Octavia's 409 for a busy load balancer.
func immutable(t *testing.T, what string, err error) {
	t.Helper()
	wantStatus(t, err, http.StatusConflict)
	if b := body(t, err); !strings.Contains(b, `"faultstring":"Load Balancer`) || !strings.Contains(b, "is immutable") {
		t.Errorf("%s: body %s", what, b)
	}
}

func TestOctaviaChildUpdates(t *testing.T) {
	e := newEnv(t, Options{})
	_, sn := e.netWithSubnet("vip", "10.8.0.0/24")
	lb := e.activeLB("api", sn.ID)
	l, err := listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443}).Extract()
	ok(t, err)
	e.settles("listener create", lb.ID)
	p, err := pools.Create(ctx, e.lb, pools.CreateOpts{ListenerID: l.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin, Name: "api"}).Extract()
	ok(t, err)
	e.settles("pool create", lb.ID)
	m, err := pools.CreateMember(ctx, e.lb, p.ID, pools.CreateMemberOpts{Address: "10.8.0.10", ProtocolPort: 6443, Name: "cp-0"}).Extract()
	ok(t, err)
	e.settles("member create", lb.ID)
	hm, err := monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: p.ID, Type: monitors.TypeHTTPS, Delay: 10, Timeout: 5, MaxRetries: 3, URLPath: "/healthz"}).Extract()
	ok(t, err)
	if hm.URLPath != "/healthz" || hm.HTTPMethod != "GET" || hm.ExpectedCodes != "200" {
		t.Errorf("monitor %+v", hm)
	}
	e.settles("monitor create", lb.ID)

	// Pool.
	up, err := pools.Update(ctx, e.lb, p.ID, pools.UpdateOpts{Name: new("api-v2"), Description: new("d"), LBMethod: pools.LBMethodLeastConnections, AdminStateUp: new(false), Tags: &[]string{"t"}}).Extract()
	ok(t, err)
	if up.Name != "api-v2" || up.Description != "d" || up.LBMethod != "LEAST_CONNECTIONS" || up.AdminStateUp ||
		up.ProvisioningStatus != "PENDING_UPDATE" || up.OperatingStatus != "OFFLINE" || len(up.Tags) != 1 || len(up.Listeners) != 1 {
		t.Errorf("pool update %+v", up)
	}
	_, err = pools.Update(ctx, e.lb, p.ID, pools.UpdateOpts{Name: new("too-soon")}).Extract()
	immutable(t, "pool update", err)
	e.settles("pool update", lb.ID)
	if got, _ := pools.Get(ctx, e.lb, p.ID).Extract(); got.Name != "api-v2" || got.ProvisioningStatus != "ACTIVE" {
		t.Errorf("pool after update %+v", got)
	}
	_, err = pools.Update(ctx, e.lb, p.ID, pools.UpdateOpts{LBMethod: "RANDOM"}).Extract()
	wantStatus(t, err, 400)

	// Member.
	mu, err := pools.UpdateMember(ctx, e.lb, p.ID, m.ID, pools.UpdateMemberOpts{Name: new("cp-0b"), Weight: new(5), AdminStateUp: new(false), Backup: new(true)}).Extract()
	ok(t, err)
	if mu.Name != "cp-0b" || mu.Weight != 5 || mu.AdminStateUp || !mu.Backup || mu.ProvisioningStatus != "PENDING_UPDATE" || mu.Address != "10.8.0.10" {
		t.Errorf("member update %+v", mu)
	}
	_, err = pools.UpdateMember(ctx, e.lb, p.ID, m.ID, pools.UpdateMemberOpts{Weight: new(7)}).Extract()
	immutable(t, "member update", err)
	e.settles("member update", lb.ID)
	if got, _ := pools.GetMember(ctx, e.lb, p.ID, m.ID).Extract(); got.Weight != 5 || got.ProvisioningStatus != "ACTIVE" || got.OperatingStatus != "OFFLINE" {
		t.Errorf("member after update %+v", got)
	}
	_, err = pools.UpdateMember(ctx, e.lb, p.ID, m.ID, pools.UpdateMemberOpts{Weight: new(257)}).Extract()
	wantStatus(t, err, 400)
	wantStatus(t, pools.UpdateMember(ctx, e.lb, p.ID, "missing", pools.UpdateMemberOpts{Weight: new(2)}).Err, 404)

	// Health monitor.
	hu, err := monitors.Update(ctx, e.lb, hm.ID, monitors.UpdateOpts{Delay: 20, Timeout: 10, MaxRetries: 5, MaxRetriesDown: 2, Name: new("hc"), URLPath: "/readyz", ExpectedCodes: "200-204"}).Extract()
	ok(t, err)
	if hu.Delay != 20 || hu.Timeout != 10 || hu.MaxRetries != 5 || hu.MaxRetriesDown != 2 || hu.Name != "hc" ||
		hu.URLPath != "/readyz" || hu.ExpectedCodes != "200-204" || hu.HTTPMethod != "GET" || hu.ProvisioningStatus != "PENDING_UPDATE" {
		t.Errorf("monitor update %+v", hu)
	}
	_, err = monitors.Update(ctx, e.lb, hm.ID, monitors.UpdateOpts{Delay: 30}).Extract()
	immutable(t, "monitor update", err)
	e.settles("monitor update", lb.ID)
	if got, _ := monitors.Get(ctx, e.lb, hm.ID).Extract(); got.Delay != 20 || got.ProvisioningStatus != "ACTIVE" {
		t.Errorf("monitor after update %+v", got)
	}
	for _, bad := range []monitors.UpdateOpts{{MaxRetries: 11}, {MaxRetriesDown: 11}, {Delay: -1}} {
		_, err = monitors.Update(ctx, e.lb, hm.ID, bad).Extract()
		wantStatus(t, err, 400)
	}
	wantStatus(t, monitors.Update(ctx, e.lb, "missing", monitors.UpdateOpts{Delay: 1}).Err, 404)

	// HTTP options only fit HTTP(S) monitors.
	p2, err := pools.Create(ctx, e.lb, pools.CreateOpts{LoadbalancerID: lb.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin}).Extract()
	ok(t, err)
	e.clock.Advance(childLatency)
	_, err = monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: p2.ID, Type: monitors.TypeTCP, Delay: 5, Timeout: 3, MaxRetries: 3, URLPath: "/"}).Extract()
	wantStatus(t, err, 400)
	tcp, err := monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: p2.ID, Type: monitors.TypeTCP, Delay: 5, Timeout: 3, MaxRetries: 3}).Extract()
	ok(t, err)
	if tcp.HTTPMethod != "" || tcp.URLPath != "" {
		t.Errorf("tcp monitor %+v", tcp)
	}
	e.clock.Advance(childLatency)
	_, err = monitors.Update(ctx, e.lb, tcp.ID, monitors.UpdateOpts{HTTPMethod: "HEAD"}).Extract()
	wantStatus(t, err, 400)
	if !strings.Contains(body(t, err), "http_method is not a valid option for health monitors of type TCP") {
		t.Errorf("body %s", body(t, err))
	}

	// The listener update follows the same rules, and a refused one changes
	// nothing.
	_, err = listeners.Update(ctx, e.lb, l.ID, listeners.UpdateOpts{Name: new("x"), AllowedCIDRs: &[]string{"10.0.0.0/8"}, DefaultPoolID: new("missing")}).Extract()
	wantStatus(t, err, 404)
	if got, _ := listeners.Get(ctx, e.lb, l.ID).Extract(); got.Name != "" || len(got.AllowedCIDRs) != 0 {
		t.Errorf("listener after refused update %+v", got)
	}
	_, err = listeners.Update(ctx, e.lb, l.ID, listeners.UpdateOpts{Name: new("kube-api")}).Extract()
	ok(t, err)
	e.settles("listener update", lb.ID)

	// Octavia keeps operating_status through updates.
	got, err := loadbalancers.Get(ctx, e.lb, lb.ID).Extract()
	ok(t, err)
	_, err = loadbalancers.Update(ctx, e.lb, lb.ID, loadbalancers.UpdateOpts{Description: new("d")}).Extract()
	ok(t, err)
	during, err := loadbalancers.Get(ctx, e.lb, lb.ID).Extract()
	ok(t, err)
	if got.OperatingStatus != "ONLINE" || during.OperatingStatus != "ONLINE" || during.ProvisioningStatus != "PENDING_UPDATE" {
		t.Errorf("operating status %s then %s (%s)", got.OperatingStatus, during.OperatingStatus, during.ProvisioningStatus)
	}
}
