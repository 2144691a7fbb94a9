package simulator

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// lbTree is a load balancer with one listener, pool, member and monitor.
type lbTree struct {
	lb       *loadbalancers.LoadBalancer
	listener *listeners.Listener
	pool     *pools.Pool
	member   *pools.Member
	monitor  *monitors.Monitor
}

func (e *env) lbTree(name, subnetID string) lbTree {
	e.t.Helper()
	tr := lbTree{lb: e.activeLB(name, subnetID)}
	var err error
	tr.listener, err = listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: tr.lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443, Name: name}).Extract()
	ok(e.t, err)
	e.clock.Advance(childLatency)
	tr.pool, err = pools.Create(ctx, e.lb, pools.CreateOpts{ListenerID: tr.listener.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin, Name: name}).Extract()
	ok(e.t, err)
	e.clock.Advance(childLatency)
	tr.member, err = pools.CreateMember(ctx, e.lb, tr.pool.ID, pools.CreateMemberOpts{Address: "10.8.0.10", ProtocolPort: 6443, Name: name + "-0", SubnetID: subnetID}).Extract()
	ok(e.t, err)
	e.clock.Advance(childLatency)
	tr.monitor, err = monitors.Create(ctx, e.lb, monitors.CreateOpts{PoolID: tr.pool.ID, Type: monitors.TypeTCP, Delay: 5, Timeout: 3, MaxRetries: 3}).Extract()
	ok(e.t, err)
	e.clock.Advance(childLatency)
	return tr
}

func TestOctaviaListFilters(t *testing.T) {
	e := newEnv(t, Options{})
	_, sn := e.netWithSubnet("vip", "10.8.0.0/24")
	a, b := e.lbTree("a", sn.ID), e.lbTree("b", sn.ID)
	m2, err := pools.CreateMember(ctx, e.lb, a.pool.ID, pools.CreateMemberOpts{Address: "10.8.0.11", ProtocolPort: 6443, Name: "a-1", Weight: new(3)}).Extract()
	ok(t, err)
	e.clock.Advance(childLatency)

	lbIDs := listIDs(t, loadbalancers.List(e.lb, loadbalancers.ListOpts{Name: "b"}), loadbalancers.ExtractLoadBalancers, func(l loadbalancers.LoadBalancer) string { return l.ID })
	wantIDs(t, "loadbalancers?name", lbIDs, b.lb.ID)
	listenerIDs := listIDs(t, listeners.List(e.lb, listeners.ListOpts{LoadbalancerID: a.lb.ID}), listeners.ExtractListeners, func(l listeners.Listener) string { return l.ID })
	wantIDs(t, "listeners?loadbalancer_id", listenerIDs, a.listener.ID)
	poolIDs := listIDs(t, pools.List(e.lb, pools.ListOpts{LoadbalancerID: b.lb.ID}), pools.ExtractPools, func(p pools.Pool) string { return p.ID })
	wantIDs(t, "pools?loadbalancer_id", poolIDs, b.pool.ID)
	monitorIDs := listIDs(t, monitors.List(e.lb, monitors.ListOpts{PoolID: b.pool.ID}), monitors.ExtractMonitors, func(m monitors.Monitor) string { return m.ID })
	wantIDs(t, "healthmonitors?pool_id", monitorIDs, b.monitor.ID)

	memberIDs := func(opts pools.ListMembersOpts) []string {
		return listIDs(t, pools.ListMembers(e.lb, a.pool.ID, opts), pools.ExtractMembers, func(m pools.Member) string { return m.ID })
	}
	wantIDs(t, "members", memberIDs(pools.ListMembersOpts{}), a.member.ID, m2.ID)
	wantIDs(t, "members?name", memberIDs(pools.ListMembersOpts{Name: "a-1"}), m2.ID)
	wantIDs(t, "members?weight", memberIDs(pools.ListMembersOpts{Weight: 3}), m2.ID)
	wantIDs(t, "members?address", memberIDs(pools.ListMembersOpts{Address: "10.8.0.10", ProtocolPort: 6443}), a.member.ID)
	_, err = pools.UpdateMember(ctx, e.lb, a.pool.ID, m2.ID, pools.UpdateMemberOpts{AdminStateUp: new(false)}).Extract()
	ok(t, err)
	wantIDs(t, "members?admin_state_up", memberIDs(pools.ListMembersOpts{AdminStateUp: new(false)}), m2.ID)

	// A pool lists the listeners using it as their default pool.
	ok(t, listeners.Delete(ctx, e.lb, b.listener.ID).ExtractErr())
	e.clock.Advance(childLatency)
	if got, _ := pools.Get(ctx, e.lb, b.pool.ID).Extract(); len(got.Listeners) != 0 {
		t.Errorf("pool listeners after the listener went %+v", got.Listeners)
	}
	l, err := listeners.Create(ctx, e.lb, listeners.CreateOpts{LoadbalancerID: b.lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 443, DefaultPoolID: b.pool.ID}).Extract()
	ok(t, err)
	if got, _ := pools.Get(ctx, e.lb, b.pool.ID).Extract(); len(got.Listeners) != 1 || got.Listeners[0].ID != l.ID {
		t.Errorf("pool listeners %+v", got.Listeners)
	}
}

