package networking

import (
	"context"
	"reflect"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// routedStatus is the status of a cluster with its managed network and subnet and an external network.
func routedStatus() *infrav1.OpenStackClusterStatus {
	return &infrav1.OpenStackClusterStatus{
		ExternalNetwork: &infrav1.NetworkStatus{ID: extNetID},
		Network: &infrav1.NetworkStatusWithSubnets{
			NetworkStatus: infrav1.NetworkStatus{ID: netID, Name: testName},
			Subnets:       []infrav1.Subnet{{ID: subnetID, Name: testName}},
		},
	}
}

var (
	routerByName = routers.ListOpts{Name: testName}
	routerDesc   = "Created by the Cluster API OpenStack provider"
)

// iface is an interface of routerID on the cluster network.
func iface(id, owner, subnet string) ports.Port {
	return ports.Port{ID: id, DeviceID: routerID, NetworkID: netID, DeviceOwner: owner, FixedIPs: []ports.IP{{SubnetID: subnet}}}
}

// gatewayPort is routerID's port on the external network; it is no interface.
var gatewayPort = ports.Port{ID: "p-gw", DeviceID: routerID, NetworkID: extNetID, DeviceOwner: "network:router_gateway"}

// neutronPorts answers ListPorts as Neutron does: with the ports that match every filter set.
// The router's gateway port is always there.
func neutronPorts(all ...ports.Port) func(context.Context, ports.ListOptsBuilder) ([]ports.Port, error) {
	all = append(all, gatewayPort)
	return func(_ context.Context, b ports.ListOptsBuilder) ([]ports.Port, error) {
		o := b.(ports.ListOpts)
		var out []ports.Port
		for _, p := range all {
			if (o.DeviceID == "" || p.DeviceID == o.DeviceID) && (o.NetworkID == "" || p.NetworkID == o.NetworkID) &&
				(o.DeviceOwner == "" || p.DeviceOwner == o.DeviceOwner) {
				out = append(out, p)
			}
		}
		return out, nil
	}
}

// listPorts expects one ListPorts answered by neutronPorts.
func listPorts(e *env, all ...ports.Port) *gomock.Call {
	return e.net.EXPECT().ListPorts(gomock.Any(), gomock.Any()).DoAndReturn(neutronPorts(all...)).Call
}

func TestReconcileRouterNothingToDo(t *testing.T) {
	tests := []struct {
		name   string
		spec   *infrav1.OpenStackClusterSpec
		status func() *infrav1.OpenStackClusterStatus
	}{
		{"router recorded", managedSpec(), func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		}},
		{"no network yet", managedSpec(), func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Network = nil
			return s
		}},
		{"the user's network", &infrav1.OpenStackClusterSpec{}, routedStatus},
		{"no external network and no router named", managedSpec(), func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.ExternalNetwork = nil
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.svc.ReconcileRouter(ctx, tt.spec, tt.status()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestReconcileRouterCreates(t *testing.T) {
	e := newEnv(t)
	status := routedStatus()
	created := &routers.Router{ID: routerID, Name: testName, GatewayInfo: routers.GatewayInfo{
		NetworkID: extNetID, ExternalFixedIPs: []routers.ExternalFixedIP{{IPAddress: "203.0.113.7", SubnetID: "ext-sub"}},
	}}
	gomock.InOrder(
		e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, nil),
		e.net.EXPECT().CreateRouter(gomock.Any(), routers.CreateOpts{
			Name: testName, GatewayInfo: &routers.GatewayInfo{NetworkID: extNetID}, Description: routerDesc,
		}).Return(created, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "routers", routerID, testTags).Return(testTags, nil),
		listPorts(e),
		e.net.EXPECT().AddRouterInterface(gomock.Any(), routerID, routers.AddInterfaceOpts{SubnetID: subnetID}).Return(&routers.InterfaceInfo{}, nil),
	)
	if err := e.svc.ReconcileRouter(ctx, managedSpec(), status); err != nil {
		t.Fatal(err)
	}
	want := &infrav1.Router{ID: routerID, Name: testName, Tags: testTags, IPs: []string{"203.0.113.7"}}
	if !reflect.DeepEqual(status.Router, want) {
		t.Errorf("status.router = %+v, want %+v", status.Router, want)
	}
	// Steady state: no call.
	if err := e.svc.ReconcileRouter(ctx, managedSpec(), status); err != nil {
		t.Fatal(err)
	}
}

func TestReconcileRouterExternalIPs(t *testing.T) {
	e := newEnv(t)
	spec := managedSpec()
	spec.ManagedRouter = &infrav1.ManagedRouter{ExternalIPs: []infrav1.ExternalRouterIPParam{
		{FixedIP: "203.0.113.10", Subnet: infrav1.SubnetParam{Filter: &infrav1.SubnetFilter{Name: "public-v4"}}},
		{Subnet: infrav1.SubnetParam{ID: ptr.To("ext-sub-2")}},
	}}
	status := routedStatus()
	gomock.InOrder(
		e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, nil),
		e.net.EXPECT().ListSubnets(gomock.Any(), subnets.ListOpts{NetworkID: extNetID, Name: "public-v4"}).
			Return([]subnets.Subnet{{ID: "ext-sub-1", NetworkID: extNetID}}, nil),
		e.net.EXPECT().GetSubnet(gomock.Any(), "ext-sub-2").Return(&subnets.Subnet{ID: "ext-sub-2", NetworkID: extNetID}, nil),
		e.net.EXPECT().CreateRouter(gomock.Any(), routers.CreateOpts{
			Name: testName, Description: routerDesc, GatewayInfo: &routers.GatewayInfo{NetworkID: extNetID, ExternalFixedIPs: []routers.ExternalFixedIP{
				{IPAddress: "203.0.113.10", SubnetID: "ext-sub-1"}, {SubnetID: "ext-sub-2"},
			}},
		}).Return(&routers.Router{ID: routerID, Name: testName, GatewayInfo: routers.GatewayInfo{ExternalFixedIPs: []routers.ExternalFixedIP{
			{IPAddress: "203.0.113.10"}, {IPAddress: "198.51.100.3"},
		}}}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "routers", routerID, testTags).Return(testTags, nil),
		listPorts(e),
		e.net.EXPECT().AddRouterInterface(gomock.Any(), routerID, routers.AddInterfaceOpts{SubnetID: subnetID}).Return(&routers.InterfaceInfo{}, nil),
	)
	if err := e.svc.ReconcileRouter(ctx, spec, status); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(status.Router.IPs, []string{"203.0.113.10", "198.51.100.3"}) {
		t.Errorf("status.router.ips = %v", status.Router.IPs)
	}
}

func TestReconcileRouterExternalIPOnAnotherNetwork(t *testing.T) {
	e := newEnv(t)
	spec := managedSpec()
	spec.ManagedRouter = &infrav1.ManagedRouter{ExternalIPs: []infrav1.ExternalRouterIPParam{{Subnet: infrav1.SubnetParam{ID: ptr.To(subnetID)}}}}
	status := routedStatus()
	gomock.InOrder(
		e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, nil),
		e.net.EXPECT().GetSubnet(gomock.Any(), subnetID).Return(&subnets.Subnet{ID: subnetID, NetworkID: netID}, nil),
	)
	err := e.svc.ReconcileRouter(ctx, spec, status)
	wantInvalid(t, err, "managedRouter.externalIPs[0]", "not on network "+extNetID)
	if status.Router != nil {
		t.Errorf("status.router = %+v after an error", status.Router)
	}
}

