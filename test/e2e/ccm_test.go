package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

// TestMachineFindsNodeNamedByCloudControllerManager checks the providerID contract with the
// Nodes of a real cluster built from our templates: kubelets run with cloud-provider=external,
// so the OpenStack cloud controller manager sets each Node's providerID, by default
// "openstack:///<server-id>", and Cluster API links a Machine to its Node only when
// Machine.spec.providerID (copied from our OpenStackMachine) is the very same string.
func TestMachineFindsNodeNamedByCloudControllerManager(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "ccm")
	const name = "epsilon"
	tag := cloud.ClusterTag(ns, name)

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "epsilon-bootstrap")
	createCluster(t, ns, name, clusterSpec(infrav1.APIServer{EnableFloatingIP: ptr.To(true)}))
	createControlPlaneMachine(t, ns, name, "epsilon-cp-0", "", "epsilon-bootstrap")
	kubelets := f.StartKubelets(ctx, ns, name, framework.WithNodeProviderID(framework.OCCMProviderID))
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	waitMachinesProvisioned(t, ns, name, 1, 90*time.Second)
	step("Machine provisioned")

	t.Run("Machine links to its Node", func(t *testing.T) {
		machine := machines(t, ns, name)[0]
		node := &corev1.Node{}
		eventually(t, 15*time.Second, func() (bool, string) {
			err := f.Client.Get(ctx, client.ObjectKey{Name: kubelets.NodeName(machine.Name)}, node)
			return err == nil, fmt.Sprintf("Node of %s: %v", machine.Name, err)
		})
		if machine.Spec.ProviderID != node.Spec.ProviderID {
			t.Fatalf("Machine providerID %q is not the Node's %q set by the OpenStack cloud controller manager (default, OS_CCM_REGIONAL unset)",
				machine.Spec.ProviderID, node.Spec.ProviderID)
		}
		eventually(t, 30*time.Second, func() (bool, string) {
			m := &clusterv1.Machine{}
			if err := f.Client.Get(ctx, client.ObjectKeyFromObject(&machine), m); err != nil {
				return false, err.Error()
			}
			return m.Status.NodeRef.Name == node.Name && m.Status.Phase == string(clusterv1.MachinePhaseRunning),
				fmt.Sprintf("Machine %s: phase %q, nodeRef %+v", m.Name, m.Status.Phase, m.Status.NodeRef)
		})
	})

	deleteClusterAndCheck(t, ns, name, tag, 90*time.Second)
	step("cluster deleted, nothing left in the simulator")
}
