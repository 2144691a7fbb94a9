package e2e

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// TestClusterLifecycle drives a cluster through the real Cluster API controllers: a Cluster
// with an Octavia API load balancer, three control-plane Machines spread over the
// simulator's three availability zones (what a control-plane provider does) and a worker
// MachineDeployment, all with ready-made bootstrap data. Emulated kubelets register a Node per
// providerID, so Cluster API takes every Machine to Running. The MachineDeployment is then
// scaled 3 → 10 → 1 through its scale subresource (as kubectl scale and the cluster
// autoscaler do) and the simulator's servers follow exactly, then 1 → 6 → 1 while the new
// servers are still building; deleting the Cluster removes every object (no finalizer left)
// and every OpenStack resource of the cluster.
func TestClusterLifecycle(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "lifecycle")
	const name, md = "alpha", "alpha-md-0"
	tag := cloud.ClusterTag(ns, name)
	zones := []string{"az1", "az2", "az3"}

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "alpha-bootstrap")
	createCluster(t, ns, name, clusterSpec(infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{Enabled: ptr.To(true)}}))
	for i, az := range zones {
		createControlPlaneMachine(t, ns, name, fmt.Sprintf("alpha-cp-%d", i), az, "alpha-bootstrap")
	}
	createMachineDeployment(t, ns, name, md, 3, "alpha-bootstrap")
	kubelets := f.StartKubelets(ctx, ns, name)
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	step("created the cluster")

	// The Cluster is provisioned from the OpenStackCluster: endpoint and failure domains.
	cluster := &clusterv1.Cluster{}
	eventually(t, 60*time.Second, func() (bool, string) {
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cluster); err != nil {
			return false, err.Error()
		}
		init := cluster.Status.Initialization
		return ptr.Deref(init.InfrastructureProvisioned, false) && cluster.Spec.ControlPlaneEndpoint.IsValid() &&
				cluster.Status.Phase == string(clusterv1.ClusterPhaseProvisioned) && len(cluster.Status.FailureDomains) == 3,
			fmt.Sprintf("cluster phase %q, initialization %+v, endpoint %+v, failure domains %+v",
				cluster.Status.Phase, init, cluster.Spec.ControlPlaneEndpoint, cluster.Status.FailureDomains)
	})
	if c := apimeta.FindStatusCondition(cluster.Status.Conditions, clusterv1.ClusterInfrastructureReadyCondition); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Cluster InfrastructureReady (mirroring the OpenStackCluster's Ready) is %+v", c)
	}
	var fds []string
	for _, fd := range cluster.Status.FailureDomains {
		fds = append(fds, fd.Name)
	}
	if !slices.Equal(fds, zones) {
		t.Errorf("Cluster failure domains %v, want the simulator's zones %v", fds, zones)
	}
	if lbs := f.Resources("loadbalancer", tag); len(lbs) != 1 {
		t.Errorf("%d load balancers tagged %s, want 1: %+v", len(lbs), tag, lbs)
	}
	if fips := f.Resources("floating_ip", tag); len(fips) != 1 {
		t.Errorf("want the API floating IP, got %+v", fips)
	}
	step("cluster Provisioned, endpoint %s:%d", cluster.Spec.ControlPlaneEndpoint.Host, cluster.Spec.ControlPlaneEndpoint.Port)
	t.Run("OpenStackCluster events", func(t *testing.T) {
		var lb *eventsv1.Event
		var network bool
		eventually(t, 15*time.Second, func() (bool, string) {
			evs := eventsFor(t, ns, "OpenStackCluster", name)
			for i, e := range evs {
				switch {
				case e.Reason == "LoadBalancerCreated":
					lb = &evs[i]
				case e.Reason == "NetworkCreated":
					network = true
				}
			}
			return lb != nil, fmt.Sprintf("no Created event for the load balancer among %d events", len(evs))
		})
		var problems []string
		if lb.Type != corev1.EventTypeNormal {
			problems = append(problems, fmt.Sprintf("the load balancer's Created event is a %s, want Normal", lb.Type))
		}
		if !network {
			problems = append(problems, "no Created event for the network, router or security groups")
		}
		if len(problems) > 0 {
			t.Error(strings.Join(problems, "; "))
		}
	})

	// Every Machine runs: a server, a providerID, addresses, a Node.
	waitMachines(t, ns, name, 6, 90*time.Second)
	step("6 Machines Running")
	seen := map[string]bool{}
	for _, m := range machines(t, ns, name) {
		srv, err := f.GetServer(ctx, serverID(m.Spec.ProviderID))
		if err != nil {
			t.Fatalf("Machine %s: server of providerID %q: %v", m.Name, m.Spec.ProviderID, err)
		}
		if len(m.Status.Addresses) == 0 || m.Status.NodeRef.Name != kubelets.NodeName(m.Name) {
			t.Errorf("Machine %s: addresses %v, nodeRef %+v", m.Name, m.Status.Addresses, m.Status.NodeRef)
		}
		if srv.Status != "ACTIVE" || srv.AvailabilityZone != m.Status.FailureDomain || !slices.Contains(srv.Tags, tag) {
			t.Errorf("Machine %s (failure domain %q): server %s is %s in %q with tags %v", m.Name, m.Status.FailureDomain, srv.ID, srv.Status, srv.AvailabilityZone, srv.Tags)
		}
		if _, cp := m.Labels[clusterv1.MachineControlPlaneLabel]; cp {
			seen[m.Status.FailureDomain] = true
			if m.Status.FailureDomain != m.Spec.FailureDomain {
				t.Errorf("control-plane Machine %s asked for %q and reports %q", m.Name, m.Spec.FailureDomain, m.Status.FailureDomain)
			}
		}
		if string(srv.UserData) != "#cloud-config\nruncmd: [echo alpha-bootstrap]\n" {
			t.Errorf("server %s user data %q is not the Machine's bootstrap data", srv.ID, srv.UserData)
		}
	}
	if len(seen) != 3 {
		t.Errorf("the control plane is in %d failure domains (%v), want all 3", len(seen), seen)
	}
	// Control-plane machines are the load balancer's members; workers are not.
	if members := f.Resources("member", tag); len(members) != 3 {
		t.Errorf("%d load balancer members, want one per control-plane machine: %+v", len(members), members)
	}
	// The MachineDeployment made the Cluster own the template; the template publishes capacity.
	eventually(t, 30*time.Second, func() (bool, string) {
		tpl := &infrav1.OpenStackMachineTemplate{}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: md}, tpl); err != nil {
			return false, err.Error()
		}
		cpu := tpl.Status.Capacity.Cpu()
		return cpu != nil && cpu.Value() == 1, fmt.Sprintf("template capacity %v, conditions %+v", tpl.Status.Capacity, tpl.Status.Conditions)
	})

	// Scale the workers 3 → 10 → 1; the servers follow exactly, never overshooting.
	for _, replicas := range []int32{10, 1} {
		before := len(f.Resources("server", tag))
		scale(t, ns, md, replicas)
		want := 3 + int(replicas)
		lo, hi := min(before, want), max(before, want)
		eventually(t, 120*time.Second, func() (bool, string) {
			n := len(f.Resources("server", tag))
			if n < lo || n > hi {
				t.Fatalf("scaling to %d: %d servers, outside [%d, %d]", replicas, n, lo, hi)
			}
			ms := machines(t, ns, name)
			running := 0
			for _, m := range ms {
				if m.Status.Phase == string(clusterv1.MachinePhaseRunning) {
					running++
				}
			}
			return n == want && len(ms) == want && running == want,
				fmt.Sprintf("%d servers, %d Machines, %d Running, want %d:%s", n, len(ms), running, want, phases(ms))
		})
		assertServersMatchMachines(t, ns, name, tag)
		eventually(t, 30*time.Second, func() (bool, string) {
			d := &clusterv1.MachineDeployment{}
			if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: md}, d); err != nil {
				return false, err.Error()
			}
			st := d.Status
			return ptr.Deref(st.Replicas, -1) == replicas && ptr.Deref(st.ReadyReplicas, -1) == replicas && ptr.Deref(st.AvailableReplicas, -1) == replicas,
				fmt.Sprintf("MachineDeployment status replicas %v ready %v available %v, want %d",
					ptr.Deref(st.Replicas, -1), ptr.Deref(st.ReadyReplicas, -1), ptr.Deref(st.AvailableReplicas, -1), replicas)
		})
		step("scaled %s to %d: %d servers", md, replicas, want)
	}
	if err := kubelets.Err(); err != nil {
		t.Errorf("registering Nodes: %v", err)
	}

	// A flapping autoscaler: scale up, and back down while the new servers are being built.
	// Cluster API deletes the newest Machines first (no Node yet); the provider must delete
	// servers it is still creating and leave exactly the four that run.
	scale(t, ns, md, 6)
	eventually(t, 30*time.Second, func() (bool, string) {
		n := len(f.Resources("server", tag))
		return n > 4, fmt.Sprintf("%d servers, waiting for the scale-up to start building", n)
	})
	scale(t, ns, md, 1)
	eventually(t, 90*time.Second, func() (bool, string) {
		n, ms := len(f.Resources("server", tag)), machines(t, ns, name)
		return n == 4 && len(ms) == 4, fmt.Sprintf("%d servers, %d Machines, want 4:%s", n, len(ms), phases(ms))
	})
	assertServersMatchMachines(t, ns, name, tag)
	waitMachines(t, ns, name, 4, 30*time.Second)
	step("scaled to 6 and back to 1 mid-build: 4 servers")

	deleteClusterAndCheck(t, ns, name, tag, 90*time.Second)
	step("cluster deleted, nothing left in the simulator")
}

