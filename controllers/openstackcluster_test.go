package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

func managedLBSpec(cidr string) infrav1.OpenStackClusterSpec {
	return infrav1.OpenStackClusterSpec{
		ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: cidr, DNSNameservers: []string{"8.8.8.8"}}},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{AllowAllInClusterTraffic: true},
		APIServer: &infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{
			Enabled: ptr.To(true), AllowedCIDRs: []string{"192.0.2.0/24"}, AdditionalPorts: []int{8132},
		}},
		Tags: []string{"team-a"},
	}
}

func waitReady(t *testing.T, osc *infrav1.OpenStackCluster) {
	t.Helper()
	minGeneration := osc.Generation // the cache may still hold an older object after an update
	eventually(t, 60*time.Second, func() (bool, string) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(osc), osc); err != nil {
			return false, err.Error() // the manager's cache may not have seen a new object yet
		}
		c := meta.FindStatusCondition(osc.Status.Conditions, infrav1.ReadyCondition)
		if c == nil {
			return false, "no Ready condition"
		}
		current := c.ObservedGeneration == osc.Generation && osc.Generation >= minGeneration
		return c.Status == metav1.ConditionTrue && current, fmt.Sprintf("Ready=%s %s: %s (generation %d, observed %d)",
			c.Status, c.Reason, c.Message, osc.Generation, c.ObservedGeneration)
	})
}

func waitGone(t *testing.T, obj client.Object) {
	t.Helper()
	eventually(t, 60*time.Second, func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
		msg := fmt.Sprintf("still there (%v), finalizers %v", err, obj.GetFinalizers())
		if c, ok := obj.(conditionsObject); ok {
			if ready := meta.FindStatusCondition(c.GetConditions(), infrav1.ReadyCondition); ready != nil {
				msg += fmt.Sprintf(", Ready=%s %s: %s", ready.Status, ready.Reason, ready.Message)
			}
		}
		return apierrors.IsNotFound(err), msg
	})
}

func deleteAndCheckLeaks(t *testing.T, osc *infrav1.OpenStackCluster) {
	t.Helper()
	if err := env.Client.Delete(context.Background(), osc); err != nil {
		t.Fatal(err)
	}
	waitGone(t, osc)
	if leaks := sim.Leaks(cloud.ClusterTag(osc.Namespace, osc.Name)); len(leaks) > 0 {
		t.Fatalf("leaked after delete: %+v", leaks)
	}
}

// TestClusterWithLoadBalancer: a managed network with an Octavia load balancer goes Ready,
// sets the endpoint, costs one read (the load balancer) per steady-state resync, and deletes
// without leaks.
func TestClusterWithLoadBalancer(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "lb", managedLBSpec("10.6.0.0/24"))
	waitReady(t, osc)

	st := osc.Status
	if st.Network == nil || len(st.Network.Subnets) != 1 || st.Router == nil || st.ExternalNetwork == nil {
		t.Fatalf("network status incomplete: %+v", st)
	}
	if st.ControlPlaneSecurityGroup == nil || st.WorkerSecurityGroup == nil || st.BastionSecurityGroup != nil {
		t.Fatalf("security groups: %+v %+v %+v", st.ControlPlaneSecurityGroup, st.WorkerSecurityGroup, st.BastionSecurityGroup)
	}
	lb := st.APIServerLoadBalancer
	if lb == nil || lb.IP == "" || lb.IP == lb.InternalIP {
		t.Fatalf("load balancer without a floating IP: %+v", lb)
	}
	ep := osc.Spec.ControlPlaneEndpoint
	if ep == nil || ep.Host != lb.IP || ep.Port != 6443 {
		t.Fatalf("endpoint = %+v, want %s:6443", ep, lb.IP)
	}
	if !ptr.Deref(st.Initialization.Provisioned, false) {
		t.Fatalf("not provisioned: %+v", st)
	}
	var zones []string
	for _, fd := range st.FailureDomains {
		if ptr.Deref(fd.ControlPlane, false) {
			zones = append(zones, fd.Name)
		}
	}
	if strings.Join(zones, ",") != "az1,az2,az3" {
		t.Fatalf("control-plane failure domains = %v, want the simulator's az1..az3", st.FailureDomains)
	}
	wantCIDRs := []string{"192.0.2.0/24", st.Router.IPs[0] + "/32"}
	if strings.Join(lb.AllowedCIDRs, ",") != strings.Join(wantCIDRs, ",") {
		t.Fatalf("allowed CIDRs = %v, want %v", lb.AllowedCIDRs, wantCIDRs)
	}

	// Steady state: a resync reads the load balancer and nothing else; the availability zones
	// come from the credential's cache (the scale benchmark found a list per cluster per resync).
	quiesce(t)
	sim.ResetCounts()
	touch(t, osc)
	time.Sleep(2 * time.Second)
	counts := sim.Counts()
	if counts.Writes() != 0 || counts.Total() != 1 || !strings.Contains(fmt.Sprint(counts), "/loadbalancers/{id}") {
		t.Fatalf("steady-state resync made %d calls (%d writes): %v; want one load balancer GET", counts.Total(), counts.Writes(), counts)
	}
	deleteAndCheckLeaks(t, osc)
}

