package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

func machineSpec() infrav1.OpenStackMachineSpec {
	return infrav1.OpenStackMachineSpec{
		Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To("m1.small")}},
		Image:  infrav1.ImageParam{Filter: &infrav1.ImageFilter{Name: ptr.To("ubuntu-2404-kube-v1.36")}},
	}
}

// newMachine creates a bootstrap data Secret, a Machine and its OpenStackMachine, as Cluster
// API and a bootstrap provider would.
func newMachine(t *testing.T, ns, cluster, name string, controlPlane bool, spec infrav1.OpenStackMachineSpec) *infrav1.OpenStackMachine {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-bootstrap", Namespace: ns},
		Data:       map[string][]byte{"value": []byte("#cloud-config\nhostname: " + name + "\n")},
	}
	if err := env.Client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	return newMachineWith(t, ns, cluster, name, controlPlane, spec, clusterv1.Bootstrap{DataSecretName: ptr.To(secret.Name)})
}

// newMachineWith creates a Machine with the given bootstrap and its OpenStackMachine.
func newMachineWith(t *testing.T, ns, cluster, name string, controlPlane bool, spec infrav1.OpenStackMachineSpec, bootstrap clusterv1.Bootstrap) *infrav1.OpenStackMachine {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{clusterv1.ClusterNameLabel: cluster}
	if controlPlane {
		labels[clusterv1.MachineControlPlaneLabel] = ""
	}
	machine := &clusterv1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: clusterv1.MachineSpec{
			ClusterName:       cluster,
			Bootstrap:         bootstrap,
			InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackMachine", Name: name},
			FailureDomain:     "az2",
		},
	}
	if err := env.Client.Create(ctx, machine); err != nil {
		t.Fatal(err)
	}
	osm := &infrav1.OpenStackMachine{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: clusterv1.GroupVersion.String(), Kind: "Machine", Name: name, UID: machine.UID}},
		},
		Spec: spec,
	}
	if err := env.Client.Create(ctx, osm); err != nil {
		t.Fatal(err)
	}
	return osm
}

func waitCondition(t *testing.T, obj interface {
	client.Object
	conditionsObject
}, typ string, status metav1.ConditionStatus, reason string,
) *metav1.Condition {
	t.Helper()
	var found *metav1.Condition
	eventually(t, 60*time.Second, func() (bool, string) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, err.Error()
		}
		found = meta.FindStatusCondition(obj.GetConditions(), typ)
		if found == nil {
			return false, "no " + typ + " condition"
		}
		return found.Status == status && (reason == "" || found.Reason == reason) && found.ObservedGeneration == obj.GetGeneration(),
			fmt.Sprintf("%s=%s %s: %s (observed generation %d of %d)", typ, found.Status, found.Reason, found.Message, found.ObservedGeneration, obj.GetGeneration())
	})
	return found
}

// TestMachineLifecycle: a control-plane machine gets an ACTIVE server with providerID,
// addresses and failure domain, joins the API load balancer, costs one GET per steady-state
// resync, and deletes without leaving anything.
func TestMachineLifecycle(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "m", managedLBSpec("10.10.0.0/24"))
	waitReady(t, osc)
	osm := newMachine(t, ns, "m", "m-cp-0", true, machineSpec())
	waitCondition(t, osm, infrav1.ReadyCondition, metav1.ConditionTrue, "")

	id := ptr.Deref(osm.Status.InstanceID, "")
	if want := "openstack:///" + id; id == "" || ptr.Deref(osm.Spec.ProviderID, "") != want {
		t.Fatalf("providerID = %v, want %s", osm.Spec.ProviderID, want)
	}
	if osm.Status.FailureDomain != "az2" || !ptr.Deref(osm.Status.Initialization.Provisioned, false) {
		t.Fatalf("failure domain %q, initialization %+v", osm.Status.FailureDomain, osm.Status.Initialization)
	}
	var types []string
	for _, a := range osm.Status.Addresses {
		types = append(types, string(a.Type))
	}
	if !strings.Contains(strings.Join(types, ","), "InternalIP") || !strings.Contains(strings.Join(types, ","), "InternalDNS") {
		t.Fatalf("addresses = %+v", osm.Status.Addresses)
	}
	members := 0
	for _, r := range sim.Inventory() {
		if r.Type == "member" && r.Name == osm.Name {
			members++
		}
	}
	if members != 2 { // one per listener: 6443 and the additional 8132
		t.Fatalf("load balancer members of %s = %d, want 2", osm.Name, members)
	}

	quiesce(t)
	sim.ResetCounts()
	touch(t, osm)
	time.Sleep(2 * time.Second)
	if c := sim.Counts(); c.Total() != 1 || c["GET /compute/v2.1/servers/{id}"] != 1 {
		t.Fatalf("steady-state resync of an ACTIVE control-plane machine made %v, want one server GET", c)
	}

	if err := env.Client.Delete(context.Background(), osm); err != nil {
		t.Fatal(err)
	}
	waitGone(t, osm)
	for _, r := range sim.Inventory() {
		if r.Name == osm.Name || strings.HasPrefix(r.Name, osm.Name+"-") {
			t.Errorf("left behind after machine delete: %+v", r)
		}
	}
	deleteMachineObjects(t, ns)
	deleteAndCheckLeaks(t, osc)
}

