package networking

import (
	"reflect"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

func subnet(id, network, cidr string) subnets.Subnet {
	return subnets.Subnet{ID: id, Name: "name-" + id, NetworkID: network, CIDR: cidr}
}

func statusSubnet(s subnets.Subnet) infrav1.Subnet {
	return infrav1.Subnet{ID: s.ID, Name: s.Name, CIDR: s.CIDR, Tags: s.Tags}
}

// TestReconcileNetworkBYO covers the user's own network: spec.network and/or spec.subnets,
// spec.primarySubnet; nothing is created or tagged.
func TestReconcileNetworkBYO(t *testing.T) {
	sA, sB := subnet("sub-a", netID, "10.0.0.0/24"), subnet("sub-b", netID, "10.0.1.0/24")
	other := subnet("sub-x", "net-2", "10.9.0.0/24")
	userNet := network(netID, "user-net", false, "theirs")
	userNetStatus := infrav1.NetworkStatus{ID: netID, Name: "user-net", Tags: []string{"theirs"}}
	byID := func(id string) *infrav1.SubnetParam { return &infrav1.SubnetParam{ID: ptr.To(id)} }

	tests := []struct {
		name    string
		spec    infrav1.OpenStackClusterSpec
		status  *infrav1.NetworkStatusWithSubnets
		expect  func(e *env)
		want    *infrav1.NetworkStatusWithSubnets
		wantErr []string
	}{{
		name: "no network and no subnets: the cluster has no network, no call",
	}, {
		name:   "already resolved: no call",
		spec:   infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}},
		status: &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sA)}},
		want:   &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sA)}},
	}, {
		name: "network by ID: all of its subnets, the first one primary",
		spec: infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
			e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID}).Return([]subnets.Subnet{sA, sB}, nil)
		},
		want: &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sA), statusSubnet(sB)}},
	}, {
		name: "network with primarySubnet: the primary is listed first",
		spec: infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}, PrimarySubnet: byID("sub-b")},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
			e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID}).Return([]subnets.Subnet{sA, sB}, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-b").Return(&sB, nil)
		},
		want: &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sB), statusSubnet(sA)}},
	}, {
		name: "network by filter with subnets by filter, searched on that network",
		spec: infrav1.OpenStackClusterSpec{
			Network: &infrav1.NetworkParam{Filter: &infrav1.NetworkFilter{Name: "user-net"}},
			Subnets: []infrav1.SubnetParam{{Filter: &infrav1.SubnetFilter{CIDR: "10.0.1.0/24"}}},
		},
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: "user-net"}).Return([]clients.NetworkExt{userNet}, nil)
			e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID, CIDR: "10.0.1.0/24"}).Return([]subnets.Subnet{sB}, nil)
		},
		want: &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sB)}},
	}, {
		name: "subnets only: their network is looked up",
		spec: infrav1.OpenStackClusterSpec{Subnets: []infrav1.SubnetParam{*byID("sub-a"), *byID("sub-b")}},
		expect: func(e *env) {
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-a").Return(&sA, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-b").Return(&sB, nil)
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
		},
		want: &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sA), statusSubnet(sB)}},
	}, {
		name: "subnets only, primarySubnet the second one",
		spec: infrav1.OpenStackClusterSpec{Subnets: []infrav1.SubnetParam{*byID("sub-a"), *byID("sub-b")}, PrimarySubnet: byID("sub-b")},
		expect: func(e *env) {
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-a").Return(&sA, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-b").Return(&sB, nil).Times(2)
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
		},
		want: &infrav1.NetworkStatusWithSubnets{NetworkStatus: userNetStatus, Subnets: []infrav1.Subnet{statusSubnet(sB), statusSubnet(sA)}},
	}, {
		name: "subnets on different networks",
		spec: infrav1.OpenStackClusterSpec{Subnets: []infrav1.SubnetParam{*byID("sub-a"), *byID("sub-x")}},
		expect: func(e *env) {
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-a").Return(&sA, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-x").Return(&other, nil)
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
		},
		wantErr: []string{"sub-a", "sub-x", "different networks"},
	}, {
		name: "a subnet not on the named network",
		spec: infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}, Subnets: []infrav1.SubnetParam{*byID("sub-x")}},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-x").Return(&other, nil)
		},
		wantErr: []string{"subnets[0]", "sub-x", "not on network " + netID},
	}, {
		name: "primarySubnet not one of the cluster's subnets",
		spec: infrav1.OpenStackClusterSpec{Subnets: []infrav1.SubnetParam{*byID("sub-a")}, PrimarySubnet: byID("sub-b")},
		expect: func(e *env) {
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-a").Return(&sA, nil)
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-b").Return(&sB, nil)
		},
		wantErr: []string{"primarySubnet sub-b", "not one of the cluster's subnets"},
	}, {
		name: "primarySubnet that does not exist",
		spec: infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}, PrimarySubnet: byID("sub-z")},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
			e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID}).Return([]subnets.Subnet{sA}, nil)
			e.net.EXPECT().GetSubnet(gomock.Any(), "sub-z").Return(nil, notFound)
		},
		wantErr: []string{"primarySubnet", "sub-z does not exist"},
	}, {
		name: "network without a subnet",
		spec: infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&userNet, nil)
			e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID}).Return(nil, nil)
		},
		wantErr: []string{"network " + netID + " has no subnet"},
	}, {
		name: "network that does not exist",
		spec: infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(nil, notFound)
		},
		wantErr: []string{"network: network " + netID + " does not exist"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			status := &infrav1.OpenStackClusterStatus{Network: tt.status}
			err := e.svc.ReconcileNetwork(ctx, &tt.spec, status)
			if e.saves != 0 {
				t.Errorf("saved %d times: nothing was created", e.saves)
			}
			if tt.wantErr != nil {
				wantInvalid(t, err, tt.wantErr...)
				if status.Network != nil && len(status.Network.Subnets) > 0 {
					t.Errorf("status.network = %+v after an error", status.Network)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(status.Network, tt.want) {
				t.Errorf("status.network = %+v, want %+v", status.Network, tt.want)
			}
		})
	}
}

func TestReconcileNetworkBYOTransientErrors(t *testing.T) {
	e := newEnv(t)
	spec := &infrav1.OpenStackClusterSpec{Network: &infrav1.NetworkParam{ID: ptr.To(netID)}}
	status := &infrav1.OpenStackClusterStatus{}
	n := network(netID, "user-net", false)
	gomock.InOrder(
		e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&n, nil),
		e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID}).Return(nil, boom),
	)
	err := e.svc.ReconcileNetwork(ctx, spec, status)
	wantErr(t, err, "listing the subnets of network "+netID, "boom")

	// A failure on the subnets' network: not an InvalidSpecError, the caller retries.
	spec = &infrav1.OpenStackClusterSpec{Subnets: []infrav1.SubnetParam{{ID: ptr.To("sub-a")}}}
	sA := subnet("sub-a", netID, "10.0.0.0/24")
	gomock.InOrder(
		e.net.EXPECT().GetSubnet(gomock.Any(), "sub-a").Return(&sA, nil),
		e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(nil, boom),
	)
	err = e.svc.ReconcileNetwork(ctx, spec, &infrav1.OpenStackClusterStatus{})
	wantErr(t, err, "network of subnet sub-a", "boom")
}
