package controllers

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/cluster-api/util"
	"sigs.k8s.io/cluster-api/util/predicates"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/compute"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// machineConditions are the conditions Ready summarises for a machine.
var machineConditions = []string{infrav1.InstanceReadyCondition, infrav1.APIServerMemberReadyCondition}

// OpenStackMachineReconciler creates and deletes the Nova servers of Machines.
type OpenStackMachineReconciler struct {
	Client      client.Client
	Recorder    events.EventRecorder
	Scopes      scope.ScopeGetter
	WatchFilter string
	// ProviderIDWithRegion writes provider IDs as openstack://<region>/<id>, as the OpenStack
	// cloud controller manager does with OS_CCM_REGIONAL=true; otherwise openstack:///<id>,
	// its default.
	ProviderIDWithRegion bool
}

// SetupWithManager registers the reconciler. It is also woken by its Machine, by its cluster's
// OpenStackCluster (so machines start as soon as the infrastructure is provisioned) and by the
// Cluster being unpaused.
func (r *OpenStackMachineReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	log := ctrl.LoggerFrom(ctx)
	return ctrl.NewControllerManagedBy(mgr).
		For(&infrav1.OpenStackMachine{}, builder.WithPredicates(machineUpdates)).
		WithOptions(opts).
		WithEventFilter(predicates.ResourceHasFilterLabel(mgr.GetScheme(), log, r.WatchFilter)).
		Watches(&clusterv1.Machine{},
			handler.EnqueueRequestsFromMapFunc(util.MachineToInfrastructureMapFunc(infrav1.GroupVersion.WithKind("OpenStackMachine"))),
			builder.WithPredicates(changedOnly, machineChanges)).
		Watches(&infrav1.OpenStackCluster{}, handler.EnqueueRequestsFromMapFunc(r.clusterToMachines),
			builder.WithPredicates(changedOnly)).
		Watches(&clusterv1.Cluster{}, handler.EnqueueRequestsFromMapFunc(r.clusterToMachines),
			builder.WithPredicates(predicates.ClusterPausedTransitions(mgr.GetScheme(), log))).
		Complete(r)
}

// clusterToMachines maps a Cluster or OpenStackCluster to the OpenStackMachines of its cluster.
func (r *OpenStackMachineReconciler) clusterToMachines(ctx context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[clusterv1.ClusterNameLabel]
	if _, isCluster := o.(*clusterv1.Cluster); isCluster {
		name = o.GetName()
	}
	if name == "" {
		return nil
	}
	list := &infrav1.OpenStackMachineList{}
	if err := r.Client.List(ctx, list, client.InNamespace(o.GetNamespace()), client.MatchingLabels{clusterv1.ClusterNameLabel: name}); err != nil {
		return nil
	}
	out := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		out[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}
	}
	return out
}

// machineScope is what one reconcile of one OpenStackMachine works with.
type machineScope struct {
	reconciler *OpenStackMachineReconciler
	cluster    *clusterv1.Cluster
	machine    *clusterv1.Machine
	osm        *infrav1.OpenStackMachine
	osc        *infrav1.OpenStackCluster
	cloud      *scope.Scope
	patcher    *patcher
	log        logr.Logger
}

// Reconcile follows the Cluster API reference flow for infrastructure machines.
func (r *OpenStackMachineReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	osm := &infrav1.OpenStackMachine{}
	if err := r.Client.Get(ctx, req.NamespacedName, osm); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	machine, err := util.GetOwnerMachine(ctx, r.Client, osm.ObjectMeta)
	if err != nil || machine == nil {
		return ctrl.Result{}, err // Cluster API sets the owner reference; that update wakes us
	}
	cluster, err := util.GetClusterFromMetadata(ctx, r.Client, machine.ObjectMeta)
	if apierrors.IsNotFound(err) {
		return ctrl.Result{}, nil // the Cluster watch wakes us once it exists
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("machine %s has no cluster: %w", machine.Name, err)
	}
	log := ctrl.LoggerFrom(ctx).WithValues("Cluster", klogRef(cluster), "Machine", machine.Name)
	ctx = ctrl.LoggerInto(ctx, log)
	s := &machineScope{reconciler: r, cluster: cluster, machine: machine, osm: osm, log: log, patcher: newPatcher(r.Client, osm)}
	return lifecycle{
		client: r.Client, cluster: cluster, obj: osm, patcher: s.patcher,
		finalizer: infrav1.MachineFinalizer, readyParts: machineConditions,
	}.run(ctx, func() (ctrl.Result, error) { return r.reconcileNormal(ctx, s) },
		func() (ctrl.Result, error) { return r.reconcileDelete(ctx, s) })
}

// patch writes the object's changes and starts a new baseline.
func (s *machineScope) patch(ctx context.Context) error {
	return s.patcher.patch(ctx, s.osm, false)
}

func (s *machineScope) event(eventType, reason, message string) {
	s.reconciler.Recorder.Eventf(s.osm, nil, eventType, reason, reason, "%s", message)
}

// loadCluster reads the cluster's OpenStackCluster; nil when it does not exist (yet).
func (s *machineScope) loadCluster(ctx context.Context) error {
	ref := s.cluster.Spec.InfrastructureRef
	if ref.Name == "" {
		return nil
	}
	osc := &infrav1.OpenStackCluster{}
	err := s.reconciler.Client.Get(ctx, client.ObjectKey{Namespace: s.cluster.Namespace, Name: ref.Name}, osc)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err == nil {
		s.osc = osc
	}
	return err
}

// connect gets the OpenStack clients of the machine's identityRef, else the cluster's.
func (s *machineScope) connect(ctx context.Context) error {
	ref := s.osc.Spec.IdentityRef
	if s.osm.Spec.IdentityRef != nil {
		ref = *s.osm.Spec.IdentityRef
	}
	c, err := s.reconciler.Scopes.ForIdentity(ctx, s.osm.Namespace, scope.IdentityRef{Name: ref.Name, CloudName: ref.CloudName, Region: ref.Region})
	s.cloud = c
	return err
}

// providerIDRegion is the region written into the machine's provider ID, if any.
func (s *machineScope) providerIDRegion() string {
	if s.reconciler.ProviderIDWithRegion {
		return s.cloud.Region
	}
	return ""
}

// service builds the machine service and the machine description for this reconcile.
func (s *machineScope) service() (*compute.MachineService, *compute.Machine) {
	svc := &compute.MachineService{
		Compute: s.cloud.Compute, Network: s.cloud.Network, Image: s.cloud.Image, Volume: s.cloud.Volume, Region: s.providerIDRegion(),
	}
	m := &compute.Machine{
		Name: s.osm.Name, Spec: &s.osm.Spec, Status: &s.osm.Status,
		Owner: clusterTag(s.cluster), ClusterTags: s.osc.Spec.Tags,
		FailureDomain: s.machine.Spec.FailureDomain,
	}
	st := s.osc.Status
	if st.Network != nil {
		m.NetworkID = st.Network.ID
		for _, sub := range st.Network.Subnets {
			m.SubnetIDs = append(m.SubnetIDs, sub.ID)
		}
	}
	group := st.WorkerSecurityGroup
	if util.IsControlPlaneMachine(s.machine) {
		group = st.ControlPlaneSecurityGroup
	}
	if group != nil {
		m.SecurityGroupIDs = []string{group.ID}
	}
	return svc, m
}