// deleteMachineObjects removes the Cluster API Machines (their controller is not running
// here), so that cluster deletion does not wait for them.
func deleteMachineObjects(t *testing.T, ns string) {
	t.Helper()
	if err := env.Client.DeleteAllOf(context.Background(), &clusterv1.Machine{}, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
}

// TestMachineErrorShowsNovaFault: a server that Nova puts in ERROR shows Nova's fault message
// verbatim in the InstanceReady condition, and nothing is recreated.
func TestMachineErrorShowsNovaFault(t *testing.T) {
	fault := "No valid host was found. There are not enough hosts available."
	if err := sim.AddFault(simulator.Fault{
		Method: "POST", Path: "servers$", Body: "m-err-0", Action: simulator.FaultAcceptThenError, Status: 500, Message: fault,
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.ClearFaults)
	ns := newNamespace(t)
	osc := newCluster(t, ns, "e", infrav1.OpenStackClusterSpec{
		ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.11.0.0/24"}}, ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
	})
	waitReady(t, osc)
	osm := newMachine(t, ns, "e", "m-err-0", false, machineSpec())
	c := waitCondition(t, osm, infrav1.InstanceReadyCondition, metav1.ConditionFalse, infrav1.InstanceErrorReason)
	if !strings.Contains(c.Message, fault) {
		t.Fatalf("condition message %q does not carry Nova's fault %q", c.Message, fault)
	}
	servers := 0
	for _, r := range sim.Inventory() {
		if r.Type == "server" && r.Name == osm.Name {
			servers++
		}
	}
	if servers != 1 {
		t.Fatalf("%d servers named %s, want exactly 1", servers, osm.Name)
	}
	if err := env.Client.Delete(context.Background(), osm); err != nil {
		t.Fatal(err)
	}
	waitGone(t, osm)
	deleteMachineObjects(t, ns)
	deleteAndCheckLeaks(t, osc)
}

// TestMachineWaitsForInfrastructureAndBootstrap: conditions say what a machine waits for.
func TestMachineWaitsForInfrastructureAndBootstrap(t *testing.T) {
	ns := newNamespace(t)
	// A cluster whose credentials Secret does not exist never gets provisioned.
	osc := newCluster(t, ns, "w", infrav1.OpenStackClusterSpec{
		ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.12.0.0/24"}},
		IdentityRef:    infrav1.OpenStackIdentityReference{Name: "missing", CloudName: "openstack"},
	})
	c := waitCondition(t, osc, infrav1.CredentialsReadyCondition, metav1.ConditionFalse, infrav1.InvalidCredentialsReason)
	if !strings.Contains(c.Message, "missing") {
		t.Fatalf("credentials condition does not name the Secret: %q", c.Message)
	}
	osm := newMachine(t, ns, "w", "m-wait-0", false, machineSpec())
	waitCondition(t, osm, infrav1.InstanceReadyCondition, metav1.ConditionFalse, infrav1.WaitingForClusterInfrastructureReason)

	// Provisioned infrastructure, but no bootstrap data yet.
	mutate(t, osc, func() { osc.Spec.IdentityRef.Name = "cloud-config" })
	waitReady(t, osc)
	osm2 := newMachineWith(t, ns, "w", "m-wait-1", false, machineSpec(), clusterv1.Bootstrap{
		ConfigRef: clusterv1.ContractVersionedObjectReference{APIGroup: "bootstrap.cluster.x-k8s.io", Kind: "KubeadmConfig", Name: "x"},
	})
	waitCondition(t, osm2, infrav1.InstanceReadyCondition, metav1.ConditionFalse, infrav1.WaitingForBootstrapDataReason)
	for _, o := range []client.Object{osm, osm2} {
		if err := env.Client.Delete(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		waitGone(t, o)
	}
	deleteMachineObjects(t, ns)
	deleteAndCheckLeaks(t, osc)
}

// mutate re-reads obj, applies change and updates it, retrying on conflicts with the controllers.
func mutate(t *testing.T, obj client.Object, change func()) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change()
		return env.Client.Update(context.Background(), obj)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMachineTemplateCapacity: a template reports capacity and node info for scale from zero.
func TestMachineTemplateCapacity(t *testing.T) {
	ns := newNamespace(t)
	tmpl := &infrav1.OpenStackMachineTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "md-0", Namespace: ns},
		Spec:       infrav1.OpenStackMachineTemplateSpec{Template: infrav1.OpenStackMachineTemplateResource{Spec: machineSpec()}},
	}
	tmpl.Spec.Template.Spec.Flavor.Filter.Name = ptr.To("m1.medium")
	tmpl.Spec.Template.Spec.IdentityRef = &infrav1.OpenStackIdentityReference{Name: "cloud-config", CloudName: "openstack"}
	if err := env.Client.Create(context.Background(), tmpl); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, tmpl, infrav1.CapacityReadyCondition, metav1.ConditionTrue, "")
	cpu, mem := tmpl.Status.Capacity[corev1.ResourceCPU], tmpl.Status.Capacity[corev1.ResourceMemory]
	if cpu.String() != "2" || mem.String() != "4Gi" {
		t.Fatalf("capacity = %v, want 2 CPUs and 4Gi (m1.medium)", tmpl.Status.Capacity)
	}
	if tmpl.Status.NodeInfo == nil || tmpl.Status.NodeInfo.Architecture != infrav1.ArchitectureAmd64 || tmpl.Status.NodeInfo.OperatingSystem != "linux" {
		t.Fatalf("nodeInfo = %+v", tmpl.Status.NodeInfo)
	}
}