// TestReconcileRouterAlreadyAttached: the router of a run whose status was lost is found by
// name, and an interface it already has is not added again, whatever kind of router it is.
func TestReconcileRouterAlreadyAttached(t *testing.T) {
	for _, owner := range []string{"network:router_interface", "network:router_interface_distributed", "network:ha_router_replicated_interface"} {
		t.Run(owner, func(t *testing.T) {
			e := newEnv(t)
			status := routedStatus()
			gomock.InOrder(
				e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Name: testName, Tags: []string{testOwner}}}, nil),
				listPorts(e, iface("p-1", owner, subnetID)),
			)
			if err := e.svc.ReconcileRouter(ctx, managedSpec(), status); err != nil {
				t.Fatal(err)
			}
			if status.Router == nil || status.Router.ID != routerID {
				t.Errorf("status.router = %+v", status.Router)
			}
		})
	}
}

func TestReconcileRouterAttachesMissingInterfacesOnly(t *testing.T) {
	e := newEnv(t)
	status := routedStatus()
	status.Network.Subnets = append(status.Network.Subnets, infrav1.Subnet{ID: "subnet-2"})
	gomock.InOrder(
		e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: []string{testOwner}}}, nil),
		listPorts(e,
			iface("p-1", "network:router_interface", subnetID),
			// A port of the router that is no interface (e.g. an HA port) does not count.
			iface("p-ha", "network:router_ha_interface", "subnet-2"),
		),
		e.net.EXPECT().AddRouterInterface(gomock.Any(), routerID, routers.AddInterfaceOpts{SubnetID: "subnet-2"}).Return(&routers.InterfaceInfo{}, nil),
	)
	if err := e.svc.ReconcileRouter(ctx, managedSpec(), status); err != nil {
		t.Fatal(err)
	}
}

