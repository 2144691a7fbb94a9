package networking

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/mtu"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

func network(id, name string, ext bool, tags ...string) clients.NetworkExt {
	n := clients.NetworkExt{Network: networks.Network{ID: id, Name: name, Tags: tags}}
	n.External = ext
	return n
}

var externalOnly = external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: ptr.To(true)}

func TestReconcileExternalNetwork(t *testing.T) {
	recorded := &infrav1.NetworkStatus{ID: "old-ext", Name: "old"}
	tests := []struct {
		name     string
		spec     infrav1.OpenStackClusterSpec
		status   *infrav1.NetworkStatus
		expect   func(e *env)
		want     *infrav1.NetworkStatus
		wantErr  []string
		invalid  bool
		wantNone bool
	}{{
		name:   "disabled forgets the external network without a call",
		spec:   infrav1.OpenStackClusterSpec{EnableExternalNetwork: ptr.To(false)},
		status: recorded,
	}, {
		name:   "already recorded: no call",
		status: recorded,
		want:   recorded,
	}, {
		name: "auto-detect: no external network means none",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), externalOnly).Return(nil, nil)
		},
	}, {
		name: "auto-detect: the only external network",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), externalOnly).Return([]clients.NetworkExt{network(extNetID, "public", true, "t1")}, nil)
		},
		want: &infrav1.NetworkStatus{ID: extNetID, Name: "public", Tags: []string{"t1"}},
	}, {
		name: "auto-detect: several external networks is an error naming them",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), externalOnly).Return([]clients.NetworkExt{
				network("ext-a", "public", true), network("ext-b", "provider", true),
			}, nil)
		},
		wantErr: []string{"ext-a", "ext-b", "spec.externalNetwork"},
		invalid: true,
	}, {
		name: "auto-detect: list error",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), externalOnly).Return(nil, boom)
		},
		wantErr: []string{"listing external networks", "boom"},
	}, {
		name: "named by ID and external",
		spec: infrav1.OpenStackClusterSpec{ExternalNetwork: &infrav1.NetworkParam{ID: ptr.To(extNetID)}},
		expect: func(e *env) {
			n := network(extNetID, "public", true)
			e.net.EXPECT().GetNetwork(gomock.Any(), extNetID).Return(&n, nil)
		},
		want: &infrav1.NetworkStatus{ID: extNetID, Name: "public"},
	}, {
		name: "named by filter and external",
		spec: infrav1.OpenStackClusterSpec{ExternalNetwork: &infrav1.NetworkParam{Filter: &infrav1.NetworkFilter{Name: "public"}}},
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networks.ListOpts{Name: "public"}).
				Return([]clients.NetworkExt{network(extNetID, "public", true)}, nil)
		},
		want: &infrav1.NetworkStatus{ID: extNetID, Name: "public"},
	}, {
		name: "named network that is not external is an error",
		spec: infrav1.OpenStackClusterSpec{ExternalNetwork: &infrav1.NetworkParam{ID: ptr.To(netID)}},
		expect: func(e *env) {
			n := network(netID, "private", false)
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&n, nil)
		},
		wantErr: []string{netID, "private", "not an external network"},
		invalid: true,
	}, {
		name: "named network that does not exist",
		spec: infrav1.OpenStackClusterSpec{ExternalNetwork: &infrav1.NetworkParam{ID: ptr.To(extNetID)}},
		expect: func(e *env) {
			e.net.EXPECT().GetNetwork(gomock.Any(), extNetID).Return(nil, notFound)
		},
		wantErr: []string{"external network", extNetID, "does not exist"},
		invalid: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			status := &infrav1.OpenStackClusterStatus{ExternalNetwork: tt.status}
			err := e.svc.ReconcileExternalNetwork(ctx, &tt.spec, status)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				if tt.invalid {
					wantInvalid(t, err)
				}
				if status.ExternalNetwork != nil {
					t.Errorf("status.externalNetwork = %+v after an error", status.ExternalNetwork)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(status.ExternalNetwork, tt.want) {
				t.Errorf("status.externalNetwork = %+v, want %+v", status.ExternalNetwork, tt.want)
			}
		})
	}
}

