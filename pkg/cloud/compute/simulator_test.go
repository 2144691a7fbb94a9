package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// secretReader serves the one identityRef Secret of the simulator tests.
type secretReader struct{ data map[string][]byte }

func (r secretReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	s := obj.(*corev1.Secret)
	s.Namespace, s.Name, s.Data = key.Namespace, key.Name, r.data
	return nil
}

func (secretReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("not supported")
}

// simEnv is a MachineService on a simulator with a fake clock, and a cluster network.
type simEnv struct {
	sim   *simulator.Simulator
	clock *simulator.FakeClock
	scope *scope.Scope
	svc   *MachineService
	owner string
	netID string
	snID  string
	sgID  string
}

func startSim(t *testing.T, options ...func(*simulator.Options)) *simEnv {
	t.Helper()
	ctx := context.Background()
	clock := simulator.NewFakeClock(time.Now())
	opts := simulator.Options{Clock: clock, Latency: simulator.Latencies{
		ServerBuild: 30 * time.Second, ServerDelete: 3 * time.Second, VolumeCreate: 6 * time.Second, VolumeDelete: 2 * time.Second,
		LoadBalancerCreate: 10 * time.Second, LoadBalancerChild: 2 * time.Second, LoadBalancerUpdate: 2 * time.Second,
	}}
	for _, o := range options {
		o(&opts)
	}
	sim, err := simulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sim.Start()
	t.Cleanup(sim.Close)
	unlimited := clients.RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 1e6, WriteBurst: 1e6}
	f, err := scope.NewFactory(secretReader{map[string][]byte{scope.CloudsYAMLKey: sim.CloudsYAML("sim")}},
		clients.Options{RateLimits: unlimited, Retry: clients.Retry{MaxRetries: -1}}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := f.ForIdentity(ctx, "ns", scope.IdentityRef{Name: "cloud", CloudName: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	e := &simEnv{sim: sim, clock: clock, scope: sc, owner: cloud.ClusterTag("ns", "c1"),
		svc: &MachineService{Compute: sc.Compute, Network: sc.Network, Image: sc.Image, Volume: sc.Volume, Region: sc.Region, Now: clock.Now}}
	e.netID, e.snID = e.network(t, "cluster-net", "10.6.0.0/24")
	sg, err := sc.Network.CreateSecurityGroup(ctx, groups.CreateOpts{Name: "worker"})
	if err != nil {
		t.Fatal(err)
	}
	e.sgID = sg.ID
	return e
}

// network makes a network with one subnet, as the cluster controller would.
func (e *simEnv) network(t *testing.T, name, cidr string) (string, string) {
	t.Helper()
	ctx := context.Background()
	n, err := e.scope.Network.CreateNetwork(ctx, networks.CreateOpts{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := e.scope.Network.CreateSubnet(ctx, subnets.CreateOpts{NetworkID: n.ID, Name: name, CIDR: cidr, IPVersion: gophercloud.IPv4})
	if err != nil {
		t.Fatal(err)
	}
	return n.ID, sn.ID
}

func (e *simEnv) machine(name string) *Machine {
	return &Machine{
		Name: name,
		Spec: &infrav1.OpenStackMachineSpec{
			Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To("m1.small")}},
			Image:  infrav1.ImageParam{Filter: &infrav1.ImageFilter{Name: ptr.To("ubuntu-2404-kube-v1.36")}},
			Tags:   []string{"workload"},
		},
		Status: &infrav1.OpenStackMachineStatus{}, Owner: e.owner, ClusterTags: []string{"k8s"},
		NetworkID: e.netID, SubnetIDs: []string{e.snID}, SecurityGroupIDs: []string{e.sgID},
		UserData: []byte("#cloud-config\nruncmd: [kubeadm join]\n"),
	}
}

// until calls step, advancing the fake clock by each requeue, until it is done; it returns the
// number of calls.
func (e *simEnv) until(t *testing.T, step func(context.Context, *Machine) (Result, error), m *Machine) int {
	t.Helper()
	for i := 1; i <= 40; i++ {
		res, err := step(context.Background(), m)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if res.Done() {
			return i
		}
		e.clock.Advance(res.RequeueAfter)
	}
	t.Fatal("not done after 40 calls")
	return 0
}

// live counts the live resources of a type that were not seeded (our test network included).
func (e *simEnv) live(typ string) []simulator.Resource {
	var out []simulator.Resource
	for _, r := range e.sim.Leaks("") {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// deleteAll deletes m and checks that nothing of it is left.
func (e *simEnv) deleteAll(t *testing.T, m *Machine) int {
	t.Helper()
	e.sim.ResetCounts()
	calls := e.until(t, e.svc.Delete, m)
	if leaks := e.sim.Leaks(e.owner); len(leaks) > 0 {
		t.Errorf("leaked: %+v", leaks)
	}
	for _, typ := range []string{"server", "port", "trunk", "volume"} {
		if left := e.live(typ); len(left) > 0 {
			t.Errorf("%s left after delete: %+v", typ, left)
		}
	}
	t.Logf("delete: %d calls, %d requests: %v", calls, e.sim.Counts().Total(), e.sim.Counts())
	return calls
}

func TestSimulatorMachineLifecycle(t *testing.T) {
	e := startSim(t)
	m := e.machine("worker-0")
	ctx := context.Background()

	e.sim.ResetCounts()
	if _, err := e.svc.Reconcile(ctx, m); err != nil {
		t.Fatal(err)
	}
	first := e.sim.Counts()
	want := simulator.Counts{
		"GET /image/v2/images": 1, "GET /compute/v2.1/flavors/detail": 1, "GET /compute/v2.1/servers/detail": 1,
		"GET /networking/v2.0/ports": 1, "POST /networking/v2.0/ports": 1, "PUT /networking/v2.0/ports/{id}/tags": 1,
		"POST /compute/v2.1/servers": 1,
	}
	if fmt.Sprint(first) != fmt.Sprint(want) {
		t.Errorf("first reconcile made %v\nwant %v", first, want)
	}
	calls := 1 + e.until(t, e.svc.Reconcile, m)
	total := e.sim.Counts()
	t.Logf("create: %d reconciles, %d requests (%d writes): %v", calls, total.Total(), total.Writes(), total)
	if total.Writes() != 3 || total.Total() != first.Total()+calls-1 {
		t.Errorf("create made %v: want 3 writes and one GET per later reconcile", total)
	}

	// ACTIVE: provider ID, addresses, failure domain.
	res, err := e.svc.Reconcile(ctx, m)
	if err != nil || !res.Done() || res.ProviderID != "openstack://RegionOne/"+*m.Status.InstanceID {
		t.Fatalf("Reconcile = %+v, %v", res, err)
	}
	if m.Status.FailureDomain != "az1" || *m.Status.InstanceState != infrav1.InstanceStateActive ||
		!strings.HasPrefix(InternalIP(m.Status.Addresses, []string{"10.6.0.0/24"}), "10.6.0.") {
		t.Errorf("status %+v", m.Status)
	}
	for _, typ := range []string{"server", "port"} {
		if r := e.live(typ); len(r) != 1 || !slices.Contains(r[0].Tags, e.owner) || !slices.Contains(r[0].Tags, "workload") {
			t.Errorf("%s: %+v, want one with the owner and machine tags", typ, r)
		}
	}

	// Steady state: one GET, nothing else.
	e.sim.ResetCounts()
	if res, err := e.svc.Reconcile(ctx, m); err != nil || !res.Done() {
		t.Fatalf("Reconcile = %+v, %v", res, err)
	}
	if got := e.sim.Counts(); fmt.Sprint(got) != fmt.Sprint(simulator.Counts{"GET /compute/v2.1/servers/{id}": 1}) {
		t.Errorf("steady state made %v, want one GET of the server", got)
	}

	e.deleteAll(t, m)
	if _, err := e.svc.Reconcile(ctx, m); !errors.Is(err, ErrServerGone) {
		t.Errorf("Reconcile after delete: %v, want ErrServerGone", err)
	}
}

func TestSimulatorBootFromVolumeWithPortsAndTrunk(t *testing.T) {
	e := startSim(t)
	dataNet, _ := e.network(t, "data-net", "10.7.0.0/24")
	m := e.machine("cp-0")
	m.FailureDomain = "az2"
	m.Spec.Ports = []infrav1.PortOpts{
		{},
		{Network: &infrav1.NetworkParam{Filter: &infrav1.NetworkFilter{Name: "data-net"}}, NameSuffix: ptr.To("data"), Trunk: ptr.To(true)},
	}
	m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 10, BlockDeviceVolume: infrav1.BlockDeviceVolume{
		AvailabilityZone: &infrav1.VolumeAvailabilityZone{From: infrav1.VolumeAZFromMachine},
	}}
	m.Spec.AdditionalBlockDevices = []infrav1.AdditionalBlockDevice{
		{Name: "etcd", SizeGiB: 2, Storage: infrav1.BlockDeviceStorage{Type: infrav1.VolumeBlockDevice}},
		{Name: "scratch", SizeGiB: 1, Storage: infrav1.BlockDeviceStorage{Type: infrav1.LocalBlockDevice}},
	}
	e.sim.ResetCounts()
	calls := e.until(t, e.svc.Reconcile, m)
	t.Logf("create: %d reconciles, %d requests (%d writes): %v", calls, e.sim.Counts().Total(), e.sim.Counts().Writes(), e.sim.Counts())

	if m.Status.FailureDomain != "az2" {
		t.Errorf("failure domain %q", m.Status.FailureDomain)
	}
	ports := e.live("port")
	if len(ports) != 2 || ports[0].Name != "cp-0-0" || ports[1].Name != "cp-0-data" {
		t.Errorf("ports %+v", ports)
	}
	if tr := e.live("trunk"); len(tr) != 1 || tr[0].Name != "cp-0-data" || !slices.Contains(tr[0].Tags, e.owner) {
		t.Errorf("trunks %+v", tr)
	}
	vols := e.live("volume")
	if len(vols) != 2 || vols[0].Name != "cp-0-root" || vols[1].Name != "cp-0-etcd" || vols[0].Status != "in-use" {
		t.Errorf("volumes %+v", vols)
	}
	if m.Status.Resolved.Ports[1].NetworkID != dataNet || len(m.Status.Resources.Volumes) != 2 {
		t.Errorf("status %+v", m.Status)
	}
	e.deleteAll(t, m)
}

func TestSimulatorLostCreateResponses(t *testing.T) {
	e := startSim(t)
	for _, path := range []string{"^/networking/v2.0/ports$", "^/compute/v2.1/servers$"} {
		if err := e.sim.AddFault(simulator.Fault{Method: "POST", Path: path, First: 1, Action: simulator.FaultApplyThenError, Status: 503}); err != nil {
			t.Fatal(err)
		}
	}
	m := e.machine("worker-1")
	ctx := context.Background()
	for range 2 { // the port, then the server, are made but their answers lost
		if _, err := e.svc.Reconcile(ctx, m); clients.Classify(err) != clients.KindTransient {
			t.Fatalf("Reconcile: %v, want the 503", err)
		}
	}
	e.until(t, e.svc.Reconcile, m)
	counts := e.sim.Counts()
	if counts["POST /compute/v2.1/servers"] != 1 || counts["POST /networking/v2.0/ports"] != 1 {
		t.Errorf("creates %v: want one of each", counts)
	}
	if len(e.live("server")) != 1 || len(e.live("port")) != 1 {
		t.Errorf("inventory %+v", e.sim.Leaks(""))
	}
	e.deleteAll(t, m)
}

// A volume create that timed out on our side and that Cinder carried out later leaves a twin
// under the same name and owner: one is kept while the machine is made, and deletion finds the
// twin by name even when status records the other.
func TestSimulatorVolumeTwins(t *testing.T) {
	ctx := context.Background()
	twin := func(t *testing.T, e *simEnv, m *Machine) {
		t.Helper()
		_, err := e.svc.Volume.CreateVolume(ctx, volumes.CreateOpts{Name: rootVolumeName(m.Name), Size: 5, Metadata: map[string]string{volumeOwnerKey: m.Owner}})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Run("status lost", func(t *testing.T) {
		e := startSim(t)
		m := e.machine("worker-6")
		m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 5}
		if _, err := e.svc.Reconcile(ctx, m); err != nil {
			t.Fatal(err)
		}
		twin(t, e, m)
		m.Status = &infrav1.OpenStackMachineStatus{}
		e.until(t, e.svc.Reconcile, m)
		if len(e.live("volume")) != 1 || len(e.live("server")) != 1 {
			t.Errorf("inventory %+v: want one volume and one server", e.sim.Leaks(""))
		}
		e.deleteAll(t, m)
	})
	t.Run("after the recorded one", func(t *testing.T) {
		e := startSim(t)
		m := e.machine("worker-7")
		m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 5}
		e.until(t, e.svc.Reconcile, m)
		twin(t, e, m)
		e.deleteAll(t, m)
	})
}

func TestSimulatorDeleteMidCreate(t *testing.T) {
	ctx := context.Background()
	t.Run("volume creating", func(t *testing.T) {
		e := startSim(t)
		m := e.machine("worker-2")
		m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 5}
		if res, err := e.svc.Reconcile(ctx, m); err != nil || !strings.Contains(res.Reason, "worker-2-root") {
			t.Fatalf("Reconcile = %+v, %v: want waiting for the volume", res, err)
		}
		e.deleteAll(t, m)
	})
	t.Run("server building", func(t *testing.T) {
		e := startSim(t)
		m := e.machine("worker-3")
		if res, err := e.svc.Reconcile(ctx, m); err != nil || m.Status.InstanceID == nil {
			t.Fatalf("Reconcile = %+v, %v: want a server building", res, err)
		}
		e.deleteAll(t, m)
	})
}

func TestSimulatorStatusLost(t *testing.T) {
	ctx := context.Background()
	t.Run("after the server", func(t *testing.T) {
		e := startSim(t)
		m := e.machine("worker-4")
		e.until(t, e.svc.Reconcile, m)
		id := *m.Status.InstanceID
		m.Status = &infrav1.OpenStackMachineStatus{}
		if res, err := e.svc.Reconcile(ctx, m); err != nil || !res.Done() || ptr.Deref(m.Status.InstanceID, "") != id {
			t.Fatalf("Reconcile = %+v, %v, instance %v: want the server %s adopted", res, err, m.Status.InstanceID, id)
		}
		if len(e.live("server")) != 1 || len(e.live("port")) != 1 {
			t.Errorf("inventory %+v", e.sim.Leaks(""))
		}
		m.Status = &infrav1.OpenStackMachineStatus{}
		e.deleteAll(t, m)
	})
	t.Run("before the server", func(t *testing.T) {
		e := startSim(t)
		m := e.machine("worker-5")
		m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 5}
		if res, err := e.svc.Reconcile(ctx, m); err != nil || res.Done() {
			t.Fatalf("Reconcile = %+v, %v", res, err)
		}
		m.Status = &infrav1.OpenStackMachineStatus{}
		e.until(t, e.svc.Reconcile, m)
		if len(e.live("server")) != 1 || len(e.live("port")) != 1 || len(e.live("volume")) != 1 {
			t.Errorf("inventory %+v", e.sim.Leaks(""))
		}
		e.deleteAll(t, m)
	})
}

