package loadbalancer

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/providers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

var (
	byName   = loadbalancers.ListOpts{Name: lbName}
	baseOpts = loadbalancers.CreateOpts{
		Name: lbName, Description: "Kubernetes API server of a Cluster API cluster", VipSubnetID: subnetID, Tags: testTags,
	}
)

// complete expects the listener, pool and monitor of each port to be in place with defaults.
func complete(e *env, ports ...int) {
	var ls []listeners.Listener
	var ps []pools.Pool
	for _, p := range ports {
		name := portName(p)
		ls = append(ls, listeners.Listener{ID: "l-" + name, Name: name})
		ps = append(ps, pools.Pool{ID: "p-" + name, Name: name, MonitorID: "m-" + name})
		e.lb.EXPECT().GetMonitor(gomock.Any(), "m-"+name).Return(&monitors.Monitor{ID: "m-" + name, Delay: 10, Timeout: 5, MaxRetries: 5, MaxRetriesDown: 3}, nil)
	}
	e.lb.EXPECT().ListListeners(gomock.Any(), listeners.ListOpts{LoadbalancerID: lbID}).Return(ls, nil)
	e.lb.EXPECT().ListPools(gomock.Any(), pools.ListOpts{LoadbalancerID: lbID}).Return(ps, nil)
}

func portName(port int) string { return (&Service{Name: lbName}).portName(port) }

func TestReconcileCreates(t *testing.T) {
	e := newEnv(t)
	gomock.InOrder(
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil),
		e.lb.EXPECT().CreateLoadBalancer(gomock.Any(), baseOpts).Return(lbIn("PENDING_CREATE"), nil),
	)
	wait, err := e.svc.Reconcile(ctx, desired(), e.status)
	if err != nil || wait != creatingRequeue {
		t.Fatalf("Reconcile = %v, %v; want %v while Octavia builds it", wait, err, creatingRequeue)
	}
	want := infrav1.LoadBalancer{ID: lbID, Name: lbName, InternalIP: vip, Tags: testTags, LoadBalancerNetwork: clusterNetwork}
	if !reflect.DeepEqual(e.saved, []infrav1.LoadBalancer{want}) {
		t.Errorf("saved %+v, want the new load balancer recorded and saved at once", e.saved)
	}
	if !reflect.DeepEqual(e.events, []string{"LoadBalancerCreated: created load balancer " + lbID}) {
		t.Errorf("events %q", e.events)
	}

	// Still building: one GET, wait again.
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("PENDING_CREATE"), nil)
	if wait, err := e.svc.Reconcile(ctx, desired(), e.status); err != nil || wait != creatingRequeue {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
}

func TestReconcileLostCreateResponse(t *testing.T) {
	e := newEnv(t)
	gomock.InOrder(
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil),
		e.lb.EXPECT().CreateLoadBalancer(gomock.Any(), gomock.Any()).Return(nil, lost),
	)
	_, err := e.svc.Reconcile(ctx, desired(), e.status)
	wantErr(t, err, "creating load balancer "+lbName)
	if e.status.APIServerLoadBalancer != nil || len(e.saved) != 0 {
		t.Fatalf("status %+v, saves %v after a failed create", e.status.APIServerLoadBalancer, e.saved)
	}
	// Octavia did build it: found by name and adopted, not created twice.
	gomock.InOrder(
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return([]loadbalancers.LoadBalancer{*lbIn("PENDING_CREATE")}, nil),
	)
	if wait, err := e.svc.Reconcile(ctx, desired(), e.status); err != nil || wait != creatingRequeue {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if e.status.APIServerLoadBalancer == nil || e.status.APIServerLoadBalancer.ID != lbID || len(e.saved) != 1 {
		t.Errorf("status %+v, saves %d", e.status.APIServerLoadBalancer, len(e.saved))
	}
}