func TestReconcileRouterUsersRouter(t *testing.T) {
	e := newEnv(t)
	spec := managedSpec()
	spec.Router = &infrav1.RouterParam{ID: ptr.To(routerID)}
	status := routedStatus()
	status.ExternalNetwork = nil // the user's router needs no external network of ours
	gomock.InOrder(
		e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(&routers.Router{ID: routerID, Name: "theirs", Tags: []string{"their-tag"}}, nil),
		listPorts(e),
		e.net.EXPECT().AddRouterInterface(gomock.Any(), routerID, routers.AddInterfaceOpts{SubnetID: subnetID}).Return(&routers.InterfaceInfo{}, nil),
	)
	if err := e.svc.ReconcileRouter(ctx, spec, status); err != nil {
		t.Fatal(err)
	}
	want := &infrav1.Router{ID: routerID, Name: "theirs", Tags: []string{"their-tag"}}
	if !reflect.DeepEqual(status.Router, want) {
		t.Errorf("status.router = %+v, want %+v (the user's router is neither created nor tagged)", status.Router, want)
	}
}

func TestReconcileRouterErrors(t *testing.T) {
	tests := []struct {
		name    string
		router  *infrav1.RouterParam
		expect  func(e *env)
		wantErr []string
		invalid bool
	}{{
		name:    "the user's router does not exist",
		router:  &infrav1.RouterParam{ID: ptr.To(routerID)},
		expect:  func(e *env) { e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(nil, notFound) },
		wantErr: []string{"router: router " + routerID + " does not exist"},
		invalid: true,
	}, {
		name: "several tagged routers share the name",
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: "r-a", Tags: testTags}, {ID: "r-b", Tags: testTags}}, nil)
		},
		wantErr: []string{"2 routers", "r-a, r-b"},
	}, {
		name: "the create fails",
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, nil)
			e.net.EXPECT().CreateRouter(gomock.Any(), gomock.Any()).Return(nil, lost)
		},
		wantErr: []string{"creating router"},
	}, {
		name: "listing the interfaces fails",
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: []string{testOwner}}}, nil)
			e.net.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"listing the router's interfaces", "boom"},
	}, {
		name: "attaching fails",
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: []string{testOwner}}}, nil)
			listPorts(e)
			e.net.EXPECT().AddRouterInterface(gomock.Any(), routerID, gomock.Any()).Return(nil, inUse)
		},
		wantErr: []string{"attaching router " + routerID + " to subnet " + subnetID},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.expect(e)
			spec := managedSpec()
			spec.Router = tt.router
			status := routedStatus()
			err := e.svc.ReconcileRouter(ctx, spec, status)
			wantErr(t, err, tt.wantErr...)
			if tt.invalid {
				wantInvalid(t, err)
			}
			if status.Router != nil {
				t.Errorf("status.router = %+v after an error: the next run would skip the missing work", status.Router)
			}
		})
	}
}