func TestSimulatorServerError(t *testing.T) {
	e := startSim(t)
	fault := "No valid host was found. There are not enough hosts available."
	if err := e.sim.AddFault(simulator.Fault{Method: "POST", Path: "^/compute/v2.1/servers$", Action: simulator.FaultAcceptThenError, Message: fault}); err != nil {
		t.Fatal(err)
	}
	m := e.machine("worker-6")
	ctx := context.Background()
	var err error
	for range 10 {
		var res Result
		if res, err = e.svc.Reconcile(ctx, m); err != nil {
			break
		}
		e.clock.Advance(res.RequeueAfter)
	}
	var se *ServerError
	if !errors.As(err, &se) || se.Fault != fault || !strings.Contains(err.Error(), fault) {
		t.Fatalf("error %v, want Nova's fault", err)
	}
	e.deleteAll(t, m)
}

func TestSimulatorMembers(t *testing.T) {
	e := startSim(t)
	ctx := context.Background()
	lbc := e.scope.LoadBalancer
	// retry makes a load balancer child, waiting out Octavia's 409 while the load balancer is busy.
	retry := func(create func() error) {
		t.Helper()
		for range 20 {
			err := create()
			if !clients.IsConflict(err) {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e.clock.Advance(2 * time.Second)
		}
		t.Fatal("the load balancer stayed busy")
	}
	lb, err := lbc.CreateLoadBalancer(ctx, loadbalancers.CreateOpts{Name: "k8s-api", VipSubnetID: e.snID})
	if err != nil {
		t.Fatal(err)
	}
	mb := Member{LoadBalancerID: lb.ID, LoadBalancerName: "k8s-api", Ports: []int{6443, 9345}, Name: "cp-0", IP: "10.6.0.50", Tags: []string{e.owner}}
	for _, port := range mb.Ports {
		var l *listeners.Listener
		retry(func() (err error) {
			l, err = lbc.CreateListener(ctx, listeners.CreateOpts{Name: mb.poolName(port), LoadbalancerID: lb.ID, Protocol: listeners.ProtocolTCP, ProtocolPort: port})
			return err
		})
		retry(func() error {
			_, err := lbc.CreatePool(ctx, pools.CreateOpts{Name: mb.poolName(port), ListenerID: l.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin})
			return err
		})
	}
	step := func(f func(context.Context, clients.LoadBalancer, Member) (Result, error)) int {
		t.Helper()
		for i := 1; i <= 20; i++ {
			res, err := f(ctx, lbc, mb)
			if err != nil {
				t.Fatal(err)
			}
			if res.Done() {
				return i
			}
			e.clock.Advance(time.Second) // half of Octavia's time: some calls meet the 409
		}
		t.Fatal("not done after 20 calls")
		return 0
	}
	e.sim.ResetCounts()
	calls := step(AddMember)
	t.Logf("add member: %d calls, %v", calls, e.sim.Counts())
	if m := e.live("member"); len(m) != 2 || m[0].Name != "cp-0" {
		t.Errorf("members %+v", m)
	}
	e.sim.ResetCounts()
	calls = step(RemoveMember)
	t.Logf("remove member: %d calls, %v", calls, e.sim.Counts())
	e.clock.Advance(2 * time.Second)
	if m := e.live("member"); len(m) != 0 {
		t.Errorf("members left %+v", m)
	}
}

// On a cloud with reclaim_instance_interval, a deleted server is only soft-deleted and keeps
// its port: the delete forces it, and nothing is left behind.
func TestSimulatorDeleteOnACloudThatSoftDeletes(t *testing.T) {
	e := startSim(t, func(o *simulator.Options) { o.ReclaimInstanceInterval = time.Hour })
	m := e.machine("worker-0")
	e.until(t, e.svc.Reconcile, m)
	e.deleteAll(t, m)
	if n := e.sim.Counts()["POST /compute/v2.1/servers/{id}/action"]; n != 1 {
		t.Errorf("%d forceDelete actions, want 1: %v", n, e.sim.Counts())
	}
}
