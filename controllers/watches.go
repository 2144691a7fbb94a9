package controllers

import (
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// changedOnly drops the update events that an informer's periodic resync delivers for every
// object it holds (same resourceVersion: nothing changed). Without it, each sync period every
// OpenStackMachine was reconciled three times, and read its server three times: for its own
// resync, its Machine's and its OpenStackCluster's. The watched object's own resync still
// reconciles it once per period.
var changedOnly = predicate.ResourceVersionChangedPredicate{}