func TestOctaviaCascadeDelete(t *testing.T) {
	e := newEnv(t, Options{})
	pub := e.publicNet()
	_, sn := e.netWithSubnet("vip", "10.8.0.0/24")
	r, err := routers.Create(ctx, e.network, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: pub}}).Extract()
	ok(t, err)
	_, err = routers.AddInterface(ctx, e.network, r.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	ok(t, err)
	tr, other := e.lbTree("api", sn.ID), e.lbTree("other", sn.ID)
	fip, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: pub, PortID: tr.lb.VipPortID}).Extract()
	ok(t, err)
	if fip.FixedIP != tr.lb.VipAddress || fip.Status != "ACTIVE" {
		t.Fatalf("fip on the VIP %+v", fip)
	}

	ok(t, loadbalancers.Delete(ctx, e.lb, tr.lb.ID, loadbalancers.DeleteOpts{Cascade: true}).ExtractErr())
	if got, _ := pools.GetMember(ctx, e.lb, tr.pool.ID, tr.member.ID).Extract(); got.ProvisioningStatus != "PENDING_DELETE" {
		t.Errorf("member while deleting %+v", got)
	}
	if got, _ := monitors.Get(ctx, e.lb, tr.monitor.ID).Extract(); got.ProvisioningStatus != "PENDING_DELETE" {
		t.Errorf("monitor while deleting %+v", got)
	}
	immutable(t, "pool update while deleting", pools.Update(ctx, e.lb, tr.pool.ID, pools.UpdateOpts{Name: new("x")}).Err)
	e.clock.Advance(e.sim.lat.LoadBalancerDelete)

	wantStatus(t, loadbalancers.Get(ctx, e.lb, tr.lb.ID).Err, 404)
	wantStatus(t, listeners.Get(ctx, e.lb, tr.listener.ID).Err, 404)
	wantStatus(t, pools.Get(ctx, e.lb, tr.pool.ID).Err, 404)
	wantStatus(t, pools.GetMember(ctx, e.lb, tr.pool.ID, tr.member.ID).Err, 404)
	wantStatus(t, monitors.Get(ctx, e.lb, tr.monitor.ID).Err, 404)
	wantStatus(t, ports.Get(ctx, e.network, tr.lb.VipPortID).Err, 404)
	got, err := floatingips.Get(ctx, e.network, fip.ID).Extract()
	ok(t, err)
	if got.PortID != "" || got.FixedIP != "" || got.RouterID != "" || got.Status != "DOWN" {
		t.Errorf("fip after its port went %+v", got)
	}
	// The other load balancer is untouched.
	if s := e.lbStatus(other.lb.ID); s != "ACTIVE" {
		t.Errorf("other load balancer %s", s)
	}
	ok(t, pools.GetMember(ctx, e.lb, other.pool.ID, other.member.ID).Err)
	ok(t, monitors.Get(ctx, e.lb, other.monitor.ID).Err)
	ok(t, ports.Get(ctx, e.network, other.lb.VipPortID).Err)
}
