package compute

import (
	"slices"
	"testing"

	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

func TestFailureDomains(t *testing.T) {
	cases := []struct {
		name string
		spec infrav1.OpenStackClusterSpec
		cp   map[string]bool
	}{
		{"all fit the control plane", infrav1.OpenStackClusterSpec{}, map[string]bool{"az1": true, "az2": true, "az3": true}},
		{"listed zones only", infrav1.OpenStackClusterSpec{ControlPlaneAvailabilityZones: []string{"az2"}}, map[string]bool{"az1": false, "az2": true, "az3": false}},
		{"omit", infrav1.OpenStackClusterSpec{ControlPlaneOmitAvailabilityZone: ptr.To(true)}, map[string]bool{"az1": false, "az2": false, "az3": false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			zones := []string{"az2", "az1", "az3", "az1"}
			got := FailureDomains(zones, &tc.spec)
			if len(got) != 3 || got[0].Name != "az1" || got[2].Name != "az3" {
				t.Fatalf("zones = %+v, want az1..az3 sorted, once each", got)
			}
			if !slices.Equal(zones, []string{"az2", "az1", "az3", "az1"}) {
				t.Fatalf("the caller's (possibly shared) slice was changed: %v", zones)
			}
			for _, fd := range got {
				if *fd.ControlPlane != tc.cp[fd.Name] {
					t.Errorf("%s controlPlane = %v, want %v", fd.Name, *fd.ControlPlane, tc.cp[fd.Name])
				}
			}
		})
	}
}
