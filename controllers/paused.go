package controllers

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/cluster-api/util/annotations"
	"sigs.k8s.io/cluster-api/util/paused"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// checkPaused reports whether the Cluster or obj is paused, and then writes the Paused
// condition itself. Otherwise it only sets Paused=False on obj in memory, for the reconcile's
// own patch to write: call it after newPatcher takes its snapshot. That saves every new
// object a status write (and Cluster API a reconcile of its Machine) of its own.
func checkPaused(ctx context.Context, c client.Client, cluster *clusterv1.Cluster, obj paused.ConditionSetter) (bool, error) {
	if annotations.IsPaused(cluster, obj) {
		_, _, err := paused.EnsurePausedCondition(ctx, c, cluster, obj)
		return true, err
	}
	setCondition(obj, clusterv1.PausedCondition, metav1.ConditionFalse, clusterv1.NotPausedReason, "")
	return false, nil
}
