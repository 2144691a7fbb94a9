package loadbalancer

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// octavia keeps the listeners, pools and monitors of lbID as Octavia does, and refuses (409) a
// change while the load balancer is PENDING_UPDATE from the previous one, which the next GET
// turns ACTIVE again. changes lists the changes in order.
type octavia struct {
	t         *testing.T
	listeners []listeners.Listener
	pools     []pools.Pool
	monitors  map[string]*monitors.Monitor
	busy      bool
	changes   []string
}

func newOctavia(t *testing.T, e *env) *octavia {
	o := &octavia{t: t, monitors: map[string]*monitors.Monitor{}}
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).DoAndReturn(func(context.Context, string) (*loadbalancers.LoadBalancer, error) {
		o.busy = false
		return lbIn("ACTIVE"), nil
	}).AnyTimes()
	e.lb.EXPECT().ListListeners(gomock.Any(), listeners.ListOpts{LoadbalancerID: lbID}).DoAndReturn(
		func(context.Context, listeners.ListOptsBuilder) ([]listeners.Listener, error) {
			return slices.Clone(o.listeners), nil
		}).AnyTimes()
	e.lb.EXPECT().ListPools(gomock.Any(), pools.ListOpts{LoadbalancerID: lbID}).DoAndReturn(
		func(context.Context, pools.ListOptsBuilder) ([]pools.Pool, error) { return slices.Clone(o.pools), nil }).AnyTimes()
	e.lb.EXPECT().GetMonitor(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, id string) (*monitors.Monitor, error) {
		m := *o.monitors[id]
		return &m, nil
	}).AnyTimes()
	e.lb.EXPECT().CreateListener(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, b listeners.CreateOptsBuilder) (*listeners.Listener, error) {
		c := b.(listeners.CreateOpts)
		if err := o.change("create listener " + c.Name); err != nil {
			return nil, err
		}
		if c.LoadbalancerID != lbID || c.Protocol != listeners.ProtocolTCP || !reflect.DeepEqual(c.Tags, testTags) ||
			c.Name != portName(c.ProtocolPort) {
			t.Errorf("listener create %+v", c)
		}
		l := listeners.Listener{ID: "l-" + c.Name, Name: c.Name, ProtocolPort: c.ProtocolPort, AllowedCIDRs: c.AllowedCIDRs}
		o.listeners = append(o.listeners, l)
		return &l, nil
	}).AnyTimes()
	e.lb.EXPECT().UpdateListener(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, id string, b listeners.UpdateOptsBuilder) (*listeners.Listener, error) {
		u := b.(listeners.UpdateOpts)
		if u.AllowedCIDRs == nil {
			t.Fatalf("listener update %+v without allowed CIDRs", u)
		}
		if err := o.change(fmt.Sprintf("update listener %s %v", id, *u.AllowedCIDRs)); err != nil {
			return nil, err
		}
		i := slices.IndexFunc(o.listeners, func(l listeners.Listener) bool { return l.ID == id })
		o.listeners[i].AllowedCIDRs = *u.AllowedCIDRs
		return &o.listeners[i], nil
	}).AnyTimes()
	e.lb.EXPECT().CreatePool(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, b pools.CreateOptsBuilder) (*pools.Pool, error) {
		c := b.(pools.CreateOpts)
		if err := o.change("create pool " + c.Name); err != nil {
			return nil, err
		}
		if c.ListenerID != "l-"+c.Name || c.Protocol != pools.ProtocolTCP || c.LBMethod != pools.LBMethodRoundRobin || !reflect.DeepEqual(c.Tags, testTags) {
			t.Errorf("pool create %+v", c)
		}
		p := pools.Pool{ID: "p-" + c.Name, Name: c.Name}
		o.pools = append(o.pools, p)
		return &p, nil
	}).AnyTimes()
	e.lb.EXPECT().CreateMonitor(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, b monitors.CreateOptsBuilder) (*monitors.Monitor, error) {
		c := b.(monitors.CreateOpts)
		if err := o.change(fmt.Sprintf("create monitor %s %d/%d/%d/%d", c.Name, c.Delay, c.Timeout, c.MaxRetries, c.MaxRetriesDown)); err != nil {
			return nil, err
		}
		if c.PoolID != "p-"+c.Name || c.Type != monitors.TypeTCP || !reflect.DeepEqual(c.Tags, testTags) {
			t.Errorf("monitor create %+v", c)
		}
		m := &monitors.Monitor{ID: "m-" + c.Name, Name: c.Name, Delay: c.Delay, Timeout: c.Timeout, MaxRetries: c.MaxRetries, MaxRetriesDown: c.MaxRetriesDown}
		o.monitors[m.ID] = m
		i := slices.IndexFunc(o.pools, func(p pools.Pool) bool { return p.ID == c.PoolID })
		o.pools[i].MonitorID = m.ID
		return m, nil
	}).AnyTimes()
	e.lb.EXPECT().UpdateMonitor(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, id string, b monitors.UpdateOptsBuilder) (*monitors.Monitor, error) {
		u := b.(monitors.UpdateOpts)
		if err := o.change(fmt.Sprintf("update monitor %s %d/%d/%d/%d", id, u.Delay, u.Timeout, u.MaxRetries, u.MaxRetriesDown)); err != nil {
			return nil, err
		}
		m := o.monitors[id]
		m.Delay, m.Timeout, m.MaxRetries, m.MaxRetriesDown = u.Delay, u.Timeout, u.MaxRetries, u.MaxRetriesDown
		return m, nil
	}).AnyTimes()
	return o
}

