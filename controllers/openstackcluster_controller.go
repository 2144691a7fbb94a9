package controllers

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/tools/events"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/cluster-api/util"
	"sigs.k8s.io/cluster-api/util/annotations"
	"sigs.k8s.io/cluster-api/util/predicates"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// clusterConditions are the phase conditions Ready summarises, in phase order.
var clusterConditions = []string{
	infrav1.CredentialsReadyCondition, infrav1.NetworkReadyCondition, infrav1.RouterReadyCondition,
	infrav1.SecurityGroupsReadyCondition, infrav1.APIEndpointReadyCondition, infrav1.FailureDomainsReadyCondition,
	infrav1.BastionReadyCondition,
}

// OpenStackClusterReconciler creates and deletes the OpenStack infrastructure of clusters.
type OpenStackClusterReconciler struct {
	Client      client.Client
	Recorder    events.EventRecorder
	Scopes      scope.ScopeGetter
	WatchFilter string
}

// SetupWithManager registers the reconciler, also woken when the owning Cluster is unpaused.
func (r *OpenStackClusterReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	log := ctrl.LoggerFrom(ctx)
	return ctrl.NewControllerManagedBy(mgr).
		For(&infrav1.OpenStackCluster{}).
		WithOptions(opts).
		WithEventFilter(predicates.ResourceHasFilterLabel(mgr.GetScheme(), log, r.WatchFilter)).
		Watches(&clusterv1.Cluster{},
			handler.EnqueueRequestsFromMapFunc(util.ClusterToInfrastructureMapFunc(ctx,
				infrav1.GroupVersion.WithKind("OpenStackCluster"), mgr.GetClient(), &infrav1.OpenStackCluster{})),
			builder.WithPredicates(predicates.ClusterPausedTransitions(mgr.GetScheme(), log))).
		Complete(r)
}

// Reconcile follows the Cluster API reference flow: wait for the owner Cluster, honour pause,
// keep a finalizer, then run the phases (or the deletes) and write status once at the end.
func (r *OpenStackClusterReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	osc := &infrav1.OpenStackCluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, osc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	cluster, err := util.GetOwnerCluster(ctx, r.Client, osc.ObjectMeta)
	if err != nil {
		return ctrl.Result{}, err
	}
	if cluster == nil {
		return ctrl.Result{}, nil // the Cluster controller sets the owner reference; that update wakes us
	}
	log := ctrl.LoggerFrom(ctx).WithValues("Cluster", klogRef(cluster))
	ctx = ctrl.LoggerInto(ctx, log)
	if annotations.IsExternallyManaged(osc) {
		return ctrl.Result{}, nil
	}
	s := &clusterScope{reconciler: r, cluster: cluster, osc: osc, log: log, patcher: newPatcher(r.Client, osc)}
	return lifecycle{
		client: r.Client, cluster: cluster, obj: osc, patcher: s.patcher,
		finalizer: infrav1.ClusterFinalizer, readyParts: clusterConditions,
	}.run(ctx, func() (ctrl.Result, error) { return r.reconcileNormal(ctx, s) },
		func() (ctrl.Result, error) { return r.reconcileDelete(ctx, s) })
}

// clusterScope is what one reconcile of one OpenStackCluster works with.
type clusterScope struct {
	reconciler *OpenStackClusterReconciler
	cluster    *clusterv1.Cluster
	osc        *infrav1.OpenStackCluster
	cloud      *scope.Scope
	patcher    *patcher
	log        logr.Logger
}

// patch writes the object's changes (status included) and starts a new baseline.
func (s *clusterScope) patch(ctx context.Context) error {
	return s.patcher.patch(ctx, s.osc, false)
}

// connect gets the OpenStack clients of the cluster's identityRef.
func (s *clusterScope) connect(ctx context.Context) (time.Duration, error) {
	ref := s.osc.Spec.IdentityRef
	cloud, err := s.reconciler.Scopes.ForIdentity(ctx, s.osc.Namespace, scope.IdentityRef{Name: ref.Name, CloudName: ref.CloudName, Region: ref.Region})
	if err != nil {
		return markError(s.osc, infrav1.CredentialsReadyCondition, err), err
	}
	s.cloud = cloud
	markTrue(s.osc, infrav1.CredentialsReadyCondition, "")
	return 0, nil
}

func (s *clusterScope) event(eventType, reason, message string) {
	s.reconciler.Recorder.Eventf(s.osc, nil, eventType, reason, reason, "%s", message)
}

func klogRef(c *clusterv1.Cluster) string { return fmt.Sprintf("%s/%s", c.Namespace, c.Name) }
