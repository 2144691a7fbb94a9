package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/cluster-api/util"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
)

// runBaseline measures what Cluster API, the API server and this harness cost on their own:
// the same clusters and MachineDeployments, with an infrastructure provider that marks each
// OpenStackCluster and OpenStackMachine provisioned as soon as it can, calling no cloud and
// writing each object once (spec, then status). No provider can provision faster here; the
// real run's time minus this one is what OpenStack's latencies and this provider add.
func runBaseline(ctx context.Context, c config) (*report, error) {
	step("baseline: Cluster API with an instant infrastructure provider (no OpenStack, no manager process)")
	env, err := fleet.Start(ctx, fleet.Options{NoManager: true})
	if err != nil {
		return nil, err
	}
	defer func() { _ = env.Stop() }()
	mgr, err := ctrl.NewManager(env.F.Config, ctrl.Options{
		Scheme: env.F.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, err
	}
	p := instant{c: mgr.GetClient()}
	if err := ctrl.NewControllerManagedBy(mgr).Named("instant-cluster").For(&infrav1.OpenStackCluster{}).Complete(reconcile.Func(p.cluster)); err != nil {
		return nil, err
	}
	if err := ctrl.NewControllerManagedBy(mgr).Named("instant-machine").For(&infrav1.OpenStackMachine{}).
		Watches(&clusterv1.Machine{}, handler.EnqueueRequestsFromMapFunc(util.MachineToInfrastructureMapFunc(infrav1.GroupVersion.WithKind("OpenStackMachine")))).
		WithOptions(controller.Options{MaxConcurrentReconciles: c.Concurrency}).Complete(reconcile.Func(p.machine)); err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = mgr.Start(mctx) }()

	r := newReport(c)
	r.Settings["baseline"] = "instant infrastructure provider"
	if err := phases12(ctx, env, c, r); err != nil {
		return r, err
	}
	r.ProvisionSeconds = r.ClusterPhase.Seconds + r.MachinePhase.Seconds
	return r, nil
}

// instant provisions at once: an endpoint for clusters, a providerID for machines whose
// Machine owns them and has bootstrap data.
type instant struct{ c client.Client }

func (p instant) cluster(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	osc := &infrav1.OpenStackCluster{}
	if err := p.c.Get(ctx, req.NamespacedName, osc); err != nil || osc.Status.Initialization != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, p.provision(ctx, osc,
		func() { osc.Spec.ControlPlaneEndpoint = &clusterv1.APIEndpoint{Host: "192.0.2.10", Port: 6443} },
		func() {
			osc.Status.Initialization = &infrav1.ClusterInitialization{Provisioned: ptr.To(true)}
			ready(&osc.Status.Conditions, osc.Generation)
		})
}

func (p instant) machine(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	osm := &infrav1.OpenStackMachine{}
	if err := p.c.Get(ctx, req.NamespacedName, osm); err != nil || osm.Status.Initialization != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	m, err := util.GetOwnerMachine(ctx, p.c, osm.ObjectMeta)
	if err != nil || m == nil || m.Spec.Bootstrap.DataSecretName == nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, p.provision(ctx, osm,
		func() { osm.Spec.ProviderID = ptr.To(fmt.Sprintf("openstack:///%s", osm.UID)) },
		func() {
			osm.Status.Initialization = &infrav1.MachineInitialization{Provisioned: ptr.To(true)}
			ready(&osm.Status.Conditions, osm.Generation)
		})
}

// provision writes obj once with spec's change, then its status once with status's.
func (p instant) provision(ctx context.Context, obj client.Object, spec, status func()) error {
	before := obj.DeepCopyObject().(client.Object)
	spec()
	if err := p.c.Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return err
	}
	before = obj.DeepCopyObject().(client.Object)
	status()
	return p.c.Status().Patch(ctx, obj, client.MergeFrom(before))
}

func ready(conds *[]metav1.Condition, generation int64) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: infrav1.ReadyCondition, Status: metav1.ConditionTrue, Reason: "Ready", ObservedGeneration: generation})
}
