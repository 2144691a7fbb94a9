package networking

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"go.uber.org/mock/gomock"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

func TestDeleteNetwork(t *testing.T) {
	recorded := func() *infrav1.NetworkStatusWithSubnets {
		return &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: netID}, Subnets: []infrav1.Subnet{{ID: subnetID}}}
	}
	ownedPorts := func(network string) ports.ListOpts { return ports.ListOpts{NetworkID: network, Tags: testOwner} }
	tests := []struct {
		name    string
		spec    *infrav1.OpenStackClusterSpec
		status  *infrav1.NetworkStatusWithSubnets
		expect  func(e *env)
		wantErr []string
	}{{
		name:   "the user's network is only forgotten",
		spec:   &infrav1.OpenStackClusterSpec{},
		status: recorded(),
	}, {
		name:   "ours: the ports we left, then the network",
		spec:   managedSpec(),
		status: recorded(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil)
			gomock.InOrder(
				e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return([]ports.Port{{ID: "p-1"}, {ID: "p-2"}}, nil),
				e.net.EXPECT().DeletePort(gomock.Any(), "p-1").Return(nil),
				e.net.EXPECT().DeletePort(gomock.Any(), "p-2").Return(notFound),
				e.net.EXPECT().DeleteNetwork(gomock.Any(), netID).Return(nil),
			)
		},
	}, {
		name:   "recorded, and an untagged second one by name (a late create): both deleted",
		spec:   managedSpec(),
		status: recorded(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return([]clients.NetworkExt{
				network(netID, testName, false, testOwner), network("net-late", testName, false),
			}, nil)
			gomock.InOrder(
				e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return(nil, nil),
				e.net.EXPECT().DeleteNetwork(gomock.Any(), netID).Return(nil),
				e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts("net-late")).Return(nil, nil),
				e.net.EXPECT().DeleteNetwork(gomock.Any(), "net-late").Return(nil),
			)
		},
	}, {
		name:   "already gone",
		spec:   managedSpec(),
		status: recorded(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil)
			e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return(nil, nil)
			e.net.EXPECT().DeleteNetwork(gomock.Any(), netID).Return(notFound)
		},
	}, {
		name: "status lost: found by name",
		spec: managedSpec(),
		expect: func(e *env) {
			gomock.InOrder(
				e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).
					Return([]clients.NetworkExt{network(netID, testName, false), network("net-2", testName, false)}, nil),
				e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return(nil, nil),
				e.net.EXPECT().DeleteNetwork(gomock.Any(), netID).Return(nil),
				e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts("net-2")).Return(nil, nil),
				e.net.EXPECT().DeleteNetwork(gomock.Any(), "net-2").Return(nil),
			)
		},
	}, {
		name: "status lost, never created",
		spec: managedSpec(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return(nil, nil)
		},
	}, {
		name:   "still in use: 409 for the caller to retry",
		spec:   managedSpec(),
		status: recorded(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil)
			e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return(nil, nil)
			e.net.EXPECT().DeleteNetwork(gomock.Any(), netID).Return(inUse)
		},
		wantErr: []string{"deleting network " + netID},
	}, {
		name:   "a port refuses to go",
		spec:   managedSpec(),
		status: recorded(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil)
			e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return([]ports.Port{{ID: "p-1"}}, nil)
			e.net.EXPECT().DeletePort(gomock.Any(), "p-1").Return(inUse)
		},
		wantErr: []string{"deleting port p-1"},
	}, {
		name:   "listing ports fails",
		spec:   managedSpec(),
		status: recorded(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: testName}).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil)
			e.net.EXPECT().ListPorts(gomock.Any(), ownedPorts(netID)).Return(nil, boom)
		},
		wantErr: []string{"listing the cluster's ports on network " + netID, "boom"},
	}, {
		name: "lookup by name fails",
		spec: managedSpec(),
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"looking up the cluster network", "boom"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			status := &infrav1.OpenStackClusterStatus{Network: tt.status}
			err := e.svc.DeleteNetwork(ctx, tt.spec, status)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				if tt.status != nil && status.Network == nil {
					t.Error("status.network forgotten after an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if status.Network != nil {
				t.Errorf("status.network = %+v after a delete", status.Network)
			}
		})
	}
}

// TestDeleteErrorsAreClassified: the 409 a delete returns stays recognisable through the
// wrapping, so the caller can requeue instead of reporting a broken spec.
func TestDeleteErrorsAreClassified(t *testing.T) {
	e := newEnv(t)
	e.net.EXPECT().ListNetworks(gomock.Any(), gomock.Any()).Return(nil, nil)
	e.net.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil)
	e.net.EXPECT().DeleteNetwork(gomock.Any(), netID).Return(inUse)
	err := e.svc.DeleteNetwork(ctx, managedSpec(), &infrav1.OpenStackClusterStatus{
		Network: &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: netID}},
	})
	if !clients.IsConflict(err) {
		t.Errorf("error %v: want a conflict", err)
	}
}
