package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// TestMachineHealthCheckReplacesUnhealthyWorker runs Cluster API's MachineHealthCheck over a
// MachineDeployment's workers: when a worker's Node stops being Ready, Cluster API deletes
// the Machine and its MachineSet creates a replacement; the provider deletes the old server
// and builds a new one, and nothing else moves.
func TestMachineHealthCheckReplacesUnhealthyWorker(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "healthcheck")
	const name, md = "delta", "delta-md-0"
	tag := cloud.ClusterTag(ns, name)

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "delta-bootstrap")
	createCluster(t, ns, name, clusterSpec(infrav1.APIServer{EnableFloatingIP: ptr.To(true)}))
	createControlPlaneMachine(t, ns, name, "delta-cp-0", "", "delta-bootstrap")
	createMachineDeployment(t, ns, name, md, 2, "delta-bootstrap")
	create(t, &clusterv1.MachineHealthCheck{
		ObjectMeta: metav1.ObjectMeta{Name: md, Namespace: ns},
		Spec: clusterv1.MachineHealthCheckSpec{
			ClusterName: name,
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{clusterv1.MachineDeploymentNameLabel: md}},
			Checks: clusterv1.MachineHealthCheckChecks{UnhealthyNodeConditions: []clusterv1.UnhealthyNodeCondition{
				{Type: corev1.NodeReady, Status: corev1.ConditionFalse, TimeoutSeconds: ptr.To[int32](1)},
			}},
		},
	})
	kubelets := f.StartKubelets(ctx, ns, name)
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	waitMachines(t, ns, name, 3, 90*time.Second)
	step("3 Machines Running")

	var sick clusterv1.Machine
	for _, m := range machines(t, ns, name) {
		if m.Labels[clusterv1.MachineDeploymentNameLabel] == md {
			sick = m
			break
		}
	}
	if err := kubelets.SetReady(ctx, sick.Name, false); err != nil {
		t.Fatal(err)
	}
	step("Node of %s (server %s) NotReady", sick.Name, serverID(sick.Spec.ProviderID))

	eventually(t, 90*time.Second, func() (bool, string) {
		ms := machines(t, ns, name)
		replaced, running := true, 0
		for _, m := range ms {
			if m.Name == sick.Name {
				replaced = false
			}
			if m.Status.Phase == string(clusterv1.MachinePhaseRunning) {
				running++
			}
		}
		n := len(f.Resources("server", tag))
		return replaced && len(ms) == 3 && running == 3 && n == 3,
			fmt.Sprintf("%d servers, %d Machines (%d Running), %s replaced: %v;%s", n, len(ms), running, sick.Name, replaced, phases(ms))
	})
	assertServersMatchMachines(t, ns, name, tag)
	for _, r := range f.Resources("server", tag) {
		if r.ID == serverID(sick.Spec.ProviderID) {
			t.Errorf("the unhealthy Machine's server %s is still there", r.ID)
		}
	}
	step("remediated: %s replaced, its server deleted, a new one Running", sick.Name)

	deleteClusterAndCheck(t, ns, name, tag, 90*time.Second)
	step("cluster deleted, nothing left in the simulator")
}