func (o *octavia) change(what string) error {
	if o.busy {
		o.t.Errorf("%s while the load balancer is PENDING_UPDATE", what)
		return pending
	}
	o.busy = true
	o.changes = append(o.changes, what)
	return nil
}

// converge reconciles until done, and returns the changes made, one per call.
func (o *octavia) converge(e *env, d Desired) []string {
	o.t.Helper()
	o.changes = nil
	for i := 0; ; i++ {
		if i > 20 {
			o.t.Fatal("no convergence")
		}
		before := len(o.changes)
		wait, err := e.svc.Reconcile(ctx, d, e.status)
		if err != nil {
			o.t.Fatal(err)
		}
		made := len(o.changes) - before
		if wait == 0 {
			if made != 0 {
				o.t.Errorf("done after a change")
			}
			return o.changes
		}
		if wait != updatingRequeue || made != 1 {
			o.t.Fatalf("call %d: wait %v after %d changes; want one change, then %v", i, wait, made, updatingRequeue)
		}
	}
}

func TestListenersOneChangePerCall(t *testing.T) {
	e := newEnv(t)
	e.recorded()
	o := newOctavia(t, e)
	d := desired()
	d.Ports = []int{6443, 22623}
	l1, l2 := portName(6443), portName(22623)

	// From nothing: listener, pool and monitor (with the default settings) of each port.
	got := o.converge(e, d)
	want := []string{
		"create listener " + l1, "create pool " + l1, "create monitor " + l1 + " 10/5/5/3",
		"create listener " + l2, "create pool " + l2, "create monitor " + l2 + " 10/5/5/3",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes\n got %q\nwant %q", got, want)
	}
	if e.status.APIServerLoadBalancer.IP != vip {
		t.Errorf("status IP %q", e.status.APIServerLoadBalancer.IP)
	}

	// The allowed CIDRs change: each listener is updated.
	d.AllowedCIDRs = []string{"192.0.2.0/24", "198.51.100.7/32"}
	got = o.converge(e, d)
	want = []string{
		"update listener l-" + l1 + " [192.0.2.0/24 198.51.100.7/32]", "update listener l-" + l2 + " [192.0.2.0/24 198.51.100.7/32]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes\n got %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(e.status.APIServerLoadBalancer.AllowedCIDRs, d.AllowedCIDRs) {
		t.Errorf("status allowed CIDRs %v", e.status.APIServerLoadBalancer.AllowedCIDRs)
	}

	// The same set in another order, with a duplicate: nothing to do.
	d.AllowedCIDRs = []string{"198.51.100.7/32", "192.0.2.0/24", "192.0.2.0/24"}
	if got := o.converge(e, d); len(got) != 0 {
		t.Errorf("changes %q for the same set", got)
	}

	// No restriction any more: sent as an empty list, which clears it (nil would be omitted).
	d.AllowedCIDRs = nil
	got = o.converge(e, d)
	want = []string{"update listener l-" + l1 + " []", "update listener l-" + l2 + " []"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes\n got %q\nwant %q", got, want)
	}

	// Monitor settings: the ones given, defaults for the others.
	d.Spec = &infrav1.APIServerLoadBalancer{Monitor: &infrav1.APIServerLoadBalancerMonitor{Delay: 20, MaxRetriesDown: 1}}
	got = o.converge(e, d)
	want = []string{"update monitor m-" + l1 + " 20/5/5/1", "update monitor m-" + l2 + " 20/5/5/1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes\n got %q\nwant %q", got, want)
	}
}