func TestReconcileAdoptsActiveAndContinues(t *testing.T) {
	// Found by name and ACTIVE: recorded, and the listener is created in the same call.
	e := newEnv(t)
	gomock.InOrder(
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return([]loadbalancers.LoadBalancer{*lbIn("ACTIVE")}, nil),
		e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.lb.EXPECT().CreateListener(gomock.Any(), gomock.Any()).Return(&listeners.Listener{}, nil),
	)
	if wait, err := e.svc.Reconcile(ctx, desired(), e.status); err != nil || wait != updatingRequeue {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if len(e.saved) != 1 || e.saved[0].ID != lbID || len(e.events) != 0 {
		t.Errorf("saves %+v, events %q", e.saved, e.events)
	}
}

func TestReconcilePrunesTwins(t *testing.T) {
	// Three tagged load balancers under the cluster's name (creates that timed out and that
	// Octavia carried out anyway): the oldest is kept, an ACTIVE twin deleted, a PENDING one left
	// for the next pass, and none recorded until one is left.
	twin := func(id string, age int, state string) loadbalancers.LoadBalancer {
		lb := *lbIn(state)
		lb.ID, lb.Tags, lb.CreatedAt = id, testTags, time.Unix(1000-int64(age), 0)
		return lb
	}
	e := newEnv(t)
	found := []loadbalancers.LoadBalancer{twin("lb-new", 1, "ACTIVE"), twin(lbID, 9, "PENDING_CREATE"), twin("lb-pending", 2, "PENDING_CREATE")}
	gomock.InOrder(
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(found, nil),
		e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), "lb-new", loadbalancers.DeleteOpts{Cascade: true}).Return(nil),
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(found[1:], nil),
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(found[1:2], nil),
	)
	for i := range 2 {
		if wait, err := e.svc.Reconcile(ctx, desired(), e.status); err != nil || wait != creatingRequeue {
			t.Fatalf("pass %d: Reconcile = %v, %v", i, wait, err)
		}
		if e.status.APIServerLoadBalancer != nil {
			t.Fatalf("pass %d: recorded %+v while twins are left", i, e.status.APIServerLoadBalancer)
		}
	}
	if wait, err := e.svc.Reconcile(ctx, desired(), e.status); err != nil || wait != creatingRequeue || e.status.APIServerLoadBalancer.ID != lbID {
		t.Fatalf("last pass: Reconcile = %v, %v; status %+v", wait, err, e.status.APIServerLoadBalancer)
	}
	if len(e.events) != 1 || !strings.Contains(e.events[0], "DuplicateDeleted: deleted load balancer lb-new") {
		t.Errorf("events %q", e.events)
	}

	t.Run("the twin turned PENDING meanwhile: no event, next pass", func(t *testing.T) {
		e := newEnv(t)
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(found[:2], nil)
		e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), "lb-new", gomock.Any()).Return(pending)
		if wait, err := e.svc.Reconcile(ctx, desired(), e.status); err != nil || wait != creatingRequeue || len(e.events) != 0 {
			t.Fatalf("Reconcile = %v, %v; events %q", wait, err, e.events)
		}
	})
	t.Run("the delete fails", func(t *testing.T) {
		e := newEnv(t)
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(found[:2], nil)
		e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), "lb-new", gomock.Any()).Return(boom)
		_, err := e.svc.Reconcile(ctx, desired(), e.status)
		wantErr(t, err, "deleting load balancer lb-new, a duplicate of "+lbID, "boom")
	})
}

func TestReconcileStates(t *testing.T) {
	tests := []struct {
		state   string
		want    time.Duration
		wantErr []string
	}{
		{"PENDING_CREATE", creatingRequeue, nil},
		{"PENDING_UPDATE", updatingRequeue, nil},
		{"PENDING_DELETE", updatingRequeue, nil},
		{"ERROR", 0, []string{lbName, lbID, "is in ERROR", "Octavia's logs", "delete it to let the provider create a new one"}},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			e := newEnv(t)
			e.recorded()
			e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn(tt.state), nil)
			wait, err := e.svc.Reconcile(ctx, desired(), e.status)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				return
			}
			if err != nil || wait != tt.want {
				t.Errorf("Reconcile = %v, %v; want %v", wait, err, tt.want)
			}
		})
	}
}

