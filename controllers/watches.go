package controllers

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// changedOnly drops the update events that an informer's periodic resync delivers for every
// object it holds (same resourceVersion: nothing changed). Without it, each sync period every
// OpenStackMachine was reconciled three times, and read its server three times: for its own
// resync, its Machine's and its OpenStackCluster's. The watched object's own resync still
// reconciles it once per period.
var changedOnly = predicate.ResourceVersionChangedPredicate{}

// machineUpdates is the OpenStackMachine controller's filter of its own objects' updates. Its
// status patches, Cluster API's and its own, do not reconcile (the scale benchmark measured 13
// server reads per machine created before), nor does what a reconcile records and then goes on
// from: the finalizer it adds and the providerID it sets. A status update that loses what the
// provider recorded (instance ID, resolved spec, resources: a restore, a hand-made edit)
// reconciles at once, to find and re-adopt the server.
var machineUpdates = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	old, okOld := e.ObjectOld.(*infrav1.OpenStackMachine)
	cur, okNew := e.ObjectNew.(*infrav1.OpenStackMachine)
	if !okOld || !okNew || old.ResourceVersion == cur.ResourceVersion {
		return true
	}
	lost := func(had, has bool) bool { return had && !has }
	if lost(old.Status.InstanceID != nil, cur.Status.InstanceID != nil) ||
		lost(old.Status.Resolved != nil, cur.Status.Resolved != nil) ||
		lost(old.Status.Resources != nil, cur.Status.Resources != nil) {
		return true
	}
	was := old.DeepCopy()
	if controllerutil.ContainsFinalizer(cur, infrav1.MachineFinalizer) {
		controllerutil.AddFinalizer(was, infrav1.MachineFinalizer)
	}
	if was.Spec.ProviderID == nil && cur.Spec.ProviderID != nil {
		was.Spec.ProviderID = cur.Spec.ProviderID
		was.Generation = cur.Generation
	}
	return !sameSpecAndMetadata(was, cur) || !equality.Semantic.DeepEqual(was.Spec, cur.Spec)
}}

// machineChanges is the OpenStackMachine controller's filter of Machine updates: only what an
// OpenStackMachine reconcile reads of its Machine wakes it: the bootstrap data secret, the
// failure domain, labels (control plane or not), annotations and deletion. Cluster API's other
// writes while a machine provisions (its status, finalizer, owner references, the providerID
// it copies from the OpenStackMachine) do not. Resyncs are dropped by changedOnly.
var machineChanges = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	old, okOld := e.ObjectOld.(*clusterv1.Machine)
	cur, okNew := e.ObjectNew.(*clusterv1.Machine)
	if !okOld || !okNew {
		return true
	}
	return ptr.Deref(old.Spec.Bootstrap.DataSecretName, "") != ptr.Deref(cur.Spec.Bootstrap.DataSecretName, "") ||
		old.Spec.FailureDomain != cur.Spec.FailureDomain ||
		!maps.Equal(old.Labels, cur.Labels) || !maps.Equal(old.Annotations, cur.Annotations) ||
		!old.DeletionTimestamp.Equal(cur.DeletionTimestamp)
}}

func sameSpecAndMetadata(a, b client.Object) bool {
	return a.GetGeneration() == b.GetGeneration() &&
		maps.Equal(a.GetLabels(), b.GetLabels()) && maps.Equal(a.GetAnnotations(), b.GetAnnotations()) &&
		slices.Equal(a.GetFinalizers(), b.GetFinalizers()) &&
		equality.Semantic.DeepEqual(a.GetOwnerReferences(), b.GetOwnerReferences()) &&
		a.GetDeletionTimestamp().Equal(b.GetDeletionTimestamp())
}
