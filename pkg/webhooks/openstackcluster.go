package webhooks

import (
	"context"
	"fmt"
	"net/netip"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// clusterMutableFields is what the user may change on a live OpenStackCluster.
const clusterMutableFields = "fields that may change after creation: identityRef, managedSecurityGroups, " +
	"apiServer.managedLoadBalancer.allowedCIDRs, apiServer.managedLoadBalancer.monitor, managedSubnets[].dnsNameservers, " +
	"controlPlaneAvailabilityZones, controlPlaneOmitAvailabilityZone, controlPlaneEndpoint (only while unset), " +
	"bastion (set bastion.enabled: false first, then change or remove it)"

// +kubebuilder:webhook:path=/validate-infrastructure-cluster-x-k8s-io-v1beta2-openstackcluster,mutating=false,failurePolicy=fail,sideEffects=None,groups=infrastructure.cluster.x-k8s.io,resources=openstackclusters,verbs=create;update,versions=v1beta2,name=validation.openstackcluster.infrastructure.cluster.x-k8s.io,admissionReviewVersions=v1

// OpenStackCluster validates OpenStackClusters.
type OpenStackCluster struct{}

var _ admission.Validator[*infrav1.OpenStackCluster] = OpenStackCluster{}

// ValidateCreate checks a new OpenStackCluster.
func (OpenStackCluster) ValidateCreate(_ context.Context, c *infrav1.OpenStackCluster) (admission.Warnings, error) {
	return nil, invalid("OpenStackCluster", c.Name, validateClusterSpec(&c.Spec, field.NewPath("spec")))
}

// ValidateUpdate checks a change to an OpenStackCluster.
func (OpenStackCluster) ValidateUpdate(_ context.Context, old, c *infrav1.OpenStackCluster) (admission.Warnings, error) {
	path := field.NewPath("spec")
	errs := validateClusterSpec(&c.Spec, path)
	errs = append(errs, validateClusterSpecUpdate(&old.Spec, &c.Spec, path)...)
	return nil, invalid("OpenStackCluster", c.Name, errs)
}

// ValidateDelete allows every delete.
func (OpenStackCluster) ValidateDelete(context.Context, *infrav1.OpenStackCluster) (admission.Warnings, error) {
	return nil, nil
}

// validateClusterSpec checks what the CRD schema cannot: addresses that must parse and ports
// that must not collide.
func validateClusterSpec(spec *infrav1.OpenStackClusterSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range spec.ManagedSubnets {
		sp := path.Child("managedSubnets").Index(i)
		cidrErrs := validateCIDR(sp.Child("cidr"), s.CIDR)
		errs = append(errs, cidrErrs...)
		for j, ns := range s.DNSNameservers {
			errs = append(errs, validateIP(sp.Child("dnsNameservers").Index(j), ns)...)
		}
		for j, pool := range s.AllocationPools {
			pp := sp.Child("allocationPools").Index(j)
			errs = append(errs, validatePool(pp, pool, s.CIDR, len(cidrErrs) == 0)...)
		}
	}
	if r := spec.ManagedRouter; r != nil {
		for i, ip := range r.ExternalIPs {
			if ip.FixedIP != "" {
				errs = append(errs, validateIP(path.Child("managedRouter", "externalIPs").Index(i).Child("fixedIP"), ip.FixedIP)...)
			}
		}
	}
	errs = append(errs, validateAPIServer(spec.APIServer, path.Child("apiServer"))...)
	if sg := spec.ManagedSecurityGroups; sg != nil {
		sgp := path.Child("managedSecurityGroups")
		errs = append(errs, validateRules(sg.AllNodesSecurityGroupRules, sgp.Child("clusterNodesSecurityGroupRules"))...)
		errs = append(errs, validateRules(sg.ControlPlaneNodesSecurityGroupRules, sgp.Child("controlPlaneNodesSecurityGroupRules"))...)
		errs = append(errs, validateRules(sg.WorkerNodesSecurityGroupRules, sgp.Child("workerNodesSecurityGroupRules"))...)
	}
	if b := spec.Bastion; b != nil && b.Spec != nil {
		errs = append(errs, validateMachineSpec(b.Spec, path.Child("bastion", "spec"))...)
	}
	return errs
}

func validatePool(path *field.Path, pool infrav1.AllocationPool, cidr string, cidrValid bool) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateIP(path.Child("start"), pool.Start)...)
	errs = append(errs, validateIP(path.Child("end"), pool.End)...)
	if len(errs) > 0 || !cidrValid {
		return errs
	}
	prefix := netip.MustParsePrefix(cidr)
	start, end := netip.MustParseAddr(pool.Start), netip.MustParseAddr(pool.End)
	if !prefix.Contains(start) || !prefix.Contains(end) {
		errs = append(errs, field.Invalid(path, fmt.Sprintf("%s-%s", pool.Start, pool.End), "the pool must lie inside the subnet's cidr "+cidr))
	} else if end.Less(start) {
		errs = append(errs, field.Invalid(path.Child("end"), pool.End, "end must not come before start"))
	}
	return errs
}