func TestReconcileSteadyStateWithoutFloatingIP(t *testing.T) {
	e := newEnv(t)
	e.recorded()
	d := desired()
	d.AllowedCIDRs = []string{"192.0.2.0/24"}
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
	e.lb.EXPECT().ListListeners(gomock.Any(), gomock.Any()).Return([]listeners.Listener{{ID: "l", Name: portName(6443), AllowedCIDRs: []string{"192.0.2.0/24"}}}, nil)
	e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return([]pools.Pool{{ID: "p", Name: portName(6443), MonitorID: "m"}}, nil)
	e.lb.EXPECT().GetMonitor(gomock.Any(), "m").Return(&monitors.Monitor{ID: "m", Delay: 10, Timeout: 5, MaxRetries: 5, MaxRetriesDown: 3}, nil)
	wait, err := e.svc.Reconcile(ctx, d, e.status)
	if err != nil || wait != 0 {
		t.Fatalf("Reconcile = %v, %v; want done", wait, err)
	}
	st := e.status.APIServerLoadBalancer
	if st.IP != vip || !reflect.DeepEqual(st.AllowedCIDRs, d.AllowedCIDRs) {
		t.Errorf("status %+v: want the VIP as address and the allowed CIDRs recorded", st)
	}
}

func TestReconcileRebuildsDeletedLoadBalancer(t *testing.T) {
	// Deleted behind our back: the load balancer is built again, and the floating IP (which
	// Neutron disassociated with the VIP port) follows the new VIP port.
	e := newEnv(t)
	e.recorded()
	e.status.APIServerLoadBalancer.IP = "203.0.113.5"
	d := desired()
	d.ExternalNetworkID = extNetID
	rebuilt := &loadbalancers.LoadBalancer{ID: "lb-2", Name: lbName, ProvisioningStatus: "PENDING_CREATE", VipAddress: "10.6.0.11", VipPortID: "vip-port-2"}
	gomock.InOrder(
		e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(nil, notFound),
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil),
		e.lb.EXPECT().CreateLoadBalancer(gomock.Any(), baseOpts).Return(rebuilt, nil),
	)
	if wait, err := e.svc.Reconcile(ctx, d, e.status); err != nil || wait != creatingRequeue {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if st := e.status.APIServerLoadBalancer; st.ID != "lb-2" || st.InternalIP != "10.6.0.11" {
		t.Fatalf("status %+v: want the new load balancer", st)
	}

	active := *rebuilt
	active.ProvisioningStatus = "ACTIVE"
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), "lb-2").Return(&active, nil)
	e.lb.EXPECT().ListListeners(gomock.Any(), listeners.ListOpts{LoadbalancerID: "lb-2"}).Return([]listeners.Listener{{ID: "l", Name: portName(6443)}}, nil)
	e.lb.EXPECT().ListPools(gomock.Any(), pools.ListOpts{LoadbalancerID: "lb-2"}).Return([]pools.Pool{{ID: "p", Name: portName(6443), MonitorID: "m"}}, nil)
	e.lb.EXPECT().GetMonitor(gomock.Any(), "m").Return(&monitors.Monitor{ID: "m", Delay: 10, Timeout: 5, MaxRetries: 5, MaxRetriesDown: 3}, nil)
	fip := floatingips.FloatingIP{ID: "fip-1", FloatingIP: "203.0.113.5", Tags: []string{testOwner}}
	gomock.InOrder(
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingNetworkID: extNetID, Description: lbName}).Return([]floatingips.FloatingIP{fip}, nil),
		e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-1", floatingips.UpdateOpts{PortID: ptr.To("vip-port-2")}).Return(&fip, nil),
	)
	if wait, err := e.svc.Reconcile(ctx, d, e.status); err != nil || wait != 0 {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if e.status.APIServerLoadBalancer.IP != "203.0.113.5" {
		t.Errorf("status IP %q", e.status.APIServerLoadBalancer.IP)
	}
}

