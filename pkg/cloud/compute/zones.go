// Package compute turns machine specs into Nova servers, and Nova's availability zones into
// the cluster's failure domains.
package compute

import (
	"slices"

	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// FailureDomains turns Nova's availability zones into failure domains. A zone that Nova still
// lists but reports unavailable (all its hosts down for a moment) stays, so a blip does not
// make Cluster API move machines around; a zone that is gone from the list is dropped. The
// zones fit for the control plane are none with controlPlaneOmitAvailabilityZone, the listed
// ones with controlPlaneAvailabilityZones, else all.
func FailureDomains(zones []string, spec *infrav1.OpenStackClusterSpec) []clusterv1.FailureDomain {
	zones = slices.Compact(slices.Sorted(slices.Values(zones))) // a copy: zones may be shared
	omit := ptr.Deref(spec.ControlPlaneOmitAvailabilityZone, false)
	out := make([]clusterv1.FailureDomain, 0, len(zones))
	for _, z := range zones {
		cp := !omit && (len(spec.ControlPlaneAvailabilityZones) == 0 || slices.Contains(spec.ControlPlaneAvailabilityZones, z))
		out = append(out, clusterv1.FailureDomain{Name: z, ControlPlane: ptr.To(cp)})
	}
	return out
}
