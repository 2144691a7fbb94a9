package webhooks

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/cluster-api/util/topology"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// +kubebuilder:webhook:path=/validate-infrastructure-cluster-x-k8s-io-v1beta2-openstackclustertemplate,mutating=false,failurePolicy=fail,sideEffects=None,groups=infrastructure.cluster.x-k8s.io,resources=openstackclustertemplates,verbs=create;update,versions=v1beta2,name=validation.openstackclustertemplate.infrastructure.cluster.x-k8s.io,admissionReviewVersions=v1

// OpenStackClusterTemplate validates OpenStackClusterTemplates. Their spec is immutable: a
// ClusterClass points at a new template to change its clusters.
type OpenStackClusterTemplate struct{}

var _ admission.Validator[*infrav1.OpenStackClusterTemplate] = OpenStackClusterTemplate{}

// ValidateCreate checks a new OpenStackClusterTemplate.
func (OpenStackClusterTemplate) ValidateCreate(_ context.Context, t *infrav1.OpenStackClusterTemplate) (admission.Warnings, error) {
	errs := validateClusterSpec(&t.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	return nil, invalid("OpenStackClusterTemplate", t.Name, errs)
}

// ValidateUpdate rejects changes to the template's spec, except in Cluster API topology dry-runs.
func (OpenStackClusterTemplate) ValidateUpdate(ctx context.Context, old, t *infrav1.OpenStackClusterTemplate) (admission.Warnings, error) {
	path := field.NewPath("spec", "template", "spec")
	errs := validateClusterSpec(&t.Spec.Template.Spec, path)
	if !isTopologyDryRun(ctx, t) {
		errs = append(errs, forbidChanges(changedPaths(path, &old.Spec.Template.Spec, &t.Spec.Template.Spec),
			"OpenStackClusterTemplate spec is immutable: create a new template and point the ClusterClass at it")...)
	}
	return nil, invalid("OpenStackClusterTemplate", t.Name, errs)
}

// ValidateDelete allows every delete.
func (OpenStackClusterTemplate) ValidateDelete(context.Context, *infrav1.OpenStackClusterTemplate) (admission.Warnings, error) {
	return nil, nil
}

// isTopologyDryRun reports whether the request is a Cluster API topology server-side-apply
// dry-run, which must pass immutability checks so the topology controller can compute diffs.
func isTopologyDryRun(ctx context.Context, obj metav1.Object) bool {
	req, err := admission.RequestFromContext(ctx)
	return err == nil && topology.IsDryRunRequest(req, obj)
}