func managedSpec() *infrav1.OpenStackClusterSpec {
	return &infrav1.OpenStackClusterSpec{ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.6.0.0/24"}}}
}

var (
	networkByName = networks.ListOpts{Name: testName}
	subnetByName  = subnets.ListOpts{NetworkID: netID, Name: testName}
)

func TestReconcileNetworkCreatesAndTags(t *testing.T) {
	e := newEnv(t)
	spec := managedSpec()
	spec.ManagedSubnets[0].DNSNameservers = []string{"8.8.8.8"}
	status := &infrav1.OpenStackClusterStatus{}
	created := network(netID, testName, false)
	gomock.InOrder(
		e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return(nil, nil),
		e.net.EXPECT().CreateNetwork(gomock.Any(), networks.CreateOpts{
			Name: testName, AdminStateUp: ptr.To(true), Description: "Created by the Cluster API OpenStack provider",
		}).Return(&created, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "networks", netID, testTags).Return(testTags, nil),
		e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return(nil, nil),
		e.net.EXPECT().CreateSubnet(gomock.Any(), subnets.CreateOpts{
			Name: testName, NetworkID: netID, CIDR: "10.6.0.0/24", IPVersion: 4, DNSNameservers: []string{"8.8.8.8"},
			Description: "Created by the Cluster API OpenStack provider",
		}).Return(&subnets.Subnet{ID: subnetID, Name: testName, CIDR: "10.6.0.0/24", NetworkID: netID}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "subnets", subnetID, testTags).Return(testTags, nil),
	)
	if err := e.svc.ReconcileNetwork(ctx, spec, status); err != nil {
		t.Fatal(err)
	}
	want := &infrav1.NetworkStatusWithSubnets{
		NetworkStatus: infrav1.NetworkStatus{ID: netID, Name: testName, Tags: testTags},
		Subnets:       []infrav1.Subnet{{ID: subnetID, Name: testName, CIDR: "10.6.0.0/24", Tags: testTags}},
	}
	if !reflect.DeepEqual(status.Network, want) {
		t.Errorf("status.network = %+v, want %+v", status.Network, want)
	}
	if e.saves != 2 {
		t.Errorf("saved %d times, want 2 (after the network, after the subnet)", e.saves)
	}
	if want := []string{"NetworkCreated: created network " + netID, "SubnetCreated: created subnet " + subnetID}; !reflect.DeepEqual(e.events, want) {
		t.Errorf("events %q, want %q", e.events, want)
	}

	// Steady state: status holds the IDs, so nothing is looked up.
	if err := e.svc.ReconcileNetwork(ctx, spec, status); err != nil {
		t.Fatal(err)
	}
	if e.saves != 2 {
		t.Errorf("steady state saved")
	}
}

func TestReconcileNetworkAdopts(t *testing.T) {
	e := newEnv(t)
	status := &infrav1.OpenStackClusterStatus{}
	// The network carries the ownership tag: not tagged again. The subnet lost its tags
	// (e.g. a crash between create and tag): tagged.
	gomock.InOrder(
		e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil),
		e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return([]subnets.Subnet{{ID: subnetID, Name: testName, CIDR: "10.6.0.0/24"}}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "subnets", subnetID, testTags).Return(testTags, nil),
	)
	if err := e.svc.ReconcileNetwork(ctx, managedSpec(), status); err != nil {
		t.Fatal(err)
	}
	if status.Network == nil || status.Network.ID != netID || len(status.Network.Subnets) != 1 || status.Network.Subnets[0].ID != subnetID {
		t.Errorf("status.network = %+v", status.Network)
	}
	if len(e.events) != 0 {
		t.Errorf("events %q for adopted resources", e.events)
	}
}

func TestReconcileNetworkSecondSubnet(t *testing.T) {
	// Subnets after the first are named "<name>-<index>"; only the missing one is made.
	e := newEnv(t)
	e.svc.Event = nil // creating works without events
	spec := managedSpec()
	spec.ManagedSubnets = append(spec.ManagedSubnets, infrav1.SubnetSpec{CIDR: "10.7.0.0/24"})
	status := &infrav1.OpenStackClusterStatus{Network: &infrav1.NetworkStatusWithSubnets{
		NetworkStatus: infrav1.NetworkStatus{ID: netID}, Subnets: []infrav1.Subnet{{ID: subnetID}},
	}}
	name := testName + "-1"
	gomock.InOrder(
		e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: netID, Name: name}).Return(nil, nil),
		e.net.EXPECT().CreateSubnet(gomock.Any(), subnetCreateOpts(name, netID, spec.ManagedSubnets[1])).
			Return(&subnets.Subnet{ID: "subnet-2", Name: name, CIDR: "10.7.0.0/24"}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "subnets", "subnet-2", testTags).Return(testTags, nil),
	)
	if err := e.svc.ReconcileNetwork(ctx, spec, status); err != nil {
		t.Fatal(err)
	}
	if len(status.Network.Subnets) != 2 || status.Network.Subnets[1].ID != "subnet-2" {
		t.Errorf("subnets %+v", status.Network.Subnets)
	}
}

