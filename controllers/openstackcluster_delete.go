package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// machinesGoneRequeue is how often deletion checks whether the cluster's machines are gone.
const machinesGoneRequeue = 5 * time.Second

// reconcileDelete removes the cluster's OpenStack resources in reverse order of creation, once
// its machines are gone, and only then the finalizer: nothing is left behind silently.
func (r *OpenStackClusterReconciler) reconcileDelete(ctx context.Context, s *clusterScope) (ctrl.Result, error) {
	if n, err := r.remainingMachines(ctx, s.osc); err != nil || n > 0 {
		if n > 0 {
			markFalse(s.osc, infrav1.ReadyCondition, infrav1.DeletingReason, fmt.Sprintf("waiting for %d machines to be deleted", n))
		}
		return ctrl.Result{RequeueAfter: machinesGoneRequeue}, err
	}
	if wait, err := s.connect(ctx); err != nil {
		// Without credentials nothing can be deleted: keep the finalizer and say why.
		markFalse(s.osc, infrav1.ReadyCondition, infrav1.DeletionFailedReason, "cannot delete the cluster's OpenStack resources: "+err.Error())
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	steps := []struct {
		what string
		run  func(context.Context) (time.Duration, error)
	}{
		{"bastion", s.deleteBastion},
		{"API endpoint", s.deleteAPIEndpoint},
		{"router", func(ctx context.Context) (time.Duration, error) {
			return 0, s.networking().DeleteRouter(ctx, &s.osc.Spec, &s.osc.Status)
		}},
		{"network", func(ctx context.Context) (time.Duration, error) {
			return 0, s.networking().DeleteNetwork(ctx, &s.osc.Spec, &s.osc.Status)
		}},
		{"security groups", func(ctx context.Context) (time.Duration, error) {
			return 0, s.networking().DeleteSecurityGroups(ctx, &s.osc.Status)
		}},
	}
	for _, step := range steps {
		wait, err := step.run(ctx)
		if err != nil {
			reason, msg, requeue := explain(err)
			if reason == infrav1.TransientErrorReason {
				reason = infrav1.DeletingReason
			}
			markFalse(s.osc, infrav1.ReadyCondition, reason, "deleting the "+step.what+": "+msg)
			return ctrl.Result{RequeueAfter: requeue}, nil
		}
		if wait > 0 {
			markFalse(s.osc, infrav1.ReadyCondition, infrav1.DeletingReason, "deleting the "+step.what)
			return ctrl.Result{RequeueAfter: wait}, nil
		}
	}
	s.event("Normal", "Deleted", "deleted the cluster's OpenStack resources")
	controllerutil.RemoveFinalizer(s.osc, infrav1.ClusterFinalizer)
	return ctrl.Result{}, nil
}

// deleteAPIEndpoint deletes the load balancer and the API server's floating IP; an address
// the user gave in spec.apiServer.floatingIP is only disassociated.
func (s *clusterScope) deleteAPIEndpoint(ctx context.Context) (time.Duration, error) {
	return s.loadBalancer().Delete(ctx, &s.osc.Status, ptr.Deref(apiServerFloatingIP(&s.osc.Spec), ""))
}

// remainingMachines counts the cluster's Machines and OpenStackMachines that still exist.
func (r *OpenStackClusterReconciler) remainingMachines(ctx context.Context, osc *infrav1.OpenStackCluster) (int, error) {
	name, ok := osc.Labels[clusterv1.ClusterNameLabel]
	if !ok {
		return 0, nil
	}
	sel := []client.ListOption{client.InNamespace(osc.Namespace), client.MatchingLabels{clusterv1.ClusterNameLabel: name}}
	machines := &clusterv1.MachineList{}
	if err := r.Client.List(ctx, machines, sel...); err != nil {
		return 0, err
	}
	osms := &infrav1.OpenStackMachineList{}
	if err := r.Client.List(ctx, osms, sel...); err != nil {
		return 0, err
	}
	return max(len(machines.Items), len(osms.Items)), nil
}
