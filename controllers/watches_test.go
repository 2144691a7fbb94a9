package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/event"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// The OpenStackMachine controller's Machine and OpenStackCluster watches ignore resyncs, and
// only resyncs (found by the scale benchmark: 3.3 server reads per machine per sync period).
func TestSecondaryWatchesIgnoreResyncs(t *testing.T) {
	m := func(rv string) *clusterv1.Machine {
		return &clusterv1.Machine{ObjectMeta: metav1.ObjectMeta{Name: "m", ResourceVersion: rv}}
	}
	if changedOnly.Update(event.UpdateEvent{ObjectOld: m("7"), ObjectNew: m("7")}) {
		t.Error("a resync of a Machine (same resourceVersion) wakes its OpenStackMachine")
	}
	if !changedOnly.Update(event.UpdateEvent{ObjectOld: m("7"), ObjectNew: m("8")}) {
		t.Error("a changed Machine does not wake its OpenStackMachine")
	}
	osc := &infrav1.OpenStackCluster{ObjectMeta: metav1.ObjectMeta{Name: "c", ResourceVersion: "3"}}
	if changedOnly.Update(event.UpdateEvent{ObjectOld: osc, ObjectNew: osc.DeepCopy()}) {
		t.Error("a resync of an OpenStackCluster wakes every OpenStackMachine of the cluster")
	}
	if !changedOnly.Create(event.CreateEvent{Object: osc}) || !changedOnly.Delete(event.DeleteEvent{Object: osc}) {
		t.Error("creations and deletions must still wake the machines")
	}
}

// An OpenStackMachine is not reconciled again for its own status patches nor for what its
// reconcile recorded and went on from (found by the scale benchmark: 13 server reads per
// machine created, then 12 status writes); spec, metadata and deletion changes and resyncs
// still reconcile it.
func TestStatusOnlyUpdatesDoNotReconcile(t *testing.T) {
	osm := &infrav1.OpenStackMachine{ObjectMeta: metav1.ObjectMeta{Name: "m", ResourceVersion: "1", Generation: 1}}
	update := func(change func(*infrav1.OpenStackMachine)) bool {
		n := osm.DeepCopy()
		n.ResourceVersion = "2"
		change(n)
		return machineUpdates.Update(event.UpdateEvent{ObjectOld: osm, ObjectNew: n})
	}
	if update(func(n *infrav1.OpenStackMachine) { n.Status.InstanceID = ptr.To("srv") }) {
		t.Error("a status-only update reconciles")
	}
	if update(func(n *infrav1.OpenStackMachine) { n.Finalizers = []string{infrav1.MachineFinalizer} }) {
		t.Error("adding our finalizer (the reconcile that did it goes on) reconciles again")
	}
	if update(func(n *infrav1.OpenStackMachine) { n.Spec.ProviderID, n.Generation = ptr.To("openstack:///srv"), 2 }) {
		t.Error("setting the providerID (the reconcile that did it is done) reconciles again")
	}
	if !update(func(n *infrav1.OpenStackMachine) {
		n.Spec.ProviderID, n.Spec.Flavor.ID, n.Generation = ptr.To("openstack:///srv"), ptr.To("other"), 2
	}) {
		t.Error("a spec change made with the providerID does not reconcile")
	}
	// A status that lost the provider's records (restored, edited by hand) reconciles.
	osm.Status.InstanceID = ptr.To("srv")
	if !update(func(n *infrav1.OpenStackMachine) { n.Status.InstanceID = nil }) {
		t.Error("an update that loses status.instanceID does not reconcile")
	}
	for what, change := range map[string]func(*infrav1.OpenStackMachine){
		"spec":       func(n *infrav1.OpenStackMachine) { n.Generation = 2 },
		"labels":     func(n *infrav1.OpenStackMachine) { n.Labels = map[string]string{"a": "b"} },
		"annotation": func(n *infrav1.OpenStackMachine) { n.Annotations = map[string]string{clusterv1.PausedAnnotation: ""} },
		"finalizers": func(n *infrav1.OpenStackMachine) { n.Finalizers = []string{"someone-else"} },
		"owner": func(n *infrav1.OpenStackMachine) {
			n.OwnerReferences = []metav1.OwnerReference{{Kind: "Machine", Name: "m"}}
		},
		"deletion": func(n *infrav1.OpenStackMachine) { n.DeletionTimestamp = ptr.To(metav1.Now()) },
		"resync":   func(n *infrav1.OpenStackMachine) { n.ResourceVersion = osm.ResourceVersion },
	} {
		if !update(change) {
			t.Errorf("an update of the %s does not reconcile", what)
		}
	}
}

// Only what an OpenStackMachine reconcile reads of its Machine wakes it; Cluster API's other
// writes while the machine provisions do not.
func TestMachineWatchWakesOnlyForWhatTheMachineReconcileReads(t *testing.T) {
	m := &clusterv1.Machine{ObjectMeta: metav1.ObjectMeta{Name: "m", ResourceVersion: "1", Labels: map[string]string{"a": "b"}}}
	update := func(change func(*clusterv1.Machine)) bool {
		n := m.DeepCopy()
		n.ResourceVersion = "2"
		change(n)
		return machineChanges.Update(event.UpdateEvent{ObjectOld: m, ObjectNew: n})
	}
	for what, change := range map[string]func(*clusterv1.Machine){
		"bootstrap data": func(n *clusterv1.Machine) { n.Spec.Bootstrap.DataSecretName = ptr.To("boot") },
		"failure domain": func(n *clusterv1.Machine) { n.Spec.FailureDomain = "az2" },
		"labels":         func(n *clusterv1.Machine) { n.Labels = map[string]string{clusterv1.MachineControlPlaneLabel: ""} },
		"annotations":    func(n *clusterv1.Machine) { n.Annotations = map[string]string{"x": "y"} },
		"deletion":       func(n *clusterv1.Machine) { n.DeletionTimestamp = ptr.To(metav1.Now()) },
	} {
		if !update(change) {
			t.Errorf("a change of the Machine's %s does not wake its OpenStackMachine", what)
		}
	}
	for what, change := range map[string]func(*clusterv1.Machine){
		"status":     func(n *clusterv1.Machine) { n.Status.Phase = "Provisioning" },
		"providerID": func(n *clusterv1.Machine) { n.Spec.ProviderID, n.Generation = "openstack:///srv", 2 },
		"finalizer":  func(n *clusterv1.Machine) { n.Finalizers = []string{clusterv1.MachineFinalizer} },
		"owner": func(n *clusterv1.Machine) {
			n.OwnerReferences = []metav1.OwnerReference{{Kind: "MachineSet", Name: "ms"}}
		},
	} {
		if update(change) {
			t.Errorf("a change of the Machine's %s wakes its OpenStackMachine", what)
		}
	}
}
