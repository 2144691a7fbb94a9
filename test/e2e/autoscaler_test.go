package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

// The annotations the cluster autoscaler's Cluster API provider reads and writes.
const (
	autoscalerMin   = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"
	autoscalerMax   = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"
	deleteMachineAt = clusterv1.DeleteMachineAnnotation
)

// TestAutoscalerScalesFromZeroAndDeletesTheChosenMachine does what the cluster autoscaler's
// Cluster API provider does (the autoscaler itself cannot be fetched here): it finds the node
// group by the MachineDeployment's min/max annotations; at zero replicas it builds the node
// it would get from the OpenStackMachineTemplate's status.capacity and status.nodeInfo (read
// as unstructured, through the CRD's contract label, as the autoscaler does); it scales up
// through the scale subresource; then it picks one Node to remove, marks the Machine behind
// it (by providerID) with the delete-machine annotation and lowers replicas by one. Exactly
// that Machine's server must go; the others must not be touched.
func TestAutoscalerScalesFromZeroAndDeletesTheChosenMachine(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "autoscaler")
	const name, md = "epsilon", "epsilon-md-0"
	tag := cloud.ClusterTag(ns, name)

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "epsilon-bootstrap")
	createCluster(t, ns, name, clusterSpec(infrav1.APIServer{EnableFloatingIP: ptr.To(true)}))
	createControlPlaneMachine(t, ns, name, "epsilon-cp-0", "", "epsilon-bootstrap")
	createMachineDeployment(t, ns, name, md, 0, "epsilon-bootstrap")
	deployment := &clusterv1.MachineDeployment{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: md}, deployment); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(deployment.DeepCopy())
	deployment.Annotations = map[string]string{autoscalerMin: "0", autoscalerMax: "4"}
	// Newest first: without the annotation, Cluster API would delete the last worker made.
	deployment.Spec.Deletion.Order = clusterv1.NewestMachineSetDeletionOrder
	if err := f.Client.Patch(ctx, deployment, patch); err != nil {
		t.Fatal(err)
	}
	kubelets := f.StartKubelets(ctx, ns, name)
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	waitMachines(t, ns, name, 1, 90*time.Second)
	step("cluster up, %s at 0 replicas", md)

	// The node group and its bounds.
	minSize, maxSize := nodeGroupBounds(t, ns, md)
	if minSize != 0 || maxSize != 4 {
		t.Fatalf("node group bounds %d..%d, want 0..4", minSize, maxSize)
	}

	// Scale from zero: the template node from the infrastructure template's status.
	var capacity corev1.ResourceList
	var arch, osName string
	eventually(t, 30*time.Second, func() (bool, string) {
		capacity, arch, osName = templateNode(t, ns, md)
		return capacity.Cpu().Value() == 1 && arch != "", fmt.Sprintf("template capacity %v, nodeInfo %q/%q", capacity, arch, osName)
	})
	if mem := capacity.Memory(); mem.Cmp(resource.MustParse("2048Mi")) != 0 {
		t.Errorf("template memory %s, want m1.small's 2048Mi", mem)
	}
	if disk, ok := capacity[corev1.ResourceEphemeralStorage]; !ok || disk.Cmp(resource.MustParse("20Gi")) != 0 {
		t.Errorf("template ephemeral storage %v, want m1.small's 20Gi", capacity)
	}
	if arch != "amd64" || osName != "linux" {
		t.Errorf("template nodeInfo %s/%s, want amd64/linux", arch, osName)
	}
	step("template node for scaling from zero: %v, %s/%s", capacity, arch, osName)

	// Scale up within the bounds, in two steps so that one worker is the newest.
	scale(t, ns, md, 2)
	waitMachines(t, ns, name, 3, 120*time.Second)
	older := machines(t, ns, name)
	scale(t, ns, md, 3)
	waitMachines(t, ns, name, 4, 120*time.Second)
	before := serverIDs(tag)
	step("scaled up to 2, then 3: %d servers", len(before))

	// Scale down: the autoscaler picks a Node (here one of the older workers, which the
	// Newest order would keep), finds its Machine by providerID, marks it and lowers replicas.
	nodes := &corev1.NodeList{}
	if err := f.Client.List(ctx, nodes, client.MatchingLabels{framework.NodeClusterLabel: ns + "." + name}); err != nil {
		t.Fatal(err)
	}
	var victim clusterv1.Machine
	for _, m := range older {
		if m.Labels[clusterv1.MachineDeploymentNameLabel] != md || victim.Name != "" {
			continue
		}
		for _, n := range nodes.Items {
			if n.Spec.ProviderID == m.Spec.ProviderID {
				victim = m
			}
		}
	}
	if victim.Name == "" {
		t.Fatal("no worker Machine matches a Node by providerID")
	}
	patch = client.MergeFrom(victim.DeepCopy())
	victim.Annotations = map[string]string{deleteMachineAt: time.Now().UTC().Format(time.RFC3339)}
	if err := f.Client.Patch(ctx, &victim, patch); err != nil {
		t.Fatal(err)
	}
	scale(t, ns, md, 2)
	gone := serverID(victim.Spec.ProviderID)
	eventually(t, 90*time.Second, func() (bool, string) {
		now := serverIDs(tag)
		return len(now) == 3 && !slices.Contains(now, gone) && len(machines(t, ns, name)) == 3,
			fmt.Sprintf("servers %v, want all of %v but %s", now, before, gone)
	})
	for _, id := range before {
		if id != gone && !slices.Contains(serverIDs(tag), id) {
			t.Errorf("server %s was deleted; only %s (Machine %s) was chosen", id, gone, victim.Name)
		}
	}
	step("scaled down by marking %s: exactly server %s deleted", victim.Name, gone)

	deleteClusterAndCheck(t, ns, name, tag, 120*time.Second)
}

