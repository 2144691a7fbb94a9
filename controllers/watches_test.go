package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