// waitMachines waits until a cluster has n Machines, all Running with a providerID and Ready
// by Cluster API's reckoning: our OpenStackMachine's Ready condition mirrored as
// InfrastructureReady, and the Node healthy.
func waitMachines(t *testing.T, ns, cluster string, n int, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() (bool, string) {
		ms := machines(t, ns, cluster)
		if len(ms) != n {
			return false, fmt.Sprintf("%d Machines, want %d:%s", len(ms), n, phases(ms))
		}
		for _, m := range ms {
			if m.Status.Phase != string(clusterv1.MachinePhaseRunning) || m.Spec.ProviderID == "" || !m.Status.NodeRef.IsDefined() {
				return false, fmt.Sprintf("want %d Running:%s", n, phases(ms))
			}
			for _, typ := range []string{clusterv1.MachineInfrastructureReadyCondition, clusterv1.MachineNodeHealthyCondition, clusterv1.MachineReadyCondition} {
				if c := apimeta.FindStatusCondition(m.Status.Conditions, typ); c == nil || c.Status != metav1.ConditionTrue {
					return false, fmt.Sprintf("Machine %s: %s is %+v", m.Name, typ, c)
				}
			}
		}
		return true, ""
	})
}

// assertServersMatchMachines checks that the cluster's servers are exactly its Machines'.
func assertServersMatchMachines(t *testing.T, ns, cluster, tag string) {
	t.Helper()
	var servers, providerIDs []string
	for _, r := range f.Resources("server", tag) {
		servers = append(servers, r.ID)
	}
	for _, m := range machines(t, ns, cluster) {
		providerIDs = append(providerIDs, serverID(m.Spec.ProviderID))
	}
	sort.Strings(servers)
	sort.Strings(providerIDs)
	if !slices.Equal(servers, providerIDs) {
		t.Errorf("servers %v, Machines' providerIDs %v", servers, providerIDs)
	}
}
