package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// TestPausedClusterMakesNoOpenStackCalls pauses a provisioned cluster (API endpoint on a
// floating IP held by the control-plane machine, one worker) with Cluster.spec.paused, and
// while it is paused touches every object of it, scales its MachineDeployment up and deletes
// a worker Machine: the simulator receives no request at all. Unpausing carries out what was
// asked in the meantime. Not parallel: it reads the simulator's process-wide counters.
func TestPausedClusterMakesNoOpenStackCalls(t *testing.T) {
	simulatorOnly(t)
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "pause")
	const name, md = "beta", "beta-md-0"
	tag := cloud.ClusterTag(ns, name)

	createBootstrapData(t, ns, name, "beta-bootstrap")
	createCluster(t, ns, name, clusterSpec(infrav1.APIServer{EnableFloatingIP: ptr.To(true)}))
	createControlPlaneMachine(t, ns, name, "beta-cp-0", "", "beta-bootstrap")
	createMachineDeployment(t, ns, name, md, 1, "beta-bootstrap")
	waitMachinesProvisioned(t, ns, name, 2, 90*time.Second)
	step("cluster and 2 Machines provisioned")
	// The control-plane machine holds the API floating IP.
	eventually(t, 30*time.Second, func() (bool, string) {
		osm := &infrav1.OpenStackMachine{}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "beta-cp-0"}, osm); err != nil {
			return false, err.Error()
		}
		c := apimeta.FindStatusCondition(osm.Status.Conditions, infrav1.APIServerMemberReadyCondition)
		return c != nil && c.Status == metav1.ConditionTrue, fmt.Sprintf("APIServerMemberReady %+v", c)
	})

	// Pause, and wait until every controller has seen it.
	setPaused(t, ns, name, true)
	waitPaused(t, ns, name, true)
	step("paused")
	f.Sim.ResetCounts()

	// Touch everything, scale up, delete a worker.
	touch := func(obj client.Object) {
		t.Helper()
		if err := f.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Fatal(err)
		}
		patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
		obj.SetAnnotations(map[string]string{"e2e.capo-ng.io/touched": time.Now().Format(time.RFC3339Nano)})
		if err := f.Client.Patch(ctx, obj, patch); err != nil {
			t.Fatal(err)
		}
	}
	touch(&infrav1.OpenStackCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
	var worker string
	for _, m := range machines(t, ns, name) {
		touch(&infrav1.OpenStackMachine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: m.Spec.InfrastructureRef.Name}})
		touch(&clusterv1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: m.Name}})
		if _, cp := m.Labels[clusterv1.MachineControlPlaneLabel]; !cp {
			worker = m.Name
		}
	}
	scale(t, ns, md, 3)
	if err := f.Client.Delete(ctx, &clusterv1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: worker}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if counts := f.Sim.Counts(); counts.Total() != 0 {
		t.Errorf("a paused cluster made %d OpenStack calls: %v", counts.Total(), counts)
	}
	if ms := machines(t, ns, name); len(ms) != 2 {
		t.Errorf("while paused the MachineDeployment's scale-up created Machines: %s", phases(ms))
	}
	if n := len(f.Resources("server", tag)); n != 2 {
		t.Errorf("while paused: %d servers, want 2", n)
	}
	step("4s paused: no OpenStack call, no new Machine, the deleted worker's server is still there")

	setPaused(t, ns, name, false)
	waitPaused(t, ns, name, false)
	waitMachinesProvisioned(t, ns, name, 4, 90*time.Second)
	eventually(t, 30*time.Second, func() (bool, string) {
		n := len(f.Resources("server", tag))
		return n == 4, fmt.Sprintf("%d servers, want 4", n)
	})
	assertServersMatchMachines(t, ns, name, tag)
	for _, m := range machines(t, ns, name) {
		if m.Name == worker {
			t.Errorf("the worker deleted while paused is still there")
		}
	}
	step("unpaused: scaled to 3 workers, the deleted worker's server is gone")

	deleteClusterAndCheck(t, ns, name, tag, 90*time.Second)
	step("cluster deleted, nothing left in the simulator")
}

func setPaused(t *testing.T, ns, name string, paused bool) {
	t.Helper()
	cluster := &clusterv1.Cluster{}
	if err := f.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cluster); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cluster.DeepCopy())
	cluster.Spec.Paused = ptr.To(paused)
	if err := f.Client.Patch(context.Background(), cluster, patch); err != nil {
		t.Fatal(err)
	}
}

// waitPaused waits until the Paused condition of the cluster's OpenStackCluster,
// OpenStackMachines and Machines says paused.
func waitPaused(t *testing.T, ns, cluster string, paused bool) {
	t.Helper()
	want := metav1.ConditionFalse
	if paused {
		want = metav1.ConditionTrue
	}
	ctx := context.Background()
	eventually(t, 30*time.Second, func() (bool, string) {
		var objs []interface {
			client.Object
			GetConditions() []metav1.Condition
		}
		osc := &infrav1.OpenStackCluster{}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: cluster}, osc); err != nil {
			return false, err.Error()
		}
		objs = append(objs, osc)
		osms := &infrav1.OpenStackMachineList{}
		if err := f.Client.List(ctx, osms, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for i := range osms.Items {
			objs = append(objs, &osms.Items[i])
		}
		for _, m := range machines(t, ns, cluster) {
			if m.DeletionTimestamp.IsZero() {
				objs = append(objs, &m)
			}
		}
		for _, o := range objs {
			c := apimeta.FindStatusCondition(o.GetConditions(), clusterv1.PausedCondition)
			if c == nil || c.Status != want {
				return false, fmt.Sprintf("%T %s: Paused %+v, want %s", o, o.GetName(), c, want)
			}
		}
		return true, ""
	})
}

// waitMachinesProvisioned waits until a cluster has n Machines, all Provisioned (no Nodes
// here) with a providerID.
func waitMachinesProvisioned(t *testing.T, ns, cluster string, n int, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() (bool, string) {
		ms := machines(t, ns, cluster)
		ok := len(ms) == n
		for _, m := range ms {
			ok = ok && m.Status.Phase == string(clusterv1.MachinePhaseProvisioned) && m.Spec.ProviderID != "" && len(m.Status.Addresses) > 0
		}
		return ok, fmt.Sprintf("%d Machines, want %d Provisioned:%s", len(ms), n, phases(ms))
	})
}
