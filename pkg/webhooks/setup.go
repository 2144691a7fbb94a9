package webhooks

import (
	ctrl "sigs.k8s.io/controller-runtime"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// SetupWithManager registers the validating webhooks of every kind with the manager's webhook server.
func SetupWithManager(mgr ctrl.Manager) error {
	if err := ctrl.NewWebhookManagedBy(mgr, &infrav1.OpenStackCluster{}).WithValidator(OpenStackCluster{}).Complete(); err != nil {
		return err
	}
	if err := ctrl.NewWebhookManagedBy(mgr, &infrav1.OpenStackClusterTemplate{}).WithValidator(OpenStackClusterTemplate{}).Complete(); err != nil {
		return err
	}
	if err := ctrl.NewWebhookManagedBy(mgr, &infrav1.OpenStackMachine{}).WithValidator(OpenStackMachine{}).Complete(); err != nil {
		return err
	}
	return ctrl.NewWebhookManagedBy(mgr, &infrav1.OpenStackMachineTemplate{}).WithValidator(OpenStackMachineTemplate{}).Complete()
}