func TestReconcileNetworkLostCreateResponse(t *testing.T) {
	e := newEnv(t)
	spec, status := managedSpec(), &infrav1.OpenStackClusterStatus{}

	// The network create times out: nothing is recorded.
	gomock.InOrder(
		e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return(nil, nil),
		e.net.EXPECT().CreateNetwork(gomock.Any(), gomock.Any()).Return(nil, lost),
	)
	err := e.svc.ReconcileNetwork(ctx, spec, status)
	wantErr(t, err, "creating network")
	if status.Network != nil || e.saves != 0 {
		t.Fatalf("status.network = %+v, saves %d after a failed create", status.Network, e.saves)
	}

	// Neutron did create it, untagged: found by name and tagged, not created again. Then the
	// subnet create times out too; the network stays recorded.
	gomock.InOrder(
		e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return([]clients.NetworkExt{network(netID, testName, false)}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "networks", netID, testTags).Return(testTags, nil),
		e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return(nil, nil),
		e.net.EXPECT().CreateSubnet(gomock.Any(), gomock.Any()).Return(nil, lost),
	)
	err = e.svc.ReconcileNetwork(ctx, spec, status)
	wantErr(t, err, "creating subnet")
	if status.Network == nil || status.Network.ID != netID || len(status.Network.Subnets) != 0 || e.saves != 1 {
		t.Fatalf("status.network = %+v, saves %d", status.Network, e.saves)
	}

	// The subnet is found by name: no second subnet, no network lookup.
	gomock.InOrder(
		e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return([]subnets.Subnet{{ID: subnetID, Name: testName}}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "subnets", subnetID, testTags).Return(testTags, nil),
	)
	if err := e.svc.ReconcileNetwork(ctx, spec, status); err != nil {
		t.Fatal(err)
	}
	if len(status.Network.Subnets) != 1 || status.Network.Subnets[0].ID != subnetID || e.saves != 2 {
		t.Errorf("status.network = %+v, saves %d", status.Network, e.saves)
	}
}

func TestReconcileNetworkErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  *infrav1.NetworkStatusWithSubnets
		expect  func(e *env)
		wantErr []string
	}{{
		name: "several tagged networks share the name",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return([]clients.NetworkExt{
				network("net-a", testName, false, testOwner), network("net-b", testName, false, testOwner),
			}, nil)
		},
		wantErr: []string{"2 networks", "net-a, net-b", "delete the ones that are not in use"},
	}, {
		name:   "several tagged subnets share the name",
		status: &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: netID}},
		expect: func(e *env) {
			e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return([]subnets.Subnet{{ID: "sub-a", Tags: testTags}, {ID: "sub-b", Tags: testTags}}, nil)
		},
		wantErr: []string{"2 subnets", "sub-a, sub-b"},
	}, {
		name: "network lookup fails",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return(nil, boom)
		},
		wantErr: []string{"looking up network", "boom"},
	}, {
		name: "tagging fails",
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return([]clients.NetworkExt{network(netID, testName, false)}, nil)
			e.net.EXPECT().ReplaceTags(gomock.Any(), "networks", netID, testTags).Return(nil, boom)
		},
		wantErr: []string{"tagging networks " + netID, "boom"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.expect(e)
			status := &infrav1.OpenStackClusterStatus{Network: tt.status}
			wantErr(t, e.svc.ReconcileNetwork(ctx, managedSpec(), status), tt.wantErr...)
			if e.saves != 0 {
				t.Errorf("saved after an error")
			}
		})
	}
}

