package compute

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

func TestResolveDefaultsCostNothing(t *testing.T) {
	e := newEnv(t) // no expectation: IDs and the cluster network need no lookup
	m := testMachine()
	if err := e.svc.Resolve(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	want := resolved(testMachine()).Status.Resolved
	if !reflect.DeepEqual(m.Status.Resolved, want) {
		t.Errorf("resolved = %+v\nwant %+v", m.Status.Resolved, want)
	}
	first := m.Status.Resolved
	if err := e.svc.Resolve(context.Background(), m); err != nil || m.Status.Resolved != first {
		t.Errorf("second Resolve: %v, resolved %p then %p: it must do nothing", err, first, m.Status.Resolved)
	}
}

func TestResolveImageFilter(t *testing.T) {
	filter := infrav1.ImageParam{Filter: &infrav1.ImageFilter{Name: ptr.To("ubuntu"), Tags: []string{"kube"}}}
	cases := []struct {
		name    string
		found   []images.Image
		wantErr string
	}{
		{"none", nil, "no image matches"},
		{"several", []images.Image{{ID: "img-a"}, {ID: "img-b"}}, "2 images match (img-a, img-b)"},
		{"one", []images.Image{{ID: "img-a"}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.image.EXPECT().ListImages(gomock.Any(), images.ListOpts{Name: "ubuntu", Tags: []string{"kube"}}).Return(tc.found, nil)
			m := testMachine()
			m.Spec.Image = filter
			err := e.svc.Resolve(context.Background(), m)
			if tc.wantErr == "" {
				if err != nil || m.Status.Resolved.ImageID != "img-a" {
					t.Fatalf("Resolve = %v, image %q", err, m.Status.Resolved.ImageID)
				}
				return
			}
			if !cloud.IsInvalidSpec(err) || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), `"ubuntu"`) {
				t.Fatalf("error %v: want an invalid spec error naming the filter and %q", err, tc.wantErr)
			}
			if m.Status.Resolved != nil {
				t.Error("a failed resolution was recorded")
			}
		})
	}
}

func TestResolveFlavorByName(t *testing.T) {
	all := []flavors.Flavor{{ID: "1", Name: "small"}, {ID: "2", Name: "large"}, {ID: "3", Name: "large"}}
	cases := []struct{ name, flavor, wantID, wantErr string }{
		{"one", "small", "1", ""},
		{"none", "medium", "", "no flavor matches"},
		{"several", "large", "", "2 flavors match (2, 3)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.compute.EXPECT().ListFlavors(gomock.Any()).Return(all, nil)
			m := testMachine()
			m.Spec.Flavor = infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To(tc.flavor)}}
			err := e.svc.Resolve(context.Background(), m)
			if tc.wantErr != "" {
				if !cloud.IsInvalidSpec(err) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || m.Status.Resolved.FlavorID != tc.wantID {
				t.Fatalf("Resolve = %v, flavor %+v", err, m.Status.Resolved)
			}
		})
	}
}

func TestResolveServerGroupByName(t *testing.T) {
	e := newEnv(t)
	e.compute.EXPECT().ListServerGroups(gomock.Any()).Return([]servergroups.ServerGroup{{ID: "g1", Name: "other"}, {ID: "g2", Name: "cp"}}, nil)
	m := testMachine()
	m.Spec.ServerGroup = &infrav1.ServerGroupParam{Filter: &infrav1.ServerGroupFilter{Name: ptr.To("cp")}}
	if err := e.svc.Resolve(context.Background(), m); err != nil || m.Status.Resolved.ServerGroupID != "g2" {
		t.Fatalf("Resolve = %v, %+v", err, m.Status.Resolved)
	}

	e = newEnv(t)
	e.compute.EXPECT().ListServerGroups(gomock.Any()).Return(nil, nil)
	m = testMachine()
	m.Spec.ServerGroup = &infrav1.ServerGroupParam{Filter: &infrav1.ServerGroupFilter{Name: ptr.To("cp")}}
	if err := e.svc.Resolve(context.Background(), m); !cloud.IsInvalidSpec(err) {
		t.Fatalf("no group: %v, want an invalid spec error", err)
	}
}

