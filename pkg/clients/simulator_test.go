package clients_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	lbflavors "github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// simulatorClients authenticates against a fresh simulator whose asynchronous work is instant.
func simulatorClients(t *testing.T) (*simulator.Simulator, *clients.ClientSet) {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Latency: simulator.Latencies{ServerBuild: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	sim.Start()
	t.Cleanup(sim.Close)
	cfg := clients.Config{
		Auth: gophercloud.AuthOptions{
			IdentityEndpoint: sim.URL() + "/identity", Username: "demo", Password: simulator.DefaultPassword, DomainName: "Default",
			Scope: &gophercloud.AuthScope{ProjectName: "demo", DomainName: "Default"}, AllowReauth: true,
		},
		Endpoint: gophercloud.EndpointOpts{Region: "RegionOne"},
	}
	set, err := clients.NewClientSet(context.Background(), cfg, clients.NewLimiter(clients.RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 1e6, WriteBurst: 1e6}), clients.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	return sim, set
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestSimulatorNetworkCalls runs the Network interface through a cluster network's life.
func TestSimulatorNetworkCalls(t *testing.T) {
	sim, set := simulatorClients(t)
	n, ctx := set.Network, context.Background()

	extensions, err := n.ListExtensions(ctx)
	if err != nil || len(extensions) == 0 {
		t.Fatalf("extensions: %v, %v", extensions, err)
	}
	public := must[[]clients.NetworkExt](t, "list public")(n.ListNetworks(ctx, networks.ListOpts{Name: "public"}))
	if len(public) != 1 || !public[0].External {
		t.Fatalf("public network: %+v", public)
	}
	net := must[*clients.NetworkExt](t, "create network")(n.CreateNetwork(ctx, networks.CreateOpts{Name: "k8s"}))
	check(t, "get network", errOnly(n.GetNetwork(ctx, net.ID)))
	check(t, "update network", errOnly(n.UpdateNetwork(ctx, net.ID, networks.UpdateOpts{Description: ptr("cluster")})))
	tags := must[[]string](t, "tag network")(n.ReplaceTags(ctx, "networks", net.ID, []string{"cluster-a"}))
	if !slices.Equal(tags, []string{"cluster-a"}) {
		t.Errorf("tags %v", tags)
	}
	sub := must[*subnets.Subnet](t, "create subnet")(n.CreateSubnet(ctx, subnets.CreateOpts{NetworkID: net.ID, CIDR: "10.6.0.0/24", IPVersion: 4}))
	check(t, "get subnet", errOnly(n.GetSubnet(ctx, sub.ID)))
	if got := must[[]subnets.Subnet](t, "list subnets")(n.ListSubnets(ctx, subnets.ListOpts{NetworkID: net.ID})); len(got) != 1 {
		t.Errorf("%d subnets", len(got))
	}
	router := must[*routers.Router](t, "create router")(n.CreateRouter(ctx, routers.CreateOpts{Name: "k8s",
		GatewayInfo: &routers.GatewayInfo{NetworkID: public[0].ID}}))
	check(t, "get router", errOnly(n.GetRouter(ctx, router.ID)))
	check(t, "list routers", errOnly(n.ListRouters(ctx, routers.ListOpts{Name: "k8s"})))
	check(t, "update router", errOnly(n.UpdateRouter(ctx, router.ID, routers.UpdateOpts{Description: ptr("r")})))
	check(t, "add interface", errOnly(n.AddRouterInterface(ctx, router.ID, routers.AddInterfaceOpts{SubnetID: sub.ID})))

	sg := must[*groups.SecGroup](t, "create group")(n.CreateSecurityGroup(ctx, groups.CreateOpts{Name: "k8s-nodes"}))
	check(t, "get group", errOnly(n.GetSecurityGroup(ctx, sg.ID)))
	check(t, "update group", errOnly(n.UpdateSecurityGroup(ctx, sg.ID, groups.UpdateOpts{Description: ptr("nodes")})))
	if got := must[[]groups.SecGroup](t, "list groups")(n.ListSecurityGroups(ctx, groups.ListOpts{Name: "k8s-nodes"})); len(got) != 1 {
		t.Errorf("%d groups", len(got))
	}
	created := must[[]rules.SecGroupRule](t, "bulk rules")(n.CreateSecurityGroupRules(ctx, []rules.CreateOpts{
		{SecGroupID: sg.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolTCP, PortRangeMin: 6443, PortRangeMax: 6443},
		{SecGroupID: sg.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolTCP, PortRangeMin: 22, PortRangeMax: 22},
	}))
	if len(created) != 2 {
		t.Fatalf("%d rules created", len(created))
	}
	if got := must[[]rules.SecGroupRule](t, "list rules")(n.ListSecurityGroupRules(ctx, rules.ListOpts{SecGroupID: sg.ID, Protocol: "tcp"})); len(got) != 2 {
		t.Errorf("%d TCP rules, want 2", len(got))
	}
	check(t, "delete rule", n.DeleteSecurityGroupRule(ctx, created[1].ID))

	port := must[*ports.Port](t, "create port")(n.CreatePort(ctx, ports.CreateOpts{NetworkID: net.ID, Name: "worker-1", SecurityGroups: &[]string{sg.ID}}))
	check(t, "get port", errOnly(n.GetPort(ctx, port.ID)))
	check(t, "update port", errOnly(n.UpdatePort(ctx, port.ID, ports.UpdateOpts{Description: ptr("p")})))
	if got := must[[]ports.Port](t, "list ports")(n.ListPorts(ctx, ports.ListOpts{Name: "worker-1"})); len(got) != 1 {
		t.Errorf("%d ports", len(got))
	}
	fip := must[*floatingips.FloatingIP](t, "create fip")(n.CreateFloatingIP(ctx, floatingips.CreateOpts{FloatingNetworkID: public[0].ID, Description: "api"}))
	check(t, "tag fip", errOnly(n.ReplaceTags(ctx, "floatingips", fip.ID, []string{"cluster-a"})))
	check(t, "associate", errOnly(n.UpdateFloatingIP(ctx, fip.ID, floatingips.UpdateOpts{PortID: &port.ID})))
	if got := must[*floatingips.FloatingIP](t, "get fip")(n.GetFloatingIP(ctx, fip.ID)); got.PortID != port.ID {
		t.Errorf("fip port %q", got.PortID)
	}
	if got := must[[]floatingips.FloatingIP](t, "list fips")(n.ListFloatingIPs(ctx, floatingips.ListOpts{Tags: "cluster-a"})); len(got) != 1 {
		t.Errorf("%d tagged fips", len(got))
	}
	check(t, "disassociate", errOnly(n.UpdateFloatingIP(ctx, fip.ID, floatingips.UpdateOpts{PortID: new(string)})))

	sub2 := must[*ports.Port](t, "subport")(n.CreatePort(ctx, ports.CreateOpts{NetworkID: net.ID, Name: "sub"}))
	trunk := must[*trunks.Trunk](t, "create trunk")(n.CreateTrunk(ctx, trunks.CreateOpts{PortID: port.ID, Name: "worker-1"}))
	check(t, "get trunk", errOnly(n.GetTrunk(ctx, trunk.ID)))
	check(t, "list trunks", errOnly(n.ListTrunks(ctx, trunks.ListOpts{Name: "worker-1"})))
	check(t, "add subports", errOnly(n.AddTrunkSubports(ctx, trunk.ID, trunks.AddSubportsOpts{Subports: []trunks.Subport{
		{PortID: sub2.ID, SegmentationType: "vlan", SegmentationID: 100}}})))
	if got := must[[]trunks.Subport](t, "subports")(n.ListTrunkSubports(ctx, trunk.ID)); len(got) != 1 {
		t.Errorf("%d subports", len(got))
	}
	check(t, "remove subports", errOnly(n.RemoveTrunkSubports(ctx, trunk.ID, trunks.RemoveSubportsOpts{Subports: []trunks.RemoveSubport{{PortID: sub2.ID}}})))

	// Tear down in order; every delete must succeed and a second one must be a plain 404.
	check(t, "delete trunk", n.DeleteTrunk(ctx, trunk.ID))
	check(t, "delete fip", n.DeleteFloatingIP(ctx, fip.ID))
	check(t, "delete port", n.DeletePort(ctx, port.ID))
	check(t, "delete subport", n.DeletePort(ctx, sub2.ID))
	if err := n.DeletePort(ctx, port.ID); !clients.IsNotFound(err) || clients.IgnoreNotFound(err) != nil {
		t.Errorf("second delete: %v", err)
	}
	check(t, "delete group", n.DeleteSecurityGroup(ctx, sg.ID))
	check(t, "remove interface", errOnly(n.RemoveRouterInterface(ctx, router.ID, routers.RemoveInterfaceOpts{SubnetID: sub.ID})))
	check(t, "delete router", n.DeleteRouter(ctx, router.ID))
	check(t, "delete subnet", n.DeleteSubnet(ctx, sub.ID))
	check(t, "delete network", n.DeleteNetwork(ctx, net.ID))
	if leaks := sim.Leaks(""); len(leaks) != 0 {
		t.Errorf("leaked %+v", leaks)
	}
}

// TestSimulatorComputeImageVolumeCalls runs Compute, Image and Volume through a machine's life.
func TestSimulatorComputeImageVolumeCalls(t *testing.T) {
	_, set := simulatorClients(t)
	ctx := context.Background()
	c := set.Compute

	if got, err := c.ListAvailabilityZones(ctx); err != nil || len(got) == 0 {
		t.Fatalf("zones: %v, %v", got, err)
	}
	all, err := c.ListFlavors(ctx)
	if err != nil || len(all) < 2 {
		t.Fatalf("flavors: %v, %v", all, err)
	}
	check(t, "get flavor", errOnly(c.GetFlavor(ctx, all[0].ID)))
	if got, err := c.ListServerGroups(ctx); err != nil || len(got) != 0 {
		t.Errorf("server groups: %v, %v", got, err)
	}
	if _, err := c.GetServerGroup(ctx, "00000000-0000-0000-0000-000000000000"); !clients.IsNotFound(err) {
		t.Errorf("missing server group: %v", err)
	}
	imgs := must[[]images.Image](t, "images")(set.Image.ListImages(ctx, images.ListOpts{Name: "cirros-0.6.3-x86_64-disk"}))
	if len(imgs) != 1 {
		t.Fatalf("%d images", len(imgs))
	}
	check(t, "get image", errOnly(set.Image.GetImage(ctx, imgs[0].ID)))
	public := must[[]clients.NetworkExt](t, "public")(set.Network.ListNetworks(ctx, networks.ListOpts{Name: "public"}))

	vol := must[*volumes.Volume](t, "create volume")(set.Volume.CreateVolume(ctx, volumes.CreateOpts{Name: "worker-1-root", Size: 1}))
	check(t, "get volume", errOnly(set.Volume.GetVolume(ctx, vol.ID)))
	if got := must[[]volumes.Volume](t, "list volumes")(set.Volume.ListVolumes(ctx, volumes.ListOpts{Name: "worker-1-root"})); len(got) != 1 {
		t.Errorf("%d volumes", len(got))
	}
	check(t, "delete volume", set.Volume.DeleteVolume(ctx, vol.ID))

	srv := must[*servers.Server](t, "create server")(c.CreateServer(ctx, servers.CreateOpts{Name: "worker-1", FlavorRef: all[0].ID,
		ImageRef: imgs[0].ID, Networks: []servers.Network{{UUID: public[0].ID}}, Tags: []string{"cluster-a"}}, nil))
	got := must[*servers.Server](t, "get server")(c.GetServer(ctx, srv.ID))
	if got.Tags == nil || !slices.Contains(*got.Tags, "cluster-a") {
		t.Errorf("server tags %v: tags at create need microversion %s", got.Tags, clients.ComputeMicroversion)
	}
	if found := must[[]servers.Server](t, "list")(c.ListServers(ctx, clients.ServerFilter{Tags: []string{"cluster-a"}})); len(found) != 1 {
		t.Errorf("%d tagged servers", len(found))
	}
	if got, err := c.ListServerInterfaces(ctx, srv.ID); err != nil || len(got) != 1 {
		t.Errorf("interfaces: %v, %v", got, err)
	}
	check(t, "delete server", c.DeleteServer(ctx, srv.ID))
}

// TestSimulatorLoadBalancerCalls runs the LoadBalancer interface through an API load balancer's life.
func TestSimulatorLoadBalancerCalls(t *testing.T) {
	_, set := simulatorClients(t)
	ctx := context.Background()
	l := set.LoadBalancer
	if got, err := l.ListProviders(ctx); err != nil || len(got) == 0 {
		t.Fatalf("providers: %v, %v", got, err)
	}
	if got, err := l.ListFlavors(ctx, lbflavors.ListOpts{}); err != nil || len(got) == 0 {
		t.Fatalf("flavors: %v, %v", got, err)
	}
	net := must[*clients.NetworkExt](t, "network")(set.Network.CreateNetwork(ctx, networks.CreateOpts{Name: "lb"}))
	sub := must[*subnets.Subnet](t, "subnet")(set.Network.CreateSubnet(ctx, subnets.CreateOpts{NetworkID: net.ID, CIDR: "10.7.0.0/24", IPVersion: 4}))
	lb := must[*loadbalancers.LoadBalancer](t, "create lb")(l.CreateLoadBalancer(ctx, loadbalancers.CreateOpts{Name: "k8s-api", VipSubnetID: sub.ID, Tags: []string{"cluster-a"}}))
	check(t, "get lb", errOnly(l.GetLoadBalancer(ctx, lb.ID)))
	check(t, "update lb", errOnly(l.UpdateLoadBalancer(ctx, lb.ID, loadbalancers.UpdateOpts{Description: ptr("api")})))
	if got := must[[]loadbalancers.LoadBalancer](t, "list lbs")(l.ListLoadBalancers(ctx, loadbalancers.ListOpts{Name: "k8s-api"})); len(got) != 1 {
		t.Errorf("%d lbs", len(got))
	}
	ls := must[*listeners.Listener](t, "listener")(l.CreateListener(ctx, listeners.CreateOpts{LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: 6443, Name: "api"}))
	check(t, "get listener", errOnly(l.GetListener(ctx, ls.ID)))
	check(t, "list listeners", errOnly(l.ListListeners(ctx, listeners.ListOpts{LoadbalancerID: lb.ID})))
	check(t, "update listener", errOnly(l.UpdateListener(ctx, ls.ID, listeners.UpdateOpts{Description: ptr("api")})))
	pool := must[*pools.Pool](t, "pool")(l.CreatePool(ctx, pools.CreateOpts{ListenerID: ls.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin, Name: "api"}))
	check(t, "get pool", errOnly(l.GetPool(ctx, pool.ID)))
	check(t, "list pools", errOnly(l.ListPools(ctx, pools.ListOpts{LoadbalancerID: lb.ID})))
	member := must[*pools.Member](t, "member")(l.CreateMember(ctx, pool.ID, pools.CreateMemberOpts{Address: "10.7.0.10", ProtocolPort: 6443, Name: "cp-0"}))
	check(t, "get member", errOnly(l.GetMember(ctx, pool.ID, member.ID)))
	if got := must[[]pools.Member](t, "list members")(l.ListMembers(ctx, pool.ID, pools.ListMembersOpts{})); len(got) != 1 {
		t.Errorf("%d members", len(got))
	}
	mon := must[*monitors.Monitor](t, "monitor")(l.CreateMonitor(ctx, monitors.CreateOpts{PoolID: pool.ID, Type: monitors.TypeTCP, Delay: 5, Timeout: 3, MaxRetries: 3}))
	check(t, "get monitor", errOnly(l.GetMonitor(ctx, mon.ID)))
	check(t, "list monitors", errOnly(l.ListMonitors(ctx, monitors.ListOpts{PoolID: pool.ID})))
	check(t, "delete monitor", l.DeleteMonitor(ctx, mon.ID))
	check(t, "delete member", l.DeleteMember(ctx, pool.ID, member.ID))
	check(t, "delete pool", l.DeletePool(ctx, pool.ID))
	check(t, "delete listener", l.DeleteListener(ctx, ls.ID))
	check(t, "delete lb", l.DeleteLoadBalancer(ctx, lb.ID, loadbalancers.DeleteOpts{}))
}

func errOnly[T any](_ T, err error) error { return err }

func ptr[T any](v T) *T { return &v }