func TestReconcileNetworkSaveError(t *testing.T) {
	// The network is recorded, but saving the status fails: the error is returned before the
	// subnet is created, so no subnet can exist that the saved status does not lead to.
	e := newEnv(t)
	e.svc.Save = func(context.Context) error { return boom }
	gomock.InOrder(
		e.net.EXPECT().ListNetworks(gomock.Any(), networkByName).Return([]clients.NetworkExt{network(netID, testName, false, testOwner)}, nil),
	)
	status := &infrav1.OpenStackClusterStatus{}
	wantErr(t, e.svc.ReconcileNetwork(ctx, managedSpec(), status), "boom")

	// Saving after the subnet fails too.
	e = newEnv(t)
	e.svc.Save = func(context.Context) error { return boom }
	gomock.InOrder(
		e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return([]subnets.Subnet{{ID: subnetID, Tags: []string{testOwner}}}, nil),
	)
	status = &infrav1.OpenStackClusterStatus{Network: &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: netID}}}
	wantErr(t, e.svc.ReconcileNetwork(ctx, managedSpec(), status), "boom")

	// Without Save (nil), nothing is persisted and nothing fails.
	e = newEnv(t)
	e.svc.Save = nil
	gomock.InOrder(
		e.net.EXPECT().ListSubnets(gomock.Any(), subnetByName).Return([]subnets.Subnet{{ID: subnetID, Tags: []string{testOwner}}}, nil),
	)
	status = &infrav1.OpenStackClusterStatus{Network: &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: netID}}}
	if err := e.svc.ReconcileNetwork(ctx, managedSpec(), status); err != nil {
		t.Fatal(err)
	}
}

func TestNetworkCreateOpts(t *testing.T) {
	base := networks.CreateOpts{Name: "n", AdminStateUp: ptr.To(true), Description: "Created by the Cluster API OpenStack provider"}
	tests := []struct {
		name string
		m    *infrav1.ManagedNetwork
		want networks.CreateOptsBuilder
	}{
		{"no options", nil, base},
		{"empty options", &infrav1.ManagedNetwork{}, base},
		{"mtu", &infrav1.ManagedNetwork{MTU: ptr.To[int32](1450)}, mtu.CreateOptsExt{CreateOptsBuilder: base, MTU: 1450}},
		{"port security", &infrav1.ManagedNetwork{EnablePortSecurity: ptr.To(false)},
			portsecurity.NetworkCreateOptsExt{CreateOptsBuilder: base, PortSecurityEnabled: ptr.To(false)}},
		{"both", &infrav1.ManagedNetwork{MTU: ptr.To[int32](9000), EnablePortSecurity: ptr.To(true)},
			portsecurity.NetworkCreateOptsExt{CreateOptsBuilder: mtu.CreateOptsExt{CreateOptsBuilder: base, MTU: 9000}, PortSecurityEnabled: ptr.To(true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := networkCreateOpts("n", tt.m)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("networkCreateOpts = %#v, want %#v", got, tt.want)
			}
			body, err := got.ToNetworkCreateMap()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			var sent struct {
				Network struct {
					MTU                 *int  `json:"mtu"`
					PortSecurityEnabled *bool `json:"port_security_enabled"`
				} `json:"network"`
			}
			if err := json.Unmarshal(raw, &sent); err != nil {
				t.Fatal(err)
			}
			var wantMTU *int
			var wantPS *bool
			if tt.m != nil {
				if tt.m.MTU != nil {
					wantMTU = ptr.To(int(*tt.m.MTU))
				}
				wantPS = tt.m.EnablePortSecurity
			}
			if !reflect.DeepEqual(sent.Network.MTU, wantMTU) || !reflect.DeepEqual(sent.Network.PortSecurityEnabled, wantPS) {
				t.Errorf("request body %s", raw)
			}
		})
	}
}

func TestSubnetCreateOpts(t *testing.T) {
	got := subnetCreateOpts("s", netID, infrav1.SubnetSpec{
		CIDR: "fd00:1::/64", AllocationPools: []infrav1.AllocationPool{{Start: "fd00:1::10", End: "fd00:1::ff"}},
	})
	if got.IPVersion != 6 || len(got.AllocationPools) != 1 || got.AllocationPools[0].Start != "fd00:1::10" || got.AllocationPools[0].End != "fd00:1::ff" {
		t.Errorf("IPv6 subnet opts = %+v", got)
	}
	if got := subnetCreateOpts("s", netID, infrav1.SubnetSpec{CIDR: "10.0.0.0/24"}); got.IPVersion != 4 || got.AllocationPools != nil {
		t.Errorf("IPv4 subnet opts = %+v", got)
	}
	if got := subnetCreateOpts("s", netID, infrav1.SubnetSpec{CIDR: "not a cidr"}); got.IPVersion != 4 {
		t.Errorf("unparsable CIDR: IPVersion %d, want 4 (Neutron reports the bad CIDR)", got.IPVersion)
	}
}
