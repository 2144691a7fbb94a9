package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// TestRolloutReplacesServers changes a MachineDeployment's infrastructure template (a new
// OpenStackMachineTemplate with a bigger flavor, as users must: templates are immutable).
// Cluster API's rolling update (one surge, none unavailable) replaces every worker: each old
// server is deleted, each new one runs the new flavor, and the cluster never has more than one
// extra worker server at a time.
func TestRolloutReplacesServers(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "rollout")
	const name, md, replicas = "zeta", "zeta-md-0", 3
	tag := cloud.ClusterTag(ns, name)

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "zeta-bootstrap")
	createCluster(t, ns, name, clusterSpec(infrav1.APIServer{EnableFloatingIP: ptr.To(true)}))
	createControlPlaneMachine(t, ns, name, "zeta-cp-0", "", "zeta-bootstrap")
	createMachineDeployment(t, ns, name, md, replicas, "zeta-bootstrap")
	kubelets := f.StartKubelets(ctx, ns, name)
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	waitMachines(t, ns, name, 1+replicas, 120*time.Second)
	old := workerServers(t, ns, name, md)
	step("%d workers running on servers %v", replicas, old)

	const newFlavor = "m1.medium"
	create(t, &infrav1.OpenStackMachineTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: md + "-v2", Namespace: ns},
		Spec:       infrav1.OpenStackMachineTemplateSpec{Template: infrav1.OpenStackMachineTemplateResource{Spec: machineSpec(newFlavor)}},
	})
	d := &clusterv1.MachineDeployment{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: md}, d); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Template.Spec.InfrastructureRef.Name = md + "-v2"
	if err := f.Client.Patch(ctx, d, patch); err != nil {
		t.Fatal(err)
	}

	peak := 0
	eventually(t, 180*time.Second, func() (bool, string) {
		n := len(f.Resources("server", tag))
		peak = max(peak, n)
		if n > 1+replicas+1 {
			t.Fatalf("%d servers during the rollout: more than one surge server", n)
		}
		now := workerServers(t, ns, name, md)
		for _, id := range old {
			if slices.Contains(now, id) {
				return false, fmt.Sprintf("old server %s still a worker; workers %v", id, now)
			}
		}
		if len(now) != replicas || n != 1+replicas {
			return false, fmt.Sprintf("%d workers, %d servers", len(now), n)
		}
		for _, m := range machines(t, ns, name) {
			if m.Labels[clusterv1.MachineDeploymentNameLabel] != md {
				continue
			}
			osm := &infrav1.OpenStackMachine{}
			if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: m.Spec.InfrastructureRef.Name}, osm); err != nil {
				return false, err.Error()
			}
			if got := filterName(osm.Spec.Flavor); got != newFlavor || m.Status.Phase != string(clusterv1.MachinePhaseRunning) {
				return false, fmt.Sprintf("worker %s flavor %q phase %q", m.Name, got, m.Status.Phase)
			}
		}
		return true, ""
	})
	for _, id := range old {
		for _, r := range f.Sim.Inventory() {
			if r.ID == id {
				t.Errorf("old server %s still exists after the rollout", id)
			}
		}
	}
	step("rolled out to %s: %d new servers, peak %d servers", newFlavor, replicas, peak)

	deleteClusterAndCheck(t, ns, name, tag, 120*time.Second)
}

// workerServers are the server IDs of a MachineDeployment's Machines.
func workerServers(t *testing.T, ns, cluster, md string) []string {
	t.Helper()
	var ids []string
	for _, m := range machines(t, ns, cluster) {
		if m.Labels[clusterv1.MachineDeploymentNameLabel] == md && m.Spec.ProviderID != "" {
			ids = append(ids, serverID(m.Spec.ProviderID))
		}
	}
	slices.Sort(ids)
	return ids
}