// quiesce waits until no OpenStack call has been made for a second, so reconciles that were
// already under way do not count against the next measurement.
func quiesce(t *testing.T) {
	t.Helper()
	last := -1
	eventually(t, 30*time.Second, func() (bool, string) {
		n := sim.Counts().Total()
		quiet := n == last
		last = n
		time.Sleep(time.Second)
		return quiet, fmt.Sprintf("still %d calls", n)
	})
}

// touch changes an annotation, which makes the controller reconcile without a spec change.
func touch(t *testing.T, obj client.Object) {
	t.Helper()
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann["test/touched"] = time.Now().String()
	obj.SetAnnotations(ann)
	if err := env.Client.Patch(context.Background(), obj, patch); err != nil {
		t.Fatal(err)
	}
}

// TestClusterStatusLostIsReadopted: after status is wiped (as by clusterctl move), the next
// reconciles find everything again by name and tags and create nothing.
func TestClusterStatusLostIsReadopted(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "moved", managedLBSpec("10.7.0.0/24"))
	waitReady(t, osc)
	before := len(sim.Inventory())

	sim.ResetCounts()
	osc.Status = infrav1.OpenStackClusterStatus{}
	if err := env.Client.Status().Update(context.Background(), osc); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() (bool, string) {
		waitReady(t, osc)
		st := osc.Status
		return st.Network != nil && st.APIServerLoadBalancer != nil && st.Router != nil && st.ControlPlaneSecurityGroup != nil,
			fmt.Sprintf("status not rebuilt: %+v", st)
	})
	if after := len(sim.Inventory()); after != before {
		t.Fatalf("re-adoption changed the inventory from %d to %d resources", before, after)
	}
	for k, n := range sim.Counts() {
		if strings.HasPrefix(k, "POST") && !strings.Contains(k, "/auth/tokens") {
			t.Errorf("re-adoption created something: %s x%d", k, n)
		}
	}
	deleteAndCheckLeaks(t, osc)
}

// TestClusterWithoutLoadBalancer: the API server gets a floating IP of its own.
func TestClusterWithoutLoadBalancer(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "nolb", infrav1.OpenStackClusterSpec{
		ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: "10.8.0.0/24"}},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
	})
	waitReady(t, osc)
	if osc.Status.APIServerLoadBalancer != nil || osc.Spec.ControlPlaneEndpoint == nil || osc.Spec.ControlPlaneEndpoint.Host == "" {
		t.Fatalf("want a floating IP endpoint and no load balancer: %+v %+v", osc.Spec.ControlPlaneEndpoint, osc.Status.APIServerLoadBalancer)
	}
	deleteAndCheckLeaks(t, osc)
}

// TestClusterFaultsConverge: 500s, 409s, 429s with Retry-After and a "503 but created" on the
// load balancer still end in one Ready cluster, without duplicates or leaks.
func TestClusterFaultsConverge(t *testing.T) {
	faults := []simulator.Fault{
		{Method: "POST", Path: "networks$", Action: simulator.FaultApplyThenError, Status: 503, First: 1},
		{Method: "POST", Path: "routers$", Action: simulator.FaultError, Status: 500, First: 1},
		{Method: "POST", Path: "loadbalancers$", Action: simulator.FaultApplyThenError, Status: 503, First: 1},
		{Method: "GET", Path: "loadbalancers/\\{id\\}$", Action: simulator.FaultRateLimit, RetryAfter: 1, First: 2},
		{Method: "POST", Path: "listeners$", Action: simulator.FaultError, Status: 409, First: 1},
	}
	for _, f := range faults {
		if err := sim.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(sim.ClearFaults)
	ns := newNamespace(t)
	osc := newCluster(t, ns, "faulty", managedLBSpec("10.9.0.0/24"))
	waitReady(t, osc)
	owner := cloud.ClusterTag(ns, osc.Name)
	kinds := map[string]int{}
	for _, r := range sim.Inventory() {
		if cloud.HasTag(r.Tags, owner) {
			kinds[r.Type]++
		}
	}
	for _, k := range []string{"network", "router", "loadbalancer"} {
		if kinds[k] != 1 {
			t.Errorf("%d %ss exist, want exactly 1 (inventory by type: %v)", kinds[k], k, kinds)
		}
	}
	deleteAndCheckLeaks(t, osc)
}