func TestListenerCreatedWithAllowedCIDRs(t *testing.T) {
	e := newEnv(t)
	e.recorded()
	d := desired()
	d.AllowedCIDRs = []string{"192.0.2.0/24"}
	gomock.InOrder(
		e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil),
		e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.lb.EXPECT().CreateListener(gomock.Any(), listeners.CreateOpts{
			Name: portName(6443), LoadbalancerID: lbID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443,
			AllowedCIDRs: []string{"192.0.2.0/24"}, Tags: testTags,
		}).Return(&listeners.Listener{}, nil),
	)
	if wait, err := e.svc.Reconcile(ctx, d, e.status); err != nil || wait != updatingRequeue {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if e.status.APIServerLoadBalancer.AllowedCIDRs != nil {
		t.Error("allowed CIDRs recorded before they are in effect")
	}
}

func TestListenerErrors(t *testing.T) {
	name := portName(6443)
	listener := []listeners.Listener{{ID: "l", Name: name}}
	pool := []pools.Pool{{ID: "p", Name: name}}
	withMonitor := []pools.Pool{{ID: "p", Name: name, MonitorID: "m"}}
	tests := []struct {
		name    string
		expect  func(e *env)
		wantErr []string
	}{{
		name:    "listing listeners",
		expect:  func(e *env) { e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(nil, boom) },
		wantErr: []string{"listing listeners", "boom"},
	}, {
		name: "listing pools",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(nil, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"listing pools", "boom"},
	}, {
		name: "creating a listener",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(nil, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(nil, nil)
			e.lb.EXPECT().CreateListener(gomock.Any(), gomock.Any()).Return(nil, pending)
		},
		wantErr: []string{"creating listener " + name, "immutable"},
	}, {
		name: "updating allowed CIDRs",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return([]listeners.Listener{{ID: "l", Name: name, AllowedCIDRs: []string{"0.0.0.0/0"}}}, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(nil, nil)
			e.lb.EXPECT().UpdateListener(gomock.Any(), "l", listeners.UpdateOpts{AllowedCIDRs: ptr.To([]string{})}).Return(nil, boom)
		},
		wantErr: []string{"updating the allowed CIDRs of listener " + name, "boom"},
	}, {
		name: "creating a pool",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(listener, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(nil, nil)
			e.lb.EXPECT().CreatePool(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"creating pool " + name, "boom"},
	}, {
		name: "creating a monitor",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(listener, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(pool, nil)
			e.lb.EXPECT().CreateMonitor(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"creating health monitor " + name, "boom"},
	}, {
		name: "reading a monitor",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(listener, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(withMonitor, nil)
			e.lb.EXPECT().GetMonitor(gomock.Any(), "m").Return(nil, boom)
		},
		wantErr: []string{"reading health monitor " + name, "boom"},
	}, {
		name: "updating a monitor",
		expect: func(e *env) {
			e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(listener, nil)
			e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(withMonitor, nil)
			e.lb.EXPECT().GetMonitor(gomock.Any(), "m").Return(&monitors.Monitor{ID: "m", Delay: 30}, nil)
			e.lb.EXPECT().UpdateMonitor(gomock.Any(), "m", monitors.UpdateOpts{Delay: 10, Timeout: 5, MaxRetries: 5, MaxRetriesDown: 3}).Return(nil, boom)
		},
		wantErr: []string{"updating health monitor " + name, "boom"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.recorded()
			e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
			tt.expect(e)
			wait, err := e.svc.Reconcile(ctx, desired(), e.status)
			wantErr(t, err, tt.wantErr...)
			if wait != updatingRequeue {
				t.Errorf("wait %v", wait)
			}
		})
	}
}

func TestMonitorSettings(t *testing.T) {
	tests := []struct {
		m    *infrav1.APIServerLoadBalancerMonitor
		want [4]int
	}{
		{nil, [4]int{10, 5, 5, 3}},
		{&infrav1.APIServerLoadBalancerMonitor{}, [4]int{10, 5, 5, 3}},
		{&infrav1.APIServerLoadBalancerMonitor{Timeout: 3, MaxRetries: 2}, [4]int{10, 3, 2, 3}},
		{&infrav1.APIServerLoadBalancerMonitor{Delay: 7, Timeout: 4, MaxRetries: 9, MaxRetriesDown: 10}, [4]int{7, 4, 9, 10}},
	}
	for _, tt := range tests {
		d, to, r, rd := monitorSettings(tt.m)
		if got := [4]int{d, to, r, rd}; got != tt.want {
			t.Errorf("monitorSettings(%+v) = %v, want %v", tt.m, got, tt.want)
		}
	}
}
