package controllers

import (
	"testing"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/compute"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// The provider ID must equal the one the cloud controller manager gives the Node:
// openstack:///<id> by default, openstack://<region>/<id> with OS_CCM_REGIONAL=true.
func TestProviderIDRegion(t *testing.T) {
	for _, tc := range []struct {
		withRegion bool
		want       string
	}{{false, "openstack:///srv"}, {true, "openstack://RegionTwo/srv"}} {
		s := &machineScope{reconciler: &OpenStackMachineReconciler{ProviderIDWithRegion: tc.withRegion}, cloud: &scope.Scope{Region: "RegionTwo"}}
		if got := compute.ProviderID(s.providerIDRegion(), "srv"); got != tc.want {
			t.Errorf("with region %v: %q, want %q", tc.withRegion, got, tc.want)
		}
	}
}
