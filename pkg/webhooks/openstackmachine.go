package webhooks

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// machineImmutable explains what may change on a machine spec and what to do instead.
const machineImmutable = "cannot be changed on an existing machine (only providerID, identityRef and " +
	"ports[].allowedAddressPairs may change): change the OpenStackMachineTemplate and roll out new machines"

// +kubebuilder:webhook:path=/validate-infrastructure-cluster-x-k8s-io-v1beta2-openstackmachine,mutating=false,failurePolicy=fail,sideEffects=None,groups=infrastructure.cluster.x-k8s.io,resources=openstackmachines,verbs=create;update,versions=v1beta2,name=validation.openstackmachine.infrastructure.cluster.x-k8s.io,admissionReviewVersions=v1

// OpenStackMachine validates OpenStackMachines.
type OpenStackMachine struct{}

var _ admission.Validator[*infrav1.OpenStackMachine] = OpenStackMachine{}

// ValidateCreate checks a new OpenStackMachine.
func (OpenStackMachine) ValidateCreate(_ context.Context, m *infrav1.OpenStackMachine) (admission.Warnings, error) {
	return nil, invalid("OpenStackMachine", m.Name, validateMachineSpec(&m.Spec, field.NewPath("spec")))
}

// ValidateUpdate rejects changes to immutable fields of the machine spec.
func (OpenStackMachine) ValidateUpdate(_ context.Context, old, m *infrav1.OpenStackMachine) (admission.Warnings, error) {
	path := field.NewPath("spec")
	errs := validateMachineSpec(&m.Spec, path)
	errs = append(errs, validateMachineSpecUpdate(&old.Spec, &m.Spec, path)...)
	return nil, invalid("OpenStackMachine", m.Name, errs)
}

// ValidateDelete allows every delete.
func (OpenStackMachine) ValidateDelete(context.Context, *infrav1.OpenStackMachine) (admission.Warnings, error) {
	return nil, nil
}

// validateMachineSpecUpdate allows only providerID, identityRef and the ports' allowed address
// pairs to change; everything else is fixed when the server is created.
func validateMachineSpecUpdate(oldSpec, newSpec *infrav1.OpenStackMachineSpec, path *field.Path) field.ErrorList {
	o, n := oldSpec.DeepCopy(), newSpec.DeepCopy()
	for _, s := range []*infrav1.OpenStackMachineSpec{o, n} {
		s.ProviderID = nil
		s.IdentityRef = nil
		for i := range s.Ports {
			s.Ports[i].AllowedAddressPairs = nil
		}
	}
	return forbidChanges(changedPaths(path, o, n), machineImmutable)
}

// +kubebuilder:webhook:path=/validate-infrastructure-cluster-x-k8s-io-v1beta2-openstackmachinetemplate,mutating=false,failurePolicy=fail,sideEffects=None,groups=infrastructure.cluster.x-k8s.io,resources=openstackmachinetemplates,verbs=create;update,versions=v1beta2,name=validation.openstackmachinetemplate.infrastructure.cluster.x-k8s.io,admissionReviewVersions=v1

// OpenStackMachineTemplate validates OpenStackMachineTemplates.
type OpenStackMachineTemplate struct{}

var _ admission.Validator[*infrav1.OpenStackMachineTemplate] = OpenStackMachineTemplate{}

// ValidateCreate checks a new OpenStackMachineTemplate.
func (OpenStackMachineTemplate) ValidateCreate(_ context.Context, t *infrav1.OpenStackMachineTemplate) (admission.Warnings, error) {
	errs := validateMachineSpec(&t.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	return nil, invalid("OpenStackMachineTemplate", t.Name, errs)
}

// ValidateUpdate rejects changes to the template's machine spec, except in Cluster API topology dry-runs.
func (OpenStackMachineTemplate) ValidateUpdate(ctx context.Context, old, t *infrav1.OpenStackMachineTemplate) (admission.Warnings, error) {
	path := field.NewPath("spec", "template", "spec")
	errs := validateMachineSpec(&t.Spec.Template.Spec, path)
	if !isTopologyDryRun(ctx, t) {
		errs = append(errs, validateMachineSpecUpdate(&old.Spec.Template.Spec, &t.Spec.Template.Spec, path)...)
	}
	return nil, invalid("OpenStackMachineTemplate", t.Name, errs)
}

// ValidateDelete allows every delete.
func (OpenStackMachineTemplate) ValidateDelete(context.Context, *infrav1.OpenStackMachineTemplate) (admission.Warnings, error) {
	return nil, nil
}