func validateAPIServer(a *infrav1.APIServer, path *field.Path) field.ErrorList {
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	if a.FixedIP != nil {
		errs = append(errs, validateIP(path.Child("fixedIP"), *a.FixedIP)...)
	}
	if a.FloatingIP != nil {
		errs = append(errs, validateIP(path.Child("floatingIP"), *a.FloatingIP)...)
	}
	lb := a.ManagedLoadBalancer
	if lb == nil {
		return errs
	}
	lbp := path.Child("managedLoadBalancer")
	apiPort := 6443
	if a.Port != nil && *a.Port != 0 {
		apiPort = *a.Port
	}
	for i, p := range lb.AdditionalPorts {
		switch {
		case p < 1 || p > 65535:
			errs = append(errs, field.Invalid(lbp.Child("additionalPorts").Index(i), p, "must be a port between 1 and 65535"))
		case p == apiPort:
			errs = append(errs, field.Invalid(lbp.Child("additionalPorts").Index(i), p, "is already the API server port: list only extra ports"))
		}
	}
	for i, c := range lb.AllowedCIDRs {
		errs = append(errs, validateIPOrCIDR(lbp.Child("allowedCIDRs").Index(i), c)...)
	}
	return errs
}

func validateRules(rules []infrav1.SecurityGroupRuleSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, r := range rules {
		if r.RemoteIPPrefix != nil {
			errs = append(errs, validateCIDR(path.Index(i).Child("remoteIPPrefix"), *r.RemoteIPPrefix)...)
		}
	}
	return errs
}

// validateClusterSpecUpdate allows only the mutations the provider can carry out on a live cluster.
func validateClusterSpecUpdate(oldSpec, newSpec *infrav1.OpenStackClusterSpec, path *field.Path) field.ErrorList {
	errs := validateBastionUpdate(oldSpec.Bastion, newSpec.Bastion, path.Child("bastion"))
	o, n := oldSpec.DeepCopy(), newSpec.DeepCopy()
	for _, s := range []*infrav1.OpenStackClusterSpec{o, n} {
		s.IdentityRef = infrav1.OpenStackIdentityReference{}
		s.ManagedSecurityGroups = nil
		s.ControlPlaneAvailabilityZones = nil
		s.ControlPlaneOmitAvailabilityZone = nil
		s.Bastion = nil
		for i := range s.ManagedSubnets {
			s.ManagedSubnets[i].DNSNameservers = nil
		}
		if s.APIServer != nil && s.APIServer.ManagedLoadBalancer != nil {
			s.APIServer.ManagedLoadBalancer.AllowedCIDRs = nil
			s.APIServer.ManagedLoadBalancer.Monitor = nil
		}
	}
	if o.ControlPlaneEndpoint == nil || o.ControlPlaneEndpoint.Host == "" {
		o.ControlPlaneEndpoint, n.ControlPlaneEndpoint = nil, nil
	}
	return append(errs, forbidChanges(changedPaths(path, o, n), "cannot be changed after creation; "+clusterMutableFields)...)
}

// validateBastionUpdate lets the bastion change only while it is, or is being, disabled, so the
// provider never has to replace a running bastion behind the user's back.
func validateBastionUpdate(old, cur *infrav1.Bastion, path *field.Path) field.ErrorList {
	enabled := func(b *infrav1.Bastion) bool { return b != nil && (b.Enabled == nil || *b.Enabled) }
	switch {
	case old == nil || !enabled(old):
		return nil
	case cur == nil:
		return field.ErrorList{field.Forbidden(path, "a running bastion cannot be removed: set bastion.enabled: false, apply, then remove it")}
	case !enabled(cur):
		return nil
	}
	paths := changedPaths(path, old, cur)
	return forbidChanges(paths, "a running bastion cannot be changed: set bastion.enabled: false, apply, then change it and enable it again")
}

// invalid turns field errors into the Invalid error the API server returns to the user.
func invalid(kind, name string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(infrav1.GroupVersion.WithKind(kind).GroupKind(), name, errs)
}
