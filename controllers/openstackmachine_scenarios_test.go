package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// Scenario tests of the machine reconciler. Each runs in its own namespace with its own
// cluster without a load balancer (the LB chain is slow), and ends by deleting the machines and
// the cluster and checking that nothing is left.

// machineScenarioCluster creates a namespace and a Ready cluster without a load balancer (the
// API server gets a floating IP).
func machineScenarioCluster(t *testing.T, name, cidr string) (string, *infrav1.OpenStackCluster) {
	t.Helper()
	ns := newNamespace(t)
	osc := newCluster(t, ns, name, infrav1.OpenStackClusterSpec{
		ManagedSubnets: []infrav1.SubnetSpec{{CIDR: cidr}}, ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
	})
	waitReady(t, osc)
	return ns, osc
}

// resourcesNamedAfter lists the live resources named after a machine: the server itself
// (name), and its ports, trunks and volumes (name-...).
func resourcesNamedAfter(name string) []simulator.Resource {
	var out []simulator.Resource
	for _, r := range sim.Inventory() {
		if r.Name == name || strings.HasPrefix(r.Name, name+"-") {
			out = append(out, r)
		}
	}
	return out
}

// countByTypeAndName counts resources per "type name".
func countByTypeAndName(rs []simulator.Resource) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		out[r.Type+" "+r.Name]++
	}
	return out
}

// findInventory returns the resource of that type and name, or nil.
func findInventory(rs []simulator.Resource, typ, name string) *simulator.Resource {
	for i := range rs {
		if rs[i].Type == typ && rs[i].Name == name {
			return &rs[i]
		}
	}
	return nil
}

// deleteMachineAndCheck deletes an OpenStackMachine, waits until its finalizer is gone and
// checks that nothing named after it is left in OpenStack.
func deleteMachineAndCheck(t *testing.T, osm *infrav1.OpenStackMachine) {
	t.Helper()
	if err := env.Client.Delete(context.Background(), osm); err != nil {
		t.Fatal(err)
	}
	waitGone(t, osm)
	if left := resourcesNamedAfter(osm.Name); len(left) > 0 {
		t.Errorf("left behind after deleting machine %s: %+v", osm.Name, left)
	}
}

// teardownMachineScenario deletes the Machines and the cluster, and checks that nothing with
// the cluster's ownership tag is left.
func teardownMachineScenario(t *testing.T, ns string, osc *infrav1.OpenStackCluster) {
	t.Helper()
	deleteMachineObjects(t, ns)
	deleteAndCheckLeaks(t, osc)
}

// writesOtherThanTokens lists the requests other than GET/HEAD and Keystone token requests.
func writesOtherThanTokens(c simulator.Counts) []string {
	var out []string
	for k, n := range c {
		if strings.HasPrefix(k, "GET ") || strings.HasPrefix(k, "HEAD ") || strings.Contains(k, "/auth/tokens") {
			continue
		}
		out = append(out, fmt.Sprintf("%s x%d", k, n))
	}
	sort.Strings(out)
	return out
}

// wipeMachineStatus empties the status, as clusterctl move does (status is not moved), and waits
// until the manager's cache (which env.Client reads) has seen it, so that what the test reads
// next is not the old status.
func wipeMachineStatus(t *testing.T, osm *infrav1.OpenStackMachine) {
	t.Helper()
	ctx := context.Background()
	var oldRV string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(osm), osm); err != nil {
			return err
		}
		oldRV = osm.ResourceVersion
		osm.Status = infrav1.OpenStackMachineStatus{}
		return env.Client.Status().Update(ctx, osm)
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(osm), osm); err != nil {
			return false, err.Error()
		}
		return osm.ResourceVersion != oldRV, "the cache still has the status from before the wipe"
	})
}

// waitMachineFullyReady waits for Ready=True and the rest of what the same reconcile records:
// the patch helper writes conditions before spec and status, so Ready can be seen True a
// moment before providerID, addresses and initialization.provisioned.
func waitMachineFullyReady(t *testing.T, osm *infrav1.OpenStackMachine) {
	t.Helper()
	eventually(t, 60*time.Second, func() (bool, string) {
		waitCondition(t, osm, infrav1.ReadyCondition, metav1.ConditionTrue, "")
		st := osm.Status
		done := st.InstanceID != nil && osm.Spec.ProviderID != nil && len(st.Addresses) > 0 &&
			st.Initialization != nil && ptr.Deref(st.Initialization.Provisioned, false)
		return done, fmt.Sprintf("Ready, but status incomplete: providerID %v, %+v", osm.Spec.ProviderID, st)
	})
}

