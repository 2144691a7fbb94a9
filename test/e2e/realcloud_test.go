package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/fidelity"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

// E2E_RECORD=<file> records the shape of every answer the provider's OpenStack clients get
// (see test/e2e/fidelity); `make fidelity` compares the simulator's with a real cloud's.
const envRecord = "E2E_RECORD"

// cloudOptions points the framework at the real cloud of E2E_CLOUDS_YAML, if any, and records
// answers for E2E_RECORD; the returned function writes the recording.
func cloudOptions(opts *framework.Options) (func(), error) {
	real, err := framework.RealCloudFromEnv()
	if err != nil {
		return nil, err
	}
	opts.Cloud = real
	path := os.Getenv(envRecord)
	if path == "" {
		return func() {}, nil
	}
	rec := fidelity.NewRecorder()
	opts.OpenStack.WrapTransport = rec.Wrap
	return func() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = rec.Save(path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e: writing the recording:", err)
		}
	}, nil
}

// simulatorOnly skips a scenario that needs the simulator (it counts API calls, injects faults,
// or uses the simulator's three availability zones) when the suite runs against a real cloud.
func simulatorOnly(t *testing.T) {
	t.Helper()
	if f.IsRealCloud() {
		t.Skipf("simulator-only scenario: it needs the simulator's counters, faults or zones; %s points at a real cloud", framework.EnvCloudsYAML)
	}
}

// within stretches a simulator timeout for a real cloud, whose servers take about 5 s and
// load balancers about 10 s, each step queued behind RabbitMQ and a 2-core machine.
func within(d time.Duration) time.Duration {
	if f.IsRealCloud() {
		return 4 * d
	}
	return d
}

// TestAnyCloud runs, one after the other, the scenarios that hold on the simulator and on a
// real OpenStack alike (make e2e-openstack runs them on hack/openstack's cloud): a cluster
// with an Octavia API load balancer, its floating IP and a bastion; a control-plane Machine
// (providerID, addresses, load balancer membership) and workers scaled 2 → 5 → 1; a Machine
// whose flavor exceeds the quota, which reports Nova's own message; a cluster on a network
// and subnet the user brings; each cluster's deletion, after which a sweep of the project by
// the cluster's tag finds nothing.
func TestAnyCloud(t *testing.T) {
	t.Run("cluster with load balancer, bastion and workers", testManagedCluster)
	t.Run("cluster on a network the user brings", testBringYourOwnNetwork)
}

