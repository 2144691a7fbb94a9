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

// An OpenStackMachine is not reconciled again for its own status patches nor for Cluster API's
// writes of its Machine's status (found by the scale benchmark: 13 server reads per machine
// created); spec, metadata and deletion changes and resyncs still reconcile it.
func TestStatusOnlyUpdatesDoNotReconcile(t *testing.T) {
	osm := &infrav1.OpenStackMachine{ObjectMeta: metav1.ObjectMeta{Name: "m", ResourceVersion: "1", Generation: 1}}
	update := func(change func(*infrav1.OpenStackMachine)) bool {
		n := osm.DeepCopy()
		n.ResourceVersion = "2"
		change(n)
		return machineNotStatusOnly.Update(event.UpdateEvent{ObjectOld: osm, ObjectNew: n})
	}
	if update(func(n *infrav1.OpenStackMachine) { n.Status.InstanceID = ptr.To("srv") }) {
		t.Error("a status-only update reconciles")
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
		"finalizers": func(n *infrav1.OpenStackMachine) { n.Finalizers = []string{infrav1.MachineFinalizer} },
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
