package e2e

import (
	"bytes"
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

// TestClusterClassTopology applies templates/clusterclass-openstack-kubeadm.yaml and a Cluster
// rendered from templates/cluster-template-topology.yaml, all at once as GitOps tools do, with
// Cluster API's managed topology controllers running: the topology controller creates the
// OpenStackCluster and machine templates from the class with the Cluster's variables patched
// in, our controllers build the cloud side, and the first control-plane server boots with the
// kubeadm init data as the load balancer's member. Changing a variable (the worker flavor)
// makes Cluster API rotate the worker OpenStackMachineTemplate, which our immutability webhook
// must allow. Deleting the Cluster removes everything.
func TestClusterClassTopology(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "topology")
	const name = "topo"
	tag := cloud.ClusterTag(ns, name)

	class := render(t, "clusterclass-openstack-kubeadm.yaml", name, ns, nil)
	objs := render(t, "cluster-template-topology.yaml", name, ns, map[string]string{"WORKER_MACHINE_COUNT": "1"})
	createAll(t, append(class, objs...))
	step("applied the ClusterClass (%d objects) and the Cluster (%d objects)", len(class), len(objs))

	osc := waitClusterInfrastructureReady(t, ns, name)
	if osc.Spec.IdentityRef.Name != name+"-cloud-config" || osc.Spec.IdentityRef.CloudName != framework.CloudName ||
		osc.Spec.ExternalNetwork == nil || ptr.Deref(osc.Spec.ExternalNetwork.ID, "") != f.ExternalNetworkID {
		t.Errorf("variables not patched into the OpenStackCluster: identityRef %+v, externalNetwork %+v", osc.Spec.IdentityRef, osc.Spec.ExternalNetwork)
	}
	step("OpenStackCluster %s from the class Ready, endpoint %s", osc.Name, osc.Spec.ControlPlaneEndpoint.Host)

	var cp clusterv1.Machine
	eventually(t, 60*time.Second, func() (bool, string) {
		for _, m := range machines(t, ns, name) {
			if _, ok := m.Labels[clusterv1.MachineControlPlaneLabel]; ok {
				cp = m
			}
		}
		return cp.Spec.ProviderID != "" && cp.Spec.Bootstrap.DataSecretName != nil,
			fmt.Sprintf("control-plane Machine %q: providerID %q, phase %q", cp.Name, cp.Spec.ProviderID, cp.Status.Phase)
	})
	osm := &infrav1.OpenStackMachine{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: cp.Spec.InfrastructureRef.Name}, osm); err != nil {
		t.Fatal(err)
	}
	if got := filterName(osm.Spec.Flavor); got != framework.ControlPlaneFlavor {
		t.Errorf("control-plane machine flavor %q, want the controlPlaneFlavor variable %q", got, framework.ControlPlaneFlavor)
	}
	if got := imageName(osm.Spec.Image); got != framework.Image {
		t.Errorf("control-plane machine image %q, want the imageName variable %q", got, framework.Image)
	}
	secret := &corev1.Secret{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: *cp.Spec.Bootstrap.DataSecretName}, secret); err != nil {
		t.Fatal(err)
	}
	srv, err := f.GetServer(ctx, serverID(cp.Spec.ProviderID))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(srv.UserData, secret.Data["value"]) || !bytes.Contains(srv.UserData, []byte("kubeadm init")) {
		t.Errorf("server %s does not boot with the control plane's kubeadm init data", srv.ID)
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		members := f.Resources("member", tag)
		return len(members) == 1, fmt.Sprintf("load balancer members %+v", members)
	})
	step("control-plane server %s boots with kubeadm init data and is the load balancer's member", srv.ID)

	// The worker class's template carries the worker variables.
	md := workerDeployment(t, ns, name)
	first := md.Spec.Template.Spec.InfrastructureRef.Name
	if got := templateFlavor(t, ns, first); got != framework.NodeFlavor {
		t.Errorf("worker template %s flavor %q, want the workerFlavor variable %q", first, got, framework.NodeFlavor)
	}

	// A variable change rotates the worker template (OpenStackMachineTemplates are immutable).
	const newFlavor = "m1.large"
	cluster := &clusterv1.Cluster{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cluster); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cluster.DeepCopy())
	for i, v := range cluster.Spec.Topology.Variables {
		if v.Name == "workerFlavor" {
			cluster.Spec.Topology.Variables[i].Value.Raw = []byte(`"` + newFlavor + `"`)
		}
	}
	if err := f.Client.Patch(ctx, cluster, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() (bool, string) {
		md = workerDeployment(t, ns, name)
		ref := md.Spec.Template.Spec.InfrastructureRef.Name
		return ref != first && templateFlavor(t, ns, ref) == newFlavor,
			fmt.Sprintf("worker MachineDeployment uses template %s (first %s)", ref, first)
	})
	step("workerFlavor=%s rotated the worker template to %s", newFlavor, md.Spec.Template.Spec.InfrastructureRef.Name)

	deleteClusterAndCheck(t, ns, name, tag, 120*time.Second)
	step("cluster deleted, nothing left in the simulator")
}

// workerDeployment is the one MachineDeployment of a topology cluster.
func workerDeployment(t *testing.T, ns, cluster string) clusterv1.MachineDeployment {
	t.Helper()
	list := &clusterv1.MachineDeploymentList{}
	if err := f.Client.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{clusterv1.ClusterNameLabel: cluster}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d MachineDeployments for cluster %s, want 1", len(list.Items), cluster)
	}
	return list.Items[0]
}

// templateFlavor is the flavor name of an OpenStackMachineTemplate.
func templateFlavor(t *testing.T, ns, name string) string {
	t.Helper()
	tpl := &infrav1.OpenStackMachineTemplate{}
	if err := f.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, tpl); err != nil {
		t.Fatal(err)
	}
	return filterName(tpl.Spec.Template.Spec.Flavor)
}

func filterName(p infrav1.FlavorParam) string {
	if p.Filter == nil {
		return ""
	}
	return ptr.Deref(p.Filter.Name, "")
}

func imageName(p infrav1.ImageParam) string {
	if p.Filter == nil {
		return ""
	}
	return ptr.Deref(p.Filter.Name, "")
}
