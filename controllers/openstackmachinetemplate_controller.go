package controllers

import (
	"context"
	"errors"
	"fmt"

	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/cluster-api/util/patch"
	"sigs.k8s.io/cluster-api/util/predicates"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/compute"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// OpenStackMachineTemplateReconciler publishes what one machine of a template would have
// (status.capacity and status.nodeInfo), so the cluster autoscaler can scale a MachineDeployment
// up from zero. It reads the flavor and image once per spec.
type OpenStackMachineTemplateReconciler struct {
	Client      client.Client
	Scopes      scope.ScopeGetter
	WatchFilter string
}

// SetupWithManager registers the reconciler.
func (r *OpenStackMachineTemplateReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&infrav1.OpenStackMachineTemplate{}).
		WithOptions(opts).
		WithEventFilter(predicates.ResourceHasFilterLabel(mgr.GetScheme(), ctrl.LoggerFrom(ctx), r.WatchFilter)).
		Complete(r)
}

// Reconcile computes capacity and node info when the spec changed since they were computed.
func (r *OpenStackMachineTemplateReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	t := &infrav1.OpenStackMachineTemplate{}
	if err := r.Client.Get(ctx, req.NamespacedName, t); err != nil || !t.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if isCurrent(t, infrav1.CapacityReadyCondition) {
		return ctrl.Result{}, nil
	}
	patcher, err := patch.NewHelper(t, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	defer func() {
		err := patcher.Patch(ctx, t, patch.WithOwnedConditions{Conditions: []string{infrav1.CapacityReadyCondition}})
		retErr = errors.Join(retErr, client.IgnoreNotFound(err))
	}()
	ref, err := r.identity(ctx, t)
	if err != nil {
		return ctrl.Result{RequeueAfter: markError(t, infrav1.CapacityReadyCondition, err)}, nil
	}
	c, err := r.Scopes.ForIdentity(ctx, t.Namespace, ref)
	if err != nil {
		return ctrl.Result{RequeueAfter: markError(t, infrav1.CapacityReadyCondition, err)}, nil
	}
	svc := &compute.MachineService{Compute: c.Compute, Image: c.Image}
	capacity, info, err := svc.TemplateStatus(ctx, &t.Spec.Template.Spec)
	if err != nil {
		return ctrl.Result{RequeueAfter: markError(t, infrav1.CapacityReadyCondition, err)}, nil
	}
	t.Status.Capacity, t.Status.NodeInfo = capacity, info
	markTrue(t, infrav1.CapacityReadyCondition, "")
	return ctrl.Result{}, nil
}

// identity is the template's identityRef, else that of the OpenStackCluster of the cluster the
// template belongs to (its cluster-name label, or a Cluster owner reference).
func (r *OpenStackMachineTemplateReconciler) identity(ctx context.Context, t *infrav1.OpenStackMachineTemplate) (scope.IdentityRef, error) {
	if ref := t.Spec.Template.Spec.IdentityRef; ref != nil {
		return scope.IdentityRef{Name: ref.Name, CloudName: ref.CloudName, Region: ref.Region}, nil
	}
	name := t.Labels[clusterv1.ClusterNameLabel]
	for _, o := range t.OwnerReferences {
		if o.Kind == "Cluster" && name == "" {
			name = o.Name
		}
	}
	if name == "" {
		return scope.IdentityRef{}, cloud.Invalid("the template has no identityRef and belongs to no cluster (no %s label or Cluster owner): set spec.template.spec.identityRef", clusterv1.ClusterNameLabel)
	}
	cluster := &clusterv1.Cluster{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: name}, cluster); err != nil {
		return scope.IdentityRef{}, fmt.Errorf("reading cluster %s: %w", name, err)
	}
	osc := &infrav1.OpenStackCluster{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: cluster.Spec.InfrastructureRef.Name}, osc); err != nil {
		return scope.IdentityRef{}, fmt.Errorf("reading the OpenStackCluster of cluster %s: %w", name, err)
	}
	ref := osc.Spec.IdentityRef
	return scope.IdentityRef{Name: ref.Name, CloudName: ref.CloudName, Region: ref.Region}, nil
}