// TestMachineScenarioBootFromVolume: a machine with a root volume and an additional Cinder
// volume goes Ready; the server boots from the root volume (made from the image, bootable,
// attached as the boot disk, no image on the server) and has the data volume attached;
// deleting the machine removes the server and both volumes.
func TestMachineScenarioBootFromVolume(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "bfv", "10.40.0.0/24")
	spec := machineSpec()
	spec.RootVolume = &infrav1.RootVolume{SizeGiB: 20, BlockDeviceVolume: infrav1.BlockDeviceVolume{
		AvailabilityZone: &infrav1.VolumeAvailabilityZone{From: infrav1.VolumeAZFromMachine},
	}}
	spec.AdditionalBlockDevices = []infrav1.AdditionalBlockDevice{{
		Name: "data", SizeGiB: 5, Storage: infrav1.BlockDeviceStorage{Type: infrav1.VolumeBlockDevice},
	}}
	osm := newMachine(t, ns, "bfv", "bfv-0", false, spec)
	waitMachineFullyReady(t, osm)

	id := *osm.Status.InstanceID
	rec := map[string]string{}
	if osm.Status.Resources != nil {
		for _, v := range osm.Status.Resources.Volumes {
			rec[v.Name] = v.ID
		}
	}
	rootID, dataID := rec["bfv-0-root"], rec["bfv-0-data"]
	if len(rec) != 2 || rootID == "" || dataID == "" {
		t.Fatalf("status.resources.volumes = %v, want bfv-0-root and bfv-0-data", rec)
	}
	inv := resourcesNamedAfter("bfv-0")
	for _, n := range []string{"bfv-0-root", "bfv-0-data"} {
		if r := findInventory(inv, "volume", n); r == nil || r.Status != "in-use" {
			t.Errorf("volume %s: %+v, want in-use", n, r)
		}
	}
	if got := countByTypeAndName(inv); got["volume bfv-0-root"] != 1 || got["volume bfv-0-data"] != 1 || got["server bfv-0"] != 1 {
		t.Errorf("inventory of bfv-0: %v", got)
	}

	ctx := context.Background()
	c := cloudFor(t, ns)
	srv, err := c.Compute.GetServer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Image) != 0 {
		t.Errorf("server boots from an image %v, want from its root volume", srv.Image)
	}
	var attached []string
	for _, v := range srv.AttachedVolumes {
		attached = append(attached, v.ID)
	}
	slices.Sort(attached)
	want := []string{rootID, dataID}
	slices.Sort(want)
	if !slices.Equal(attached, want) {
		t.Errorf("server volumes = %v, want root %s and data %s", attached, rootID, dataID)
	}
	root, err := c.Volume.GetVolume(ctx, rootID)
	if err != nil {
		t.Fatal(err)
	}
	if root.Bootable != "true" || root.Size != 20 || root.AvailabilityZone != "az2" ||
		root.VolumeImageMetadata["image_id"] != osm.Status.Resolved.ImageID ||
		len(root.Attachments) != 1 || root.Attachments[0].ServerID != id || root.Attachments[0].Device != "/dev/vda" {
		t.Errorf("root volume: bootable %s, size %d, az %s, image %v, attachments %+v; want a bootable 20 GiB volume in az2 from image %s attached to %s as /dev/vda",
			root.Bootable, root.Size, root.AvailabilityZone, root.VolumeImageMetadata, root.Attachments, osm.Status.Resolved.ImageID, id)
	}
	data, err := c.Volume.GetVolume(ctx, dataID)
	if err != nil {
		t.Fatal(err)
	}
	if data.Bootable != "false" || data.Size != 5 || len(data.Attachments) != 1 || data.Attachments[0].ServerID != id {
		t.Errorf("data volume: bootable %s, size %d, attachments %+v; want a 5 GiB non-bootable volume attached to %s",
			data.Bootable, data.Size, data.Attachments, id)
	}

	deleteMachineAndCheck(t, osm)
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioExtraPortsAndTrunk: a machine with two ports, the first on the cluster
// network with a trunk, the second on a network of its own, gets both ports and the trunk
// with the right names, networks and tags; deleting it removes them all.
func TestMachineScenarioExtraPortsAndTrunk(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "ports", "10.41.0.0/24")
	ctx := context.Background()
	c := cloudFor(t, ns)
	extra, err := c.Network.CreateNetwork(ctx, networks.CreateOpts{Name: "ports-storage-net"})
	if err != nil {
		t.Fatal(err)
	}
	extraSubnet, err := c.Network.CreateSubnet(ctx, subnets.CreateOpts{
		NetworkID: extra.ID, Name: "ports-storage-net", CIDR: "10.141.0.0/24", IPVersion: gophercloud.IPv4,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Network.DeleteSubnet(context.Background(), extraSubnet.ID); err != nil {
			t.Errorf("deleting the test subnet: %v", err)
		}
		if err := c.Network.DeleteNetwork(context.Background(), extra.ID); err != nil {
			t.Errorf("deleting the test network: %v", err)
		}
	})

	spec := machineSpec()
	spec.Ports = []infrav1.PortOpts{
		{Trunk: ptr.To(true)},
		{Network: &infrav1.NetworkParam{Filter: &infrav1.NetworkFilter{Name: "ports-storage-net"}}, NameSuffix: ptr.To("storage")},
	}
	osm := newMachine(t, ns, "ports", "ports-0", false, spec)
	waitMachineFullyReady(t, osm)

	inv := resourcesNamedAfter("ports-0")
	want := map[string]int{"server ports-0": 1, "port ports-0-0": 1, "port ports-0-storage": 1, "trunk ports-0-0": 1}
	if got := countByTypeAndName(inv); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources of ports-0 = %v, want %v", got, want)
	}
	owner := cloud.ClusterTag(ns, osc.Name)
	for _, r := range inv {
		if !cloud.HasTag(r.Tags, owner) {
			t.Errorf("%s %s lacks the ownership tag %s: %v", r.Type, r.Name, owner, r.Tags)
		}
	}
	if osm.Status.Resources == nil || len(osm.Status.Resources.Ports) != 2 {
		t.Fatalf("status.resources = %+v, want two ports", osm.Status.Resources)
	}
	id := *osm.Status.InstanceID
	p0, err := c.Network.GetPort(ctx, osm.Status.Resources.Ports[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.Network.GetPort(ctx, osm.Status.Resources.Ports[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if p0.Name != "ports-0-0" || p0.NetworkID != osc.Status.Network.ID || p0.DeviceID != id {
		t.Errorf("port 0: %s on %s bound to %q, want ports-0-0 on the cluster network %s bound to %s", p0.Name, p0.NetworkID, p0.DeviceID, osc.Status.Network.ID, id)
	}
	if p1.Name != "ports-0-storage" || p1.NetworkID != extra.ID || p1.DeviceID != id ||
		len(p1.FixedIPs) != 1 || p1.FixedIPs[0].SubnetID != extraSubnet.ID {
		t.Errorf("port 1: %s on %s bound to %q with %+v, want ports-0-storage on %s (subnet %s) bound to %s",
			p1.Name, p1.NetworkID, p1.DeviceID, p1.FixedIPs, extra.ID, extraSubnet.ID, id)
	}
	tr, err := c.Network.ListTrunks(ctx, trunks.ListOpts{PortID: p0.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 1 || tr[0].Name != "ports-0-0" {
		t.Errorf("trunks of port 0 = %+v, want one named ports-0-0", tr)
	}
	if tr1, err := c.Network.ListTrunks(ctx, trunks.ListOpts{PortID: p1.ID}); err != nil || len(tr1) != 0 {
		t.Errorf("trunks of port 1 = %+v (%v), want none", tr1, err)
	}
	addrs := fmt.Sprint(osm.Status.Addresses)
	if !strings.Contains(addrs, "10.41.0.") || !strings.Contains(addrs, "10.141.0.") {
		t.Errorf("addresses %s lack one of the two networks", addrs)
	}

	deleteMachineAndCheck(t, osm)
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioLostResponses: the server create is answered 503 although Nova made the
// server, the create of the first port is dropped (connection closed, nothing made) and the
// create of the second port is answered 504 although Neutron made it. The machine still goes
// Ready with exactly one server and two ports, and no create is repeated needlessly.
func TestMachineScenarioLostResponses(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "lost", "10.42.0.0/24")
	for _, f := range []simulator.Fault{
		{Method: "POST", Path: "/compute/v2.1/servers$", Body: `"name":\s*"lost-0"`, Action: simulator.FaultApplyThenError, Status: 503, First: 1},
		{Method: "POST", Path: "/networking/v2.0/ports$", Body: `"name":\s*"lost-0-0"`, Action: simulator.FaultDrop, First: 1},
		{Method: "POST", Path: "/networking/v2.0/ports$", Body: `"name":\s*"lost-0-1"`, Action: simulator.FaultApplyThenError, Status: 504, First: 1},
	} {
		if err := sim.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(sim.ClearFaults)
	sim.ResetCounts()
	spec := machineSpec()
	spec.Ports = []infrav1.PortOpts{{}, {}}
	osm := newMachine(t, ns, "lost", "lost-0", false, spec)
	waitMachineFullyReady(t, osm)

	want := map[string]int{"server lost-0": 1, "port lost-0-0": 1, "port lost-0-1": 1}
	if got := countByTypeAndName(resourcesNamedAfter("lost-0")); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources of lost-0 = %v, want %v", got, want)
	}
	counts := sim.Counts()
	// Servers: the one 503'd create. Ports: the dropped one, its retry, and the 504'd one,
	// which is then found by name.
	if counts["POST /compute/v2.1/servers"] != 1 || counts["POST /networking/v2.0/ports"] != 3 {
		t.Errorf("creates: %d servers, %d ports; want 1 server create and 3 port creates (%v)",
			counts["POST /compute/v2.1/servers"], counts["POST /networking/v2.0/ports"], counts)
	}
	inv := resourcesNamedAfter("lost-0")
	var ids []string
	for _, p := range osm.Status.Resources.Ports {
		ids = append(ids, p.ID)
	}
	for _, n := range []string{"lost-0-0", "lost-0-1"} {
		if r := findInventory(inv, "port", n); r == nil || !slices.Contains(ids, r.ID) || !cloud.HasTag(r.Tags, cloud.ClusterTag(ns, osc.Name)) {
			t.Errorf("port %s = %+v: want it recorded in status (%v) and tagged", n, r, ids)
		}
	}
	if r := findInventory(inv, "server", "lost-0"); r == nil || r.ID != *osm.Status.InstanceID {
		t.Errorf("server = %+v, want the one in status %s", r, *osm.Status.InstanceID)
	}

	deleteMachineAndCheck(t, osm)
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioDeleteWhileBuilding: an OpenStackMachine deleted while its server create
// is in flight (held by a latency fault) and the server then still BUILD is cleaned up
// completely: server, port and root volume.
func TestMachineScenarioDeleteWhileBuilding(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "bld", "10.43.0.0/24")
	if err := sim.AddFault(simulator.Fault{
		Method: "POST", Path: "/compute/v2.1/servers$", Body: `"name":\s*"bld-0"`, Action: simulator.FaultLatency, Delay: 1500 * time.Millisecond, First: 1,
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.ClearFaults)
	sim.ResetCounts()
	spec := machineSpec()
	spec.RootVolume = &infrav1.RootVolume{SizeGiB: 20}
	osm := newMachine(t, ns, "bld", "bld-0", false, spec)
	eventually(t, 30*time.Second, func() (bool, string) {
		return sim.Counts()["POST /compute/v2.1/servers"] > 0, "the server create has not been sent"
	})

	// Watch what Nova has when the DELETE arrives: the server's status is computed from its
	// age, so one seen BUILD after the DELETE was BUILD when the DELETE came.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var atDelete string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if sim.Counts()["DELETE /compute/v2.1/servers/{id}"] > 0 {
				atDelete = "gone"
				if r := findInventory(sim.Inventory(), "server", "bld-0"); r != nil {
					atDelete = r.Status
				}
				return
			}
		}
	}()
	if err := env.Client.Delete(context.Background(), osm); err != nil {
		t.Fatal(err)
	}
	waitGone(t, osm)
	close(stop)
	wg.Wait()
	t.Logf("the server was %s when Nova got the DELETE", atDelete)
	if atDelete != "BUILD" {
		t.Logf("the server was %q when Nova got the DELETE, not BUILD: the 300 ms build window was missed (slow machine?)", atDelete)
	}
	counts := sim.Counts()
	if counts["POST /compute/v2.1/servers"] != 1 || counts["DELETE /compute/v2.1/servers/{id}"] < 1 || counts["DELETE /volume/v3/{project_id}/volumes/{id}"] < 1 {
		t.Errorf("want one server create, then the server and the volume deleted: %v", counts)
	}
	if left := resourcesNamedAfter("bld-0"); len(left) > 0 {
		t.Errorf("left behind: %+v", left)
	}
	owner := cloud.ClusterTag(ns, osc.Name)
	for _, r := range sim.Leaks(owner) {
		if r.Type == "server" || r.Type == "port" || r.Type == "volume" || r.Type == "trunk" {
			t.Errorf("leaked: %+v", r)
		}
	}
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioStatusLostIsReadopted: after the status of a Ready worker is wiped (as by
// clusterctl move), the machine is Ready again with the same server, and nothing is created.
func TestMachineScenarioStatusLostIsReadopted(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "moved", "10.44.0.0/24")
	osm := newMachine(t, ns, "moved", "moved-0", false, machineSpec())
	waitMachineFullyReady(t, osm)
	id, providerID := *osm.Status.InstanceID, ptr.Deref(osm.Spec.ProviderID, "")
	before := countByTypeAndName(resourcesNamedAfter("moved-0"))

	quiesce(t)
	sim.ResetCounts()
	wipeMachineStatus(t, osm)
	waitMachineFullyReady(t, osm)
	quiesce(t)
	if got := *osm.Status.InstanceID; got != id || ptr.Deref(osm.Spec.ProviderID, "") != providerID {
		t.Errorf("after the status was lost: instance %s, providerID %v; want %s, %s", got, ptr.Deref(osm.Spec.ProviderID, ""), id, providerID)
	}
	if after := countByTypeAndName(resourcesNamedAfter("moved-0")); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("resources changed from %v to %v", before, after)
	}
	counts := sim.Counts()
	if w := writesOtherThanTokens(counts); len(w) > 0 {
		t.Errorf("re-adoption wrote to OpenStack: %v", w)
	}
	if counts["GET /compute/v2.1/servers/detail"] == 0 {
		t.Errorf("the server was not looked up by name again (%v): was the status really lost?", counts)
	}
	if osm.Status.Resolved == nil || osm.Status.InstanceState == nil || *osm.Status.InstanceState != infrav1.InstanceStateActive || len(osm.Status.Addresses) == 0 {
		t.Errorf("status not rebuilt: %+v", osm.Status)
	}

	deleteMachineAndCheck(t, osm)
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioControlPlaneStatusLostWithoutLB: as above for a control-plane machine of a
// cluster whose API server has a floating IP instead of a load balancer.
func TestMachineScenarioControlPlaneStatusLostWithoutLB(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "movedcp", "10.45.0.0/24")
	osm := newMachine(t, ns, "movedcp", "movedcp-0", true, machineSpec())
	waitMachineFullyReady(t, osm)
	id := *osm.Status.InstanceID

	quiesce(t)
	sim.ResetCounts()
	wipeMachineStatus(t, osm)
	waitMachineFullyReady(t, osm)
	quiesce(t)
	if got := *osm.Status.InstanceID; got != id {
		t.Errorf("after the status was lost: instance %s, want %s", got, id)
	}
	if w := writesOtherThanTokens(sim.Counts()); len(w) > 0 {
		t.Errorf("re-adoption wrote to OpenStack: %v", w)
	}

	deleteMachineAndCheck(t, osm)
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioWorkerResyncCost: a Ready worker's steady-state resync costs one GET.
func TestMachineScenarioWorkerResyncCost(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "resync", "10.46.0.0/24")
	osm := newMachine(t, ns, "resync", "resync-0", false, machineSpec())
	waitMachineFullyReady(t, osm)

	quiesce(t)
	sim.ResetCounts()
	touch(t, osm)
	time.Sleep(2 * time.Second)
	if c := sim.Counts(); c.Total() != 1 || c["GET /compute/v2.1/servers/{id}"] != 1 {
		t.Errorf("steady-state resync of an ACTIVE worker made %v, want one server GET", c)
	}

	deleteMachineAndCheck(t, osm)
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioConcurrentWorkers: 15 workers of one cluster created at once all go
// Ready with one server and one port each, then are all deleted at once without leaks.
func TestMachineScenarioConcurrentWorkers(t *testing.T) {
	const n = 15
	ns, osc := machineScenarioCluster(t, "many", "10.47.0.0/24")
	start := time.Now()
	machines := make([]*infrav1.OpenStackMachine, n)
	for i := range machines {
		machines[i] = newMachine(t, ns, "many", fmt.Sprintf("many-%d", i), false, machineSpec())
	}
	for _, osm := range machines {
		waitMachineFullyReady(t, osm)
	}
	t.Logf("%d machines Ready in %s", n, time.Since(start).Round(time.Millisecond))

	servers, ports := map[string]int{}, map[string]int{}
	for _, r := range sim.Inventory() {
		if !strings.HasPrefix(r.Name, "many-") {
			continue
		}
		switch r.Type {
		case "server":
			servers[r.Name]++
		case "port":
			ports[r.Name]++
		}
	}
	for i, osm := range machines {
		name := fmt.Sprintf("many-%d", i)
		if servers[name] != 1 || ports[name+"-0"] != 1 {
			t.Errorf("%s has %d servers and %d ports, want one of each", name, servers[name], ports[name+"-0"])
		}
		if r := findInventory(sim.Inventory(), "server", name); r == nil || r.ID != *osm.Status.InstanceID {
			t.Errorf("%s: status names server %s, not the one in Nova", name, *osm.Status.InstanceID)
		}
	}
	if len(servers) != n || len(ports) != n {
		t.Errorf("%d server names and %d port names, want %d of each", len(servers), len(ports), n)
	}

	start = time.Now()
	for _, osm := range machines {
		if err := env.Client.Delete(context.Background(), osm); err != nil {
			t.Fatal(err)
		}
	}
	for _, osm := range machines {
		waitGone(t, osm)
	}
	t.Logf("%d machines deleted in %s", n, time.Since(start).Round(time.Millisecond))
	for _, r := range sim.Inventory() {
		if strings.HasPrefix(r.Name, "many-") {
			t.Errorf("left behind: %+v", r)
		}
	}
	teardownMachineScenario(t, ns, osc)
}

// TestMachineScenarioServerDeletedOutside: a server deleted in OpenStack behind the provider's
// back makes InstanceReady False with reason InstanceNotFound, and no server is recreated.
func TestMachineScenarioServerDeletedOutside(t *testing.T) {
	ns, osc := machineScenarioCluster(t, "gone", "10.48.0.0/24")
	osm := newMachine(t, ns, "gone", "gone-0", false, machineSpec())
	waitMachineFullyReady(t, osm)
	id := *osm.Status.InstanceID

	quiesce(t)
	if err := cloudFor(t, ns).Compute.DeleteServer(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		return findInventory(sim.Inventory(), "server", "gone-0") == nil, "Nova still has the server"
	})
	sim.ResetCounts()
	touch(t, osm) // a resync, as the manager's periodic one would do
	c := waitCondition(t, osm, infrav1.InstanceReadyCondition, metav1.ConditionFalse, infrav1.InstanceNotFoundReason)
	if !strings.Contains(c.Message, id) {
		t.Errorf("InstanceNotFound message %q does not name the server %s", c.Message, id)
	}
	if ready := waitCondition(t, osm, infrav1.ReadyCondition, metav1.ConditionFalse, ""); ready.Reason != infrav1.InstanceNotFoundReason {
		t.Errorf("Ready = %s %s, want False InstanceNotFound", ready.Status, ready.Reason)
	}
	quiesce(t)
	if w := writesOtherThanTokens(sim.Counts()); len(w) > 0 {
		t.Errorf("wrote to OpenStack after the server vanished (want nothing recreated): %v", w)
	}
	if r := findInventory(sim.Inventory(), "server", "gone-0"); r != nil {
		t.Errorf("a server was recreated: %+v", r)
	}
	if ptr.Deref(osm.Status.InstanceID, "") != id {
		t.Errorf("instanceID changed to %v", osm.Status.InstanceID)
	}

	deleteMachineAndCheck(t, osm) // the port is still there and must go
	teardownMachineScenario(t, ns, osc)
}