// nodeGroupBounds reads a MachineDeployment's autoscaler bounds as the autoscaler does.
func nodeGroupBounds(t *testing.T, ns, md string) (int, int) {
	t.Helper()
	d := &clusterv1.MachineDeployment{}
	if err := f.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: md}, d); err != nil {
		t.Fatal(err)
	}
	lo, err1 := strconv.Atoi(d.Annotations[autoscalerMin])
	hi, err2 := strconv.Atoi(d.Annotations[autoscalerMax])
	if err1 != nil || err2 != nil {
		t.Fatalf("MachineDeployment %s is not a node group: annotations %v", md, d.Annotations)
	}
	return lo, hi
}

// templateNode reads the infrastructure template behind a MachineDeployment as unstructured:
// the version from the CRD's contract label, then status.capacity and status.nodeInfo.
func templateNode(t *testing.T, ns, md string) (corev1.ResourceList, string, string) {
	t.Helper()
	ctx := context.Background()
	d := &clusterv1.MachineDeployment{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: md}, d); err != nil {
		t.Fatal(err)
	}
	ref := d.Spec.Template.Spec.InfrastructureRef
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := f.Client.Get(ctx, client.ObjectKey{Name: "openstackmachinetemplates." + ref.APIGroup}, crd); err != nil {
		t.Fatal(err)
	}
	version := crd.Labels["cluster.x-k8s.io/"+clusterv1.GroupVersion.Version]
	if ref.Kind != "OpenStackMachineTemplate" || version == "" {
		t.Fatalf("infrastructure template %+v, CRD contract labels %v", ref, crd.Labels)
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(ref.APIGroup + "/" + version)
	u.SetKind(ref.Kind)
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, u); err != nil {
		t.Fatal(err)
	}
	raw, _, _ := unstructured.NestedStringMap(u.Object, "status", "capacity")
	capacity := corev1.ResourceList{}
	for k, v := range raw {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			t.Fatalf("status.capacity[%s] = %q: %v", k, v, err)
		}
		capacity[corev1.ResourceName(k)] = q
	}
	arch, _, _ := unstructured.NestedString(u.Object, "status", "nodeInfo", "architecture")
	osName, _, _ := unstructured.NestedString(u.Object, "status", "nodeInfo", "operatingSystem")
	return capacity, arch, osName
}

// serverIDs are the IDs of a cluster's servers in the simulator.
func serverIDs(tag string) []string {
	var ids []string
	for _, r := range f.Resources("server", tag) {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}