func TestReconcileFloatingIPSavedBeforeAssociation(t *testing.T) {
	e := newEnv(t)
	e.recorded()
	d := desired()
	d.ExternalNetworkID = extNetID
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
	complete(e, 6443)
	gomock.InOrder(
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingNetworkID: extNetID, Description: lbName}).Return(nil, nil),
		e.net.EXPECT().CreateFloatingIP(gomock.Any(), floatingips.CreateOpts{FloatingNetworkID: extNetID, Description: lbName}).
			Return(&floatingips.FloatingIP{ID: "fip-1", FloatingIP: "203.0.113.5"}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "floatingips", "fip-1", testTags).Return(testTags, nil),
		e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-1", floatingips.UpdateOpts{PortID: ptr.To(vipPort)}).DoAndReturn(
			func(context.Context, string, floatingips.UpdateOptsBuilder) (*floatingips.FloatingIP, error) {
				if len(e.saved) != 1 || e.saved[0].IP != "203.0.113.5" {
					t.Errorf("associating before the address was saved: saves %+v", e.saved)
				}
				return &floatingips.FloatingIP{}, nil
			}),
	)
	if wait, err := e.svc.Reconcile(ctx, d, e.status); err != nil || wait != 0 {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if e.status.APIServerLoadBalancer.IP != "203.0.113.5" {
		t.Errorf("status IP %q, want the floating IP", e.status.APIServerLoadBalancer.IP)
	}

	// Steady state: found, already recorded and associated: no save, no update.
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
	complete(e, 6443)
	e.net.EXPECT().ListFloatingIPs(gomock.Any(), gomock.Any()).
		Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5", PortID: vipPort, Tags: testTags}}, nil)
	if wait, err := e.svc.Reconcile(ctx, d, e.status); err != nil || wait != 0 {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
	if len(e.saved) != 1 {
		t.Errorf("saved %d times", len(e.saved))
	}
}

func TestReconcileUsersFloatingIP(t *testing.T) {
	e := newEnv(t)
	e.recorded()
	d := desired()
	d.ExternalNetworkID, d.FloatingIP = extNetID, "203.0.113.9"
	e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
	complete(e, 6443)
	fip := floatingips.FloatingIP{ID: "fip-9", FloatingIP: "203.0.113.9", Tags: []string{testOwner}}
	gomock.InOrder(
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingNetworkID: extNetID, FloatingIP: "203.0.113.9"}).Return([]floatingips.FloatingIP{fip}, nil),
		e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-9", floatingips.UpdateOpts{PortID: ptr.To(vipPort)}).Return(&fip, nil),
	)
	if wait, err := e.svc.Reconcile(ctx, d, e.status); err != nil || wait != 0 {
		t.Fatalf("Reconcile = %v, %v", wait, err)
	}
}

func TestReconcileFloatingIPErrors(t *testing.T) {
	d := desired()
	d.ExternalNetworkID = extNetID
	t.Run("lookup", func(t *testing.T) {
		e := newEnv(t)
		e.recorded()
		e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
		complete(e, 6443)
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), gomock.Any()).Return(nil, boom)
		_, err := e.svc.Reconcile(ctx, d, e.status)
		wantErr(t, err, "boom")
	})
	t.Run("save", func(t *testing.T) {
		e := newEnv(t)
		e.recorded()
		e.svc.Save = func(context.Context) error { return boom }
		e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
		complete(e, 6443)
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), gomock.Any()).Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5", Tags: testTags}}, nil)
		// Not associated: the address could not be saved.
		_, err := e.svc.Reconcile(ctx, d, e.status)
		wantErr(t, err, "boom")
	})
}

func TestReconcileLookupErrors(t *testing.T) {
	t.Run("reading the recorded load balancer", func(t *testing.T) {
		e := newEnv(t)
		e.recorded()
		e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(nil, boom)
		_, err := e.svc.Reconcile(ctx, desired(), e.status)
		wantErr(t, err, "boom")
		if e.status.APIServerLoadBalancer == nil {
			t.Error("a transient error forgot the load balancer")
		}
	})
	t.Run("by name", func(t *testing.T) {
		e := newEnv(t)
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, boom)
		_, err := e.svc.Reconcile(ctx, desired(), e.status)
		wantErr(t, err, "looking up load balancer "+lbName, "boom")
	})
	t.Run("several share the name", func(t *testing.T) {
		e := newEnv(t)
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return([]loadbalancers.LoadBalancer{{ID: "lb-a"}, {ID: "lb-b"}}, nil)
		_, err := e.svc.Reconcile(ctx, desired(), e.status)
		wantErr(t, err, "2 load balancers are named "+lbName, "lb-a, lb-b", "delete the ones that are not in use")
		if e.status.APIServerLoadBalancer != nil {
			t.Error("one of them was picked")
		}
	})
}