func testManagedCluster(t *testing.T) {
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "anycloud")
	const name, md = "beta", "beta-md-0"
	tag := cloud.ClusterTag(ns, name)

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "beta-bootstrap")
	spec := clusterSpec(infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{Enabled: ptr.To(true)}})
	bastion := machineSpec(framework.NodeFlavor)
	spec.Bastion = &infrav1.Bastion{Enabled: ptr.To(true), Spec: &bastion}
	createCluster(t, ns, name, spec)
	createControlPlaneMachine(t, ns, name, "beta-cp-0", "", "beta-bootstrap")
	createMachineDeployment(t, ns, name, md, 2, "beta-bootstrap")
	kubelets := f.StartKubelets(ctx, ns, name)
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	step("created the cluster")

	osc := &infrav1.OpenStackCluster{}
	// On the real cloud the load balancer's amphora is a Nova server: 1.5 to 5 minutes on a busy 2-core machine.
	eventually(t, within(150*time.Second), func() (bool, string) {
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, osc); err != nil {
			return false, err.Error()
		}
		ready := apimeta.IsStatusConditionTrue(osc.Status.Conditions, infrav1.ReadyCondition)
		return ready && osc.Spec.ControlPlaneEndpoint != nil && osc.Spec.ControlPlaneEndpoint.IsValid(),
			fmt.Sprintf("OpenStackCluster conditions %+v", osc.Status.Conditions)
	})
	if !apimeta.IsStatusConditionTrue(osc.Status.Conditions, infrav1.BastionReadyCondition) {
		t.Errorf("bastion not ready: %+v", apimeta.FindStatusCondition(osc.Status.Conditions, infrav1.BastionReadyCondition))
	}
	// Adding the control plane's member makes it PENDING_UPDATE for a while.
	eventually(t, within(30*time.Second), func() (bool, string) {
		lbs := f.Resources("loadbalancer", tag)
		return len(lbs) == 1 && lbs[0].Status == "ACTIVE", fmt.Sprintf("want one ACTIVE load balancer tagged %s, got %+v", tag, lbs)
	})
	// The API's floating IP and the bastion's.
	if fips := f.Resources("floating_ip", tag); len(fips) != 2 {
		t.Errorf("want 2 floating IPs (API, bastion) tagged %s, got %+v", tag, fips)
	}
	for _, typ := range []string{"network", "subnet", "router", "security_group"} {
		if len(f.Resources(typ, tag)) == 0 {
			t.Errorf("no %s tagged %s", typ, tag)
		}
	}
	step("cluster ready, endpoint %s:%d", osc.Spec.ControlPlaneEndpoint.Host, osc.Spec.ControlPlaneEndpoint.Port)

	waitMachines(t, ns, name, 3, within(90*time.Second))
	step("3 Machines Running")
	for _, m := range machines(t, ns, name) {
		srv, err := f.GetServer(ctx, serverID(m.Spec.ProviderID))
		if err != nil {
			t.Fatalf("Machine %s: server of providerID %q: %v", m.Name, m.Spec.ProviderID, err)
		}
		if len(m.Status.Addresses) == 0 || srv.Status != "ACTIVE" || !slices.Contains(srv.Tags, tag) {
			t.Errorf("Machine %s: addresses %v; server %s is %s with tags %v", m.Name, m.Status.Addresses, srv.ID, srv.Status, srv.Tags)
		}
		// Nova shows user data (OS-EXT-SRV-ATTR:user_data) to administrators only; the
		// simulator shows it to the project (a deliberate difference, see test/e2e/fidelity).
		if !f.IsRealCloud() && string(srv.UserData) != "#cloud-config\nruncmd: [echo beta-bootstrap]\n" {
			t.Errorf("server %s user data %q is not the Machine's bootstrap data", srv.ID, srv.UserData)
		}
	}
	if members := f.Resources("member", tag); len(members) != 1 {
		t.Errorf("want the control-plane machine as the only load balancer member, got %+v", members)
	}

	// Workers 2 → 5 → 1: servers (and the bastion) follow.
	for _, replicas := range []int32{5, 1} {
		scale(t, ns, md, replicas)
		want := 1 + int(replicas)
		eventually(t, within(120*time.Second), func() (bool, string) {
			ms := machines(t, ns, name)
			running := 0
			for _, m := range ms {
				if m.Status.Phase == string(clusterv1.MachinePhaseRunning) {
					running++
				}
			}
			n := len(f.Resources("server", tag))
			return len(ms) == want && running == want && n == want+1,
				fmt.Sprintf("%d servers (bastion included), %d Machines, %d Running, want %d Machines:%s", n, len(ms), running, want, phases(ms))
		})
		step("scaled %s to %d", md, replicas)
	}

	// A worker that boots from a Cinder volume (where the cloud has Cinder).
	if f.HasVolumes(ctx) {
		bootFromVolume(t, ns, name, "beta-bootstrap", tag)
		step("boot-from-volume Machine ran and was deleted with its volume")
	}

	// A Machine whose flavor exceeds the quota: Nova refuses the server, the condition says why.
	overQuota(t, ns, name, "beta-bootstrap")
	step("over-quota Machine reported Nova's message")

	deleteClusterAndCheck(t, ns, name, tag, within(120*time.Second))
	step("cluster deleted, the sweep finds nothing tagged %s", tag)
}

// createWorker creates a worker Machine (no MachineDeployment) and its OpenStackMachine.
func createWorker(t *testing.T, ns, cluster, name, bootstrap string, spec infrav1.OpenStackMachineSpec) *clusterv1.Machine {
	t.Helper()
	labels := map[string]string{clusterv1.ClusterNameLabel: cluster}
	create(t, &infrav1.OpenStackMachine{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}, Spec: spec})
	machine := &clusterv1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: clusterv1.MachineSpec{
			ClusterName: cluster, Version: "v1.36.3",
			Bootstrap:         clusterv1.Bootstrap{DataSecretName: ptr.To(bootstrap)},
			InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackMachine", Name: name},
		},
	}
	create(t, machine)
	return machine
}

// deleteMachine deletes a Machine and waits until it is gone.
func deleteMachine(t *testing.T, machine *clusterv1.Machine, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	if err := f.Client.Delete(ctx, machine); err != nil {
		t.Fatal(err)
	}
	eventually(t, timeout, func() (bool, string) {
		err := f.Client.Get(ctx, client.ObjectKeyFromObject(machine), &clusterv1.Machine{})
		return apierrors.IsNotFound(err), fmt.Sprintf("Machine %s still there (%v)", machine.Name, err)
	})
}

