package compute

import (
	"context"
	"errors"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/availabilityzones"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients/mock"
)

func TestFailureDomains(t *testing.T) {
	zones := []availabilityzones.AvailabilityZone{
		{ZoneName: "az2"}, {ZoneName: "az1", ZoneState: availabilityzones.ZoneState{Available: false}}, {ZoneName: "az3"},
	}
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
			c := mock.NewMockCompute(gomock.NewController(t))
			c.EXPECT().ListAvailabilityZones(gomock.Any()).Return(zones, nil)
			got, err := FailureDomains(context.Background(), c, &tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 || got[0].Name != "az1" || got[2].Name != "az3" {
				t.Fatalf("zones = %+v, want az1..az3 sorted (the unavailable one kept)", got)
			}
			for _, fd := range got {
				if *fd.ControlPlane != tc.cp[fd.Name] {
					t.Errorf("%s controlPlane = %v, want %v", fd.Name, *fd.ControlPlane, tc.cp[fd.Name])
				}
			}
		})
	}
	c := mock.NewMockCompute(gomock.NewController(t))
	c.EXPECT().ListAvailabilityZones(gomock.Any()).Return(nil, errors.New("boom"))
	if _, err := FailureDomains(context.Background(), c, &infrav1.OpenStackClusterSpec{}); err == nil {
		t.Fatal("error not returned")
	}
}