func TestCreateOpts(t *testing.T) {
	provs := []providers.Provider{{Name: "amphora"}, {Name: "ovn"}}
	flavs := []flavors.Flavor{{ID: "flavor-small", Name: "small"}, {ID: "flavor-ha", Name: "ha"}}
	tests := []struct {
		name       string
		spec       infrav1.APIServerLoadBalancer
		expect     func(e *env)
		want       loadbalancers.CreateOpts
		wantEvents []string
		wantErr    []string
	}{{
		name: "defaults: no provider or flavor lookup",
		spec: infrav1.APIServerLoadBalancer{Provider: ptr.To(""), Flavor: ptr.To("")},
		want: baseOpts,
	}, {
		name: "availability zone, provider and flavor that exist",
		spec: infrav1.APIServerLoadBalancer{AvailabilityZone: ptr.To("az-2"), Provider: ptr.To("ovn"), Flavor: ptr.To("ha")},
		expect: func(e *env) {
			e.lb.EXPECT().ListProviders(gomock.Any()).Return(provs, nil)
			e.lb.EXPECT().ListFlavors(gomock.Any(), flavors.ListOpts{}).Return(flavs, nil)
		},
		want: func() loadbalancers.CreateOpts {
			o := baseOpts
			o.AvailabilityZone, o.Provider, o.FlavorID = "az-2", "ovn", "flavor-ha"
			return o
		}(),
	}, {
		name: "provider and flavor that do not exist: the cloud's defaults, and events saying so",
		spec: infrav1.APIServerLoadBalancer{Provider: ptr.To("f5"), Flavor: ptr.To("huge")},
		expect: func(e *env) {
			e.lb.EXPECT().ListProviders(gomock.Any()).Return(provs, nil)
			e.lb.EXPECT().ListFlavors(gomock.Any(), flavors.ListOpts{}).Return(flavs, nil)
		},
		want: baseOpts,
		wantEvents: []string{
			`LoadBalancerProviderNotFound: Octavia has no provider "f5" (it has [amphora ovn]): using the cloud's default provider`,
			`LoadBalancerFlavorNotFound: Octavia has no flavor "huge": using the cloud's default flavor`,
		},
	}, {
		name:    "listing providers fails",
		spec:    infrav1.APIServerLoadBalancer{Provider: ptr.To("ovn")},
		expect:  func(e *env) { e.lb.EXPECT().ListProviders(gomock.Any()).Return(nil, boom) },
		wantErr: []string{"listing Octavia providers", "boom"},
	}, {
		name:    "listing flavors fails",
		spec:    infrav1.APIServerLoadBalancer{Flavor: ptr.To("ha")},
		expect:  func(e *env) { e.lb.EXPECT().ListFlavors(gomock.Any(), gomock.Any()).Return(nil, boom) },
		wantErr: []string{"listing Octavia flavors", "boom"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			d := desired()
			d.Spec = &tt.spec
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil)
			if tt.wantErr == nil {
				e.lb.EXPECT().CreateLoadBalancer(gomock.Any(), tt.want).Return(lbIn("PENDING_CREATE"), nil)
			}
			_, err := e.svc.Reconcile(ctx, d, e.status)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantEvents := append(tt.wantEvents, "LoadBalancerCreated: created load balancer "+lbID)
			if !reflect.DeepEqual(e.events, wantEvents) {
				t.Errorf("events\n got %q\nwant %q", e.events, wantEvents)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Run("nothing recorded: no call", func(t *testing.T) {
		e := newEnv(t)
		if ok, err := e.svc.Check(ctx, e.status); ok || err != nil {
			t.Errorf("Check = %v, %v", ok, err)
		}
	})
	for _, tt := range []struct {
		name    string
		lb      *loadbalancers.LoadBalancer
		err     error
		want    bool
		wantErr bool
	}{
		{"active", lbIn("ACTIVE"), nil, true, false},
		{"pending", lbIn("PENDING_UPDATE"), nil, false, false},
		{"gone", nil, notFound, false, false},
		{"error", nil, boom, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.recorded()
			e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(tt.lb, tt.err)
			ok, err := e.svc.Check(ctx, e.status)
			if ok != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Check = %v, %v", ok, err)
			}
		})
	}
}