// bootFromVolume runs a worker whose root disk is a Cinder volume made from the image, then
// deletes it: the volume goes with it.
func bootFromVolume(t *testing.T, ns, cluster, bootstrap, tag string) {
	t.Helper()
	ctx := context.Background()
	spec := machineSpec(framework.NodeFlavor)
	spec.RootVolume = &infrav1.RootVolume{SizeGiB: 10}
	machine := createWorker(t, ns, cluster, "root-volume", bootstrap, spec)
	eventually(t, within(90*time.Second), func() (bool, string) {
		m := &clusterv1.Machine{}
		if err := f.Client.Get(ctx, client.ObjectKeyFromObject(machine), m); err != nil {
			return false, err.Error()
		}
		vols := f.Resources("volume", tag)
		return m.Status.Phase == string(clusterv1.MachinePhaseRunning) && len(vols) == 1,
			fmt.Sprintf("Machine %s is %s; volumes %+v", m.Name, m.Status.Phase, vols)
	})
	if vols := f.Resources("volume", tag); len(vols) != 1 || vols[0].Status != "in-use" {
		t.Errorf("want the root volume in-use, got %+v", vols)
	}
	deleteMachine(t, machine, within(60*time.Second))
	eventually(t, within(30*time.Second), func() (bool, string) {
		vols := f.Resources("volume", tag)
		return len(vols) == 0, fmt.Sprintf("volumes left: %+v", vols)
	})
}

// overQuota creates a worker Machine of framework.OverQuotaFlavor, waits for its
// OpenStackMachine to report Nova's quota message, and deletes it.
func overQuota(t *testing.T, ns, cluster, bootstrap string) {
	t.Helper()
	ctx := context.Background()
	machine := createWorker(t, ns, cluster, "over-quota", bootstrap, machineSpec(framework.OverQuotaFlavor))
	eventually(t, within(60*time.Second), func() (bool, string) {
		om := &infrav1.OpenStackMachine{}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: machine.Name}, om); err != nil {
			return false, err.Error()
		}
		c := apimeta.FindStatusCondition(om.Status.Conditions, infrav1.InstanceReadyCondition)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == infrav1.CloudErrorReason &&
				strings.Contains(c.Message, "Quota exceeded for cores"),
			fmt.Sprintf("InstanceReady is %+v", c)
	})
	deleteMachine(t, machine, within(30*time.Second))
}

func testBringYourOwnNetwork(t *testing.T) {
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "byo")
	const name = "gamma"
	tag := cloud.ClusterTag(ns, name)

	provider, eo, err := f.ProviderClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	netClient, err := openstack.NewNetworkV2(provider, eo)
	if err != nil {
		t.Fatal(err)
	}
	network, err := networks.Create(ctx, netClient, networks.CreateOpts{Name: "byo-" + ns}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := networks.Delete(ctx, netClient, network.ID).ExtractErr(); err != nil {
			t.Errorf("deleting the user's network: %v", err)
		}
	}()
	subnet, err := subnets.Create(ctx, netClient, subnets.CreateOpts{
		NetworkID: network.ID, Name: "byo-" + ns, CIDR: "10.9.0.0/24", IPVersion: 4,
	}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	step("created network %s and subnet %s", network.ID, subnet.ID)

	if err := f.WriteWorkloadKubeconfig(ctx, ns, name); err != nil {
		t.Fatal(err)
	}
	createBootstrapData(t, ns, name, "gamma-bootstrap")
	spec := infrav1.OpenStackClusterSpec{
		IdentityRef: infrav1.OpenStackIdentityReference{Name: "cloud-config", CloudName: framework.CloudName},
		Network:     &infrav1.NetworkParam{ID: ptr.To(network.ID)},
		Subnets:     []infrav1.SubnetParam{{ID: ptr.To(subnet.ID)}},
		// The user's subnet has no router: the API is the load balancer's VIP, no floating IP.
		EnableExternalNetwork: ptr.To(false),
		APIServer:             &infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{Enabled: ptr.To(true)}},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{AllowAllInClusterTraffic: true},
	}
	createCluster(t, ns, name, spec)
	createControlPlaneMachine(t, ns, name, "gamma-cp-0", "", "gamma-bootstrap")
	kubelets := f.StartKubelets(ctx, ns, name)
	defer func() {
		if err := kubelets.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	waitMachines(t, ns, name, 1, within(90*time.Second))
	osc := &infrav1.OpenStackCluster{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, osc); err != nil {
		t.Fatal(err)
	}
	if osc.Status.Network == nil || osc.Status.Network.ID != network.ID {
		t.Errorf("cluster network %+v, want the user's %s", osc.Status.Network, network.ID)
	}
	if nets := f.Resources("network", tag); len(nets) != 0 {
		t.Errorf("the provider created networks for a cluster that brings its own: %+v", nets)
	}
	step("control-plane Machine Running on the user's network")

	deleteClusterAndCheck(t, ns, name, tag, within(120*time.Second))
	if _, err := networks.Get(ctx, netClient, network.ID).Extract(); err != nil {
		t.Errorf("the user's network is gone after the cluster's deletion: %v", err)
	}
	step("cluster deleted; the user's network stays")
}
