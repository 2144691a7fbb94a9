package framework

import (
	"context"
	"fmt"

	"sigs.k8s.io/cluster-api/controllers/clustercache"
	"sigs.k8s.io/cluster-api/core/reconcilers/clusterclass"
	topologycluster "sigs.k8s.io/cluster-api/core/reconcilers/topology/cluster"
	topologymachinedeployment "sigs.k8s.io/cluster-api/core/reconcilers/topology/machinedeployment"
	topologymachineset "sigs.k8s.io/cluster-api/core/reconcilers/topology/machineset"
	coreadmission "sigs.k8s.io/cluster-api/core/webhooks/admission"
	"sigs.k8s.io/cluster-api/feature"
	ctrl "sigs.k8s.io/controller-runtime"
)

// enableTopology turns on Cluster API's ClusterTopology feature gate for this process, as
// `--feature-gates=ClusterTopology=true` does for Cluster API's manager: the Cluster and
// ClusterClass webhooks accept managed topologies only with it.
func enableTopology() error {
	return feature.MutableGates.Set(string(feature.ClusterTopology) + "=true")
}

// setupTopology registers the reconcilers of Cluster API's managed topologies as core/main.go
// does with the gate on: ClusterClass, Cluster topology, and the MachineDeployment and
// MachineSet topology clean-ups. Runtime extensions are off, so no runtime client.
func setupTopology(ctx context.Context, mgr ctrl.Manager, clusterCache clustercache.ClusterCache) error {
	if err := (&clusterclass.Reconciler{Client: mgr.GetClient()}).SetupWithManager(ctx, mgr, concurrency(10)); err != nil {
		return fmt.Errorf("setting up Cluster API's ClusterClass controller: %w", err)
	}
	if err := (&topologycluster.Reconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
	}).SetupWithManager(ctx, mgr, concurrency(10)); err != nil {
		return fmt.Errorf("setting up Cluster API's ClusterTopology controller: %w", err)
	}
	if err := (&topologymachinedeployment.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}).SetupWithManager(ctx, mgr, concurrency(10)); err != nil {
		return fmt.Errorf("setting up Cluster API's MachineDeploymentTopology controller: %w", err)
	}
	if err := (&topologymachineset.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}).SetupWithManager(ctx, mgr, concurrency(10)); err != nil {
		return fmt.Errorf("setting up Cluster API's MachineSetTopology controller: %w", err)
	}
	return (&coreadmission.ClusterClass{Client: mgr.GetClient()}).SetupWebhookWithManager(mgr)
}