func TestDeleteRouter(t *testing.T) {
	usersRouter := &infrav1.RouterParam{ID: ptr.To(routerID)}
	tests := []struct {
		name       string
		spec       *infrav1.OpenStackClusterSpec
		status     func() *infrav1.OpenStackClusterStatus
		expect     func(e *env)
		wantErr    []string
		keepRouter bool
	}{{
		name: "our router: every interface detached, then deleted",
		spec: managedSpec(),
		status: func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: testTags}}, nil)
			gomock.InOrder(
				listPorts(e,
					iface("p-1", "network:router_interface", subnetID),
					iface("p-2", "network:router_interface_distributed", "other-subnet"),
					iface("p-ha", "network:router_ha_interface", ""),
				),
				e.net.EXPECT().RemoveRouterInterface(gomock.Any(), routerID, routers.RemoveInterfaceOpts{PortID: "p-1"}).Return(&routers.InterfaceInfo{}, nil),
				e.net.EXPECT().RemoveRouterInterface(gomock.Any(), routerID, routers.RemoveInterfaceOpts{PortID: "p-2"}).Return(nil, notFound),
				e.net.EXPECT().DeleteRouter(gomock.Any(), routerID).Return(nil),
			)
		},
	}, {
		name: "our router already gone",
		spec: managedSpec(),
		status: func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: testTags}}, nil)
			listPorts(e)
			e.net.EXPECT().DeleteRouter(gomock.Any(), routerID).Return(notFound)
		},
	}, {
		name:   "status lost: routers found by name",
		spec:   managedSpec(),
		status: routedStatus,
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID}, {ID: "router-2"}}, nil)
			listPorts(e, iface("p-1", "network:router_interface", subnetID))
			e.net.EXPECT().RemoveRouterInterface(gomock.Any(), routerID, routers.RemoveInterfaceOpts{PortID: "p-1"}).Return(&routers.InterfaceInfo{}, nil)
			e.net.EXPECT().DeleteRouter(gomock.Any(), routerID).Return(nil)
			e.net.EXPECT().ListPorts(gomock.Any(), gomock.Any()).DoAndReturn(neutronPorts())
			e.net.EXPECT().DeleteRouter(gomock.Any(), "router-2").Return(nil)
		},
	}, {
		name:   "status lost, no router ever made",
		spec:   managedSpec(),
		status: routedStatus,
		expect: func(e *env) { e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, nil) },
	}, {
		name:   "the user's network: no router of ours, no call",
		spec:   &infrav1.OpenStackClusterSpec{},
		status: routedStatus,
	}, {
		name: "the user's router: only its interfaces on the cluster network are detached",
		spec: &infrav1.OpenStackClusterSpec{ManagedSubnets: managedSpec().ManagedSubnets, Router: usersRouter},
		status: func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		},
		expect: func(e *env) {
			listPorts(e, iface("p-1", "network:router_interface", subnetID),
				// The user's router also serves their own network: that interface stays.
				ports.Port{ID: "p-theirs", DeviceID: routerID, NetworkID: "their-net", DeviceOwner: "network:router_interface"})
			e.net.EXPECT().RemoveRouterInterface(gomock.Any(), routerID, routers.RemoveInterfaceOpts{PortID: "p-1"}).Return(&routers.InterfaceInfo{}, nil)
		},
	}, {
		name:   "the user's router, status lost: found again",
		spec:   &infrav1.OpenStackClusterSpec{ManagedSubnets: managedSpec().ManagedSubnets, Router: usersRouter},
		status: routedStatus,
		expect: func(e *env) {
			e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(&routers.Router{ID: routerID}, nil)
			listPorts(e)
		},
	}, {
		name:   "the user's router is gone: nothing to detach",
		spec:   &infrav1.OpenStackClusterSpec{ManagedSubnets: managedSpec().ManagedSubnets, Router: usersRouter},
		status: routedStatus,
		expect: func(e *env) { e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(nil, notFound) },
	}, {
		name: "the user's router without a cluster network: nothing to detach",
		spec: &infrav1.OpenStackClusterSpec{ManagedSubnets: managedSpec().ManagedSubnets, Router: usersRouter},
		status: func() *infrav1.OpenStackClusterStatus {
			return &infrav1.OpenStackClusterStatus{Router: &infrav1.Router{ID: routerID}}
		},
	}, {
		name:    "looking up the user's router fails",
		spec:    &infrav1.OpenStackClusterSpec{ManagedSubnets: managedSpec().ManagedSubnets, Router: usersRouter},
		status:  routedStatus,
		expect:  func(e *env) { e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(nil, boom) },
		wantErr: []string{"boom"},
	}, {
		name:    "looking up our router fails",
		spec:    managedSpec(),
		status:  routedStatus,
		expect:  func(e *env) { e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, boom) },
		wantErr: []string{"looking up the cluster router", "boom"},
	}, {
		name: "listing interfaces fails",
		spec: managedSpec(),
		status: func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return(nil, nil)
			e.net.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr:    []string{"listing the interfaces of router " + routerID, "boom"},
		keepRouter: true,
	}, {
		name: "detaching is refused",
		spec: managedSpec(),
		status: func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: testTags}}, nil)
			listPorts(e, iface("p-1", "network:router_interface", subnetID))
			e.net.EXPECT().RemoveRouterInterface(gomock.Any(), routerID, gomock.Any()).Return(nil, inUse)
		},
		wantErr:    []string{"detaching router " + routerID + " from port p-1"},
		keepRouter: true,
	}, {
		name: "the router is still in use: 409 for the caller to retry",
		spec: managedSpec(),
		status: func() *infrav1.OpenStackClusterStatus {
			s := routedStatus()
			s.Router = &infrav1.Router{ID: routerID}
			return s
		},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), routerByName).Return([]routers.Router{{ID: routerID, Tags: testTags}}, nil)
			listPorts(e)
			e.net.EXPECT().DeleteRouter(gomock.Any(), routerID).Return(inUse)
		},
		wantErr:    []string{"deleting router " + routerID},
		keepRouter: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			status := tt.status()
			err := e.svc.DeleteRouter(ctx, tt.spec, status)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				if tt.keepRouter && status.Router == nil {
					t.Errorf("status.router forgotten after an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if status.Router != nil {
				t.Errorf("status.router = %+v after a delete", status.Router)
			}
		})
	}
}
