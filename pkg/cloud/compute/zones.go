// Package compute turns machine specs into Nova servers, and Nova's availability zones into
// the cluster's failure domains.
package compute

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// FailureDomains lists Nova's availability zones as failure domains. A zone that Nova still
// lists but reports unavailable (all its hosts down for a moment) stays, so a blip does not
// make Cluster API move machines around; a zone that is gone from the list is dropped.
func FailureDomains(ctx context.Context, compute clients.Compute, spec *infrav1.OpenStackClusterSpec) ([]clusterv1.FailureDomain, error) {
	zones, err := compute.ListAvailabilityZones(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	names := make([]string, 0, len(zones))
	for _, z := range zones {
		names = append(names, z.ZoneName)
	}
	return failureDomains(names, spec), nil
}

// failureDomains marks the zones fit for the control plane: none with
// controlPlaneOmitAvailabilityZone, the listed ones with controlPlaneAvailabilityZones, else all.
func failureDomains(zones []string, spec *infrav1.OpenStackClusterSpec) []clusterv1.FailureDomain {
	sort.Strings(zones)
	zones = slices.Compact(zones)
	omit := ptr.Deref(spec.ControlPlaneOmitAvailabilityZone, false)
	out := make([]clusterv1.FailureDomain, 0, len(zones))
	for _, z := range zones {
		cp := !omit && (len(spec.ControlPlaneAvailabilityZones) == 0 || slices.Contains(spec.ControlPlaneAvailabilityZones, z))
		out = append(out, clusterv1.FailureDomain{Name: z, ControlPlane: ptr.To(cp)})
	}
	return out
}
