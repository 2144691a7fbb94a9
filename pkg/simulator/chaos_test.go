package simulator

import (
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
)

func TestFaultStatsCountAppliedFaults(t *testing.T) {
	e := newEnv(t, Options{})
	ok(t, e.sim.AddFault(Fault{Method: "GET", Path: `/flavors/\{id\}$`, Every: 2, Action: FaultError, Status: 502}))
	ok(t, e.sim.AddFault(Fault{Method: "DELETE", Action: FaultError, Status: 409}))
	for range 5 {
		_, _ = flavors.Get(ctx, e.compute, "1").Extract()
	}
	st := e.sim.FaultStats()
	if len(st) != 2 || st[0].Matches != 5 || st[0].Applied != 2 || st[0].Fault.Status != 502 || st[1].Matches != 0 || st[1].Applied != 0 {
		t.Errorf("fault stats %+v, want the first rule matched 5 times and applied twice, the second never", st)
	}
}

func TestSetLoadBalancerLatenciesAppliesToNewOperations(t *testing.T) {
	e := newEnv(t, Options{})
	_, sn := e.netWithSubnet("vip", "10.8.0.0/24")
	before, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{Name: "a", VipSubnetID: sn.ID}).Extract()
	ok(t, err)
	e.sim.SetLoadBalancerLatencies(5*time.Minute, time.Minute, time.Minute)
	if c, u, ch := e.sim.LoadBalancerLatencies(); c != 5*time.Minute || u != time.Minute || ch != time.Minute {
		t.Errorf("latencies %s %s %s", c, u, ch)
	}
	stuck, err := loadbalancers.Create(ctx, e.lb, loadbalancers.CreateOpts{Name: "b", VipSubnetID: sn.ID}).Extract()
	ok(t, err)
	e.clock.Advance(time.Minute)
	if got := e.lbStatus(before.ID); got != "ACTIVE" {
		t.Errorf("a load balancer created before the change is %s after a minute, want ACTIVE (default 30 s)", got)
	}
	if got := e.lbStatus(stuck.ID); got != "PENDING_CREATE" {
		t.Errorf("a load balancer created after the change is %s after a minute, want PENDING_CREATE", got)
	}
}

func TestIssuedTokenIDsAndPassword(t *testing.T) {
	e := newEnv(t, Options{})
	if e.sim.Password() != DefaultPassword {
		t.Errorf("password %q", e.sim.Password())
	}
	if other, err := New(Options{Password: "hunter2-unique"}); err != nil || other.Password() != "hunter2-unique" {
		t.Errorf("password of a simulator given one: %v", err)
	}
	tok, err := e.provider.GetAuthResult().ExtractTokenID()
	ok(t, err)
	if ids := e.sim.IssuedTokenIDs(); !slices.Contains(ids, tok) {
		t.Errorf("issued tokens %v lack the client's %s", ids, tok)
	}
}