func TestResolvePorts(t *testing.T) {
	e := newEnv(t)
	e.network.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: "machine-sg"}).Return([]groups.SecGroup{{ID: "sg-m"}}, nil)
	e.network.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: "data"}).Return([]clients.NetworkExt{{Network: networks.Network{ID: "net-data"}}}, nil)
	e.network.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: "net-data", CIDR: "10.1.0.0/24"}).Return([]subnets.Subnet{{ID: "sn-data"}}, nil)
	m := testMachine()
	m.Spec.SecurityGroups = []infrav1.SecurityGroupParam{{Filter: &infrav1.SecurityGroupFilter{Name: "machine-sg"}}}
	m.Spec.Trunk = true
	m.Spec.Ports = []infrav1.PortOpts{
		{}, // the cluster network, with the machine's security groups
		{
			Network: &infrav1.NetworkParam{Filter: &infrav1.NetworkFilter{Name: "data"}}, NameSuffix: ptr.To("data"),
			FixedIPs:       []infrav1.FixedIP{{Subnet: &infrav1.SubnetParam{Filter: &infrav1.SubnetFilter{CIDR: "10.1.0.0/24"}}, IPAddress: ptr.To("10.1.0.9")}},
			SecurityGroups: []infrav1.SecurityGroupParam{{ID: ptr.To("sg-port")}}, Tags: []string{"port-tag"},
			Trunk: ptr.To(false),
		},
		{Description: ptr.To("sriov"), ResolvedPortSpecFields: infrav1.ResolvedPortSpecFields{EnablePortSecurity: ptr.To(false), VNICType: ptr.To("direct")}},
	}
	if err := e.svc.Resolve(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := m.Status.Resolved.Ports
	if len(got) != 3 {
		t.Fatalf("%d ports, want 3", len(got))
	}
	want0 := infrav1.ResolvedPortSpec{
		Name: "m-1-0", NetworkID: testNet, FixedIPs: []infrav1.ResolvedFixedIP{{Subnet: ptr.To(testSubnet)}},
		SecurityGroups: []string{"sg-m"}, Tags: []string{testOwner, "cluster-tag", "machine-tag"}, Trunk: ptr.To(true),
	}
	want1 := infrav1.ResolvedPortSpec{
		Name: "m-1-data", NetworkID: "net-data",
		FixedIPs:       []infrav1.ResolvedFixedIP{{Subnet: ptr.To("sn-data"), IPAddress: ptr.To("10.1.0.9")}},
		SecurityGroups: []string{"sg-port"}, Tags: []string{testOwner, "cluster-tag", "machine-tag", "port-tag"}, Trunk: ptr.To(false),
	}
	want2 := infrav1.ResolvedPortSpec{
		Name: "m-1-2", Description: "sriov", NetworkID: testNet, FixedIPs: []infrav1.ResolvedFixedIP{{Subnet: ptr.To(testSubnet)}},
		Tags: []string{testOwner, "cluster-tag", "machine-tag"}, Trunk: ptr.To(true),
		ResolvedPortSpecFields: infrav1.ResolvedPortSpecFields{EnablePortSecurity: ptr.To(false), VNICType: ptr.To("direct")},
	}
	for i, want := range []infrav1.ResolvedPortSpec{want0, want1, want2} {
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("port %d = %+v\nwant %+v", i, got[i], want)
		}
	}
}

func TestResolvePortWithoutNetwork(t *testing.T) {
	e := newEnv(t)
	m := testMachine()
	m.NetworkID = ""
	if err := e.svc.Resolve(context.Background(), m); !cloud.IsInvalidSpec(err) || !strings.Contains(err.Error(), "ports[0].network") {
		t.Fatalf("error %v, want an invalid spec error pointing at ports[0].network", err)
	}
}

func TestResolveSecurityGroupsWithoutPortSecurity(t *testing.T) {
	e := newEnv(t)
	m := testMachine()
	m.Spec.Ports = []infrav1.PortOpts{{
		SecurityGroups:         []infrav1.SecurityGroupParam{{ID: ptr.To("sg-a")}},
		ResolvedPortSpecFields: infrav1.ResolvedPortSpecFields{EnablePortSecurity: ptr.To(false)},
	}}
	if err := e.svc.Resolve(context.Background(), m); !cloud.IsInvalidSpec(err) {
		t.Fatalf("error %v, want an invalid spec error", err)
	}
}
