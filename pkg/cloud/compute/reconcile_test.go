package compute

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

var ownerFilter = clients.ServerFilter{Name: "m-1", Tags: []string{testOwner}}

func TestReconcileCreatesPortThenServer(t *testing.T) {
	e := newEnv(t)
	m := testMachine()
	m.FailureDomain = "az2"
	m.Spec.SSHKeyName = "key"
	m.Spec.ConfigDrive = ptr.To(true)
	m.Spec.ServerMetadata = []infrav1.ServerMetadata{{Key: "role", Value: "worker"}}
	m.Spec.ServerGroup = &infrav1.ServerGroupParam{ID: ptr.To("6a1b2c3d-0000-4000-8000-000000000001")}
	m.Spec.SchedulerHintAdditionalProperties = []infrav1.SchedulerHintAdditionalProperty{
		{Name: "rack", Value: infrav1.SchedulerHintAdditionalValue{Type: infrav1.SchedulerHintString, String: ptr.To("r1")}},
		{Name: "spread", Value: infrav1.SchedulerHintAdditionalValue{Type: infrav1.SchedulerHintBool, Bool: ptr.To(true)}},
		{Name: "weight", Value: infrav1.SchedulerHintAdditionalValue{Type: infrav1.SchedulerHintNumber, Number: ptr.To(int32(3))}},
	}
	portTags := []string{testOwner, "cluster-tag", "machine-tag"}
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), ports.ListOpts{Name: "m-1-0", NetworkID: testNet}).Return(nil, nil),
		e.network.EXPECT().CreatePort(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, opts ports.CreateOptsBuilder) (*ports.Port, error) {
			body := fields(t, must(opts.ToPortCreateMap()), "port")
			want := map[string]any{
				"name": "m-1-0", "network_id": testNet, "security_groups": []any{testSG},
				"fixed_ips": []any{map[string]any{"subnet_id": testSubnet}},
			}
			if !reflect.DeepEqual(body, want) {
				t.Errorf("port body = %v\nwant %v", body, want)
			}
			return &ports.Port{ID: "port-1"}, nil
		}),
		e.network.EXPECT().ReplaceTags(gomock.Any(), "ports", "port-1", portTags).Return(portTags, nil),
		e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
			func(_ context.Context, opts servers.CreateOptsBuilder, hints servers.SchedulerHintOptsBuilder) (*servers.Server, error) {
				if m.Status.Resolved == nil || len(m.Status.Resources.Ports) != 1 {
					t.Errorf("status before the server create: %+v, want the resolution and the port recorded", m.Status)
				}
				body := fields(t, must(opts.ToServerCreateMap()), "server")
				want := map[string]any{
					"name": "m-1", "imageRef": "image-1", "flavorRef": "flavor-1", "availability_zone": "az2",
					"networks": []any{map[string]any{"port": "port-1"}}, "key_name": "key", "config_drive": true,
					"metadata": map[string]any{"role": "worker"}, "tags": []any{testOwner, "cluster-tag", "machine-tag"},
					"user_data": base64.StdEncoding.EncodeToString([]byte("#cloud-config\n")),
				}
				if !reflect.DeepEqual(body, want) {
					t.Errorf("server body = %v\nwant %v", body, want)
				}
				h := must(hints.ToSchedulerHintsMap())["os:scheduler_hints"]
				wantHints := map[string]any{"group": "6a1b2c3d-0000-4000-8000-000000000001", "rack": "r1", "spread": true, "weight": 3}
				if !reflect.DeepEqual(h, wantHints) {
					t.Errorf("hints = %v, want %v", h, wantHints)
				}
				return &servers.Server{ID: "srv-1"}, nil
			}),
	)
	res, err := e.svc.Reconcile(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done() || res.RequeueAfter != 5*time.Second {
		t.Errorf("result %+v, want in progress for 5s", res)
	}
	if ptr.Deref(m.Status.InstanceID, "") != "srv-1" || *m.Status.InstanceState != infrav1.InstanceStateBuild {
		t.Errorf("status %+v", m.Status)
	}
	if got := m.Status.Resources.Ports; len(got) != 1 || got[0].ID != "port-1" {
		t.Errorf("recorded ports %+v", got)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestReconcileAdoptsServerOfLostResponse(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.Resources = &infrav1.MachineResources{Ports: []infrav1.PortStatus{{ID: "port-1"}}}
	e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return([]servers.Server{{ID: "srv-1", Name: "m-1", Status: "ACTIVE", AvailabilityZone: "az1"}}, nil)
	res, err := e.svc.Reconcile(context.Background(), m)
	if err != nil || !res.Done() || res.ProviderID != "openstack://RegionOne/srv-1" {
		t.Fatalf("Reconcile = %+v, %v", res, err)
	}
	if ptr.Deref(m.Status.InstanceID, "") != "srv-1" || m.Status.FailureDomain != "az1" {
		t.Errorf("status %+v", m.Status)
	}
}

func TestReconcileSeveralServersIsAnError(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return([]servers.Server{{ID: "srv-a"}, {ID: "srv-b"}}, nil)
	_, err := e.svc.Reconcile(context.Background(), m)
	if err == nil || !strings.Contains(err.Error(), "srv-a, srv-b") {
		t.Fatalf("error %v, want one listing both servers", err)
	}
}

func TestReconcileAdoptsPortOfLostResponse(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	tags := m.Status.Resolved.Ports[0].Tags
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), ports.ListOpts{Name: "m-1-0", NetworkID: testNet}).Return([]ports.Port{{ID: "port-1"}}, nil),
		e.network.EXPECT().ReplaceTags(gomock.Any(), "ports", "port-1", tags).Return(tags, nil),
		e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).Return(&servers.Server{ID: "srv-1"}, nil),
	)
	if _, err := e.svc.Reconcile(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := m.Status.Resources.Ports; len(got) != 1 || got[0].ID != "port-1" {
		t.Errorf("recorded ports %+v", got)
	}
}

// TestReconcileDuplicatePortIsDeleted: a port create that timed out on our side and that
// Neutron carried out after the next attempt's create leaves two ports with the name; the late
// one never got its tags and is deleted, the tagged one used (an error asked the user before).
func TestReconcileDuplicatePortIsDeleted(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	tags := m.Status.Resolved.Ports[0].Tags
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), ports.ListOpts{Name: "m-1-0", NetworkID: testNet}).Return([]ports.Port{
			{ID: "p-late"}, {ID: "p-first", Tags: tags},
		}, nil),
		e.network.EXPECT().DeletePort(gomock.Any(), "p-late").Return(notFound),
		e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).Return(&servers.Server{ID: "srv-1"}, nil),
	)
	if _, err := e.svc.Reconcile(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := m.Status.Resources.Ports; len(got) != 1 || got[0].ID != "p-first" {
		t.Errorf("recorded ports %+v, want p-first", got)
	}
}

func TestReconcileTwoTaggedPortsIsAnError(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	tags := m.Status.Resolved.Ports[0].Tags
	e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil)
	e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return([]ports.Port{{ID: "p-a", Tags: tags}, {ID: "p-b", Tags: tags}}, nil)
	if _, err := e.svc.Reconcile(context.Background(), m); err == nil || !strings.Contains(err.Error(), "p-a, p-b") {
		t.Fatalf("error %v, want one listing both ports", err)
	}
}

func TestReconcileDuplicatePortDeleteFails(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil)
	e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return([]ports.Port{{ID: "p-a"}, {ID: "p-b"}}, nil)
	e.network.EXPECT().DeletePort(gomock.Any(), "p-b").Return(errors.New("boom"))
	if _, err := e.svc.Reconcile(context.Background(), m); err == nil || !strings.Contains(err.Error(), "deleting port m-1-0 (p-b), a duplicate of p-a: boom") {
		t.Fatalf("error %v", err)
	}
}

func TestReconcileSteadyStateIsOneGet(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.InstanceID = ptr.To("srv-1")
	e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(&servers.Server{ID: "srv-1", Name: "m-1", Status: "ACTIVE"}, nil)
	res, err := e.svc.Reconcile(context.Background(), m)
	if err != nil || !res.Done() || res.ProviderID == "" {
		t.Fatalf("Reconcile = %+v, %v", res, err)
	}
}

func TestReconcileServerGone(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.InstanceID = ptr.To("srv-1")
	m.Status.InstanceState = ptr.To(infrav1.InstanceStateActive)
	e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(nil, notFound)
	_, err := e.svc.Reconcile(context.Background(), m)
	if !errors.Is(err, ErrServerGone) || !strings.Contains(err.Error(), "srv-1") {
		t.Fatalf("error %v, want ErrServerGone naming the server", err)
	}
	// Regression: the recorded state was left ACTIVE after the server was deleted outside.
	if st := ptr.Deref(m.Status.InstanceState, ""); st != infrav1.InstanceStateDeleted {
		t.Errorf("status.instanceState %q after the server is gone, want %q", st, infrav1.InstanceStateDeleted)
	}
}

func TestReconcileServerInError(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.InstanceID = ptr.To("srv-1")
	fault := "No valid host was found. There are not enough hosts available."
	e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(&servers.Server{ID: "srv-1", Name: "m-1", Status: "ERROR", Fault: servers.Fault{Code: 500, Message: fault}}, nil)
	_, err := e.svc.Reconcile(context.Background(), m)
	var se *ServerError
	if !errors.As(err, &se) || se.Fault != fault || !strings.Contains(err.Error(), fault) || !strings.Contains(err.Error(), "delete the Machine") {
		t.Fatalf("error %v, want a ServerError with Nova's fault and a hint", err)
	}
	if *m.Status.InstanceState != infrav1.InstanceStateError {
		t.Errorf("instanceState %v", *m.Status.InstanceState)
	}
}

func TestReconcileBootFromVolume(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.FailureDomain = "az3"
	m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 30, BlockDeviceVolume: infrav1.BlockDeviceVolume{
		Type: "ssd", AvailabilityZone: &infrav1.VolumeAvailabilityZone{From: infrav1.VolumeAZFromMachine},
	}}
	m.Spec.AdditionalBlockDevices = []infrav1.AdditionalBlockDevice{
		{Name: "etcd", SizeGiB: 5, Storage: infrav1.BlockDeviceStorage{Type: infrav1.VolumeBlockDevice, Volume: &infrav1.BlockDeviceVolume{
			AvailabilityZone: &infrav1.VolumeAvailabilityZone{Name: ptr.To("fast")},
		}}},
		{Name: "scratch", SizeGiB: 2, Storage: infrav1.BlockDeviceStorage{Type: infrav1.LocalBlockDevice}},
	}
	m.Status.Resources = &infrav1.MachineResources{Ports: []infrav1.PortStatus{{ID: "port-1"}}}
	owned := map[string]string{volumeOwnerKey: testOwner}

	// First call: both volumes are created and recorded; the server waits for them.
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), volumes.ListOpts{Name: "m-1-root"}).Return([]volumes.Volume{{ID: "not-ours", Name: "m-1-root"}}, nil),
		e.volume.EXPECT().CreateVolume(gomock.Any(), volumes.CreateOpts{
			Name: "m-1-root", Size: 30, VolumeType: "ssd", AvailabilityZone: "az3", ImageID: "image-1", Metadata: owned,
		}).Return(&volumes.Volume{ID: "vol-root", Status: "creating", CreatedAt: testNow}, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), volumes.ListOpts{Name: "m-1-etcd"}).Return(nil, nil),
		e.volume.EXPECT().CreateVolume(gomock.Any(), volumes.CreateOpts{
			Name: "m-1-etcd", Size: 5, AvailabilityZone: "fast", Metadata: owned,
		}).Return(&volumes.Volume{ID: "vol-etcd", Status: "creating", CreatedAt: testNow}, nil),
	)
	res, err := e.svc.Reconcile(context.Background(), m)
	if err != nil || res.Done() || !strings.Contains(res.Reason, "m-1-root, m-1-etcd") {
		t.Fatalf("first Reconcile = %+v, %v: want waiting for both volumes", res, err)
	}
	wantVols := []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-root"}, {Name: "m-1-etcd", ID: "vol-etcd"}}
	if !reflect.DeepEqual(m.Status.Resources.Volumes, wantVols) {
		t.Fatalf("volumes %+v", m.Status.Resources.Volumes)
	}

	// Second call: the volumes are available and the server boots from the root one.
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.volume.EXPECT().GetVolume(gomock.Any(), "vol-root").Return(&volumes.Volume{ID: "vol-root", Status: "available"}, nil),
		e.volume.EXPECT().GetVolume(gomock.Any(), "vol-etcd").Return(&volumes.Volume{ID: "vol-etcd", Status: "available"}, nil),
		e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
			func(_ context.Context, opts servers.CreateOptsBuilder, _ servers.SchedulerHintOptsBuilder) (*servers.Server, error) {
				body := fields(t, must(opts.ToServerCreateMap()), "server")
				if body["imageRef"] != "" {
					t.Errorf("imageRef = %v, want none when booting from volume", body["imageRef"])
				}
				want := []any{
					map[string]any{"source_type": "volume", "destination_type": "volume", "uuid": "vol-root", "boot_index": 0.0, "delete_on_termination": false},
					map[string]any{"source_type": "volume", "destination_type": "volume", "uuid": "vol-etcd", "boot_index": -1.0, "delete_on_termination": false, "tag": "etcd"},
					map[string]any{"source_type": "blank", "destination_type": "local", "volume_size": 2.0, "boot_index": -1.0, "delete_on_termination": true, "tag": "scratch"},
				}
				if got := body["block_device_mapping_v2"]; !reflect.DeepEqual(got, want) {
					t.Errorf("block devices = %v\nwant %v", got, want)
				}
				return &servers.Server{ID: "srv-1"}, nil
			}),
	)
	if res, err := e.svc.Reconcile(context.Background(), m); err != nil || res.Done() {
		t.Fatalf("second Reconcile = %+v, %v", res, err)
	}
}

func TestReconcileVolumeInError(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 30}
	m.Status.Resources = &infrav1.MachineResources{
		Ports: []infrav1.PortStatus{{ID: "port-1"}}, Volumes: []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-root"}},
	}
	e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil)
	e.volume.EXPECT().GetVolume(gomock.Any(), "vol-root").Return(&volumes.Volume{ID: "vol-root", Status: "error"}, nil)
	if _, err := e.svc.Reconcile(context.Background(), m); err == nil || !strings.Contains(err.Error(), "vol-root") {
		t.Fatalf("error %v, want one naming the volume", err)
	}
}

func TestReconcileImageWithLocalDisk(t *testing.T) {
	m := resolved(testMachine())
	m.Spec.AdditionalBlockDevices = []infrav1.AdditionalBlockDevice{{Name: "data", SizeGiB: 4, Storage: infrav1.BlockDeviceStorage{Type: infrav1.LocalBlockDevice}}}
	got := blockDevices(m, nil)
	want := []servers.BlockDevice{
		{SourceType: servers.SourceImage, DestinationType: servers.DestinationLocal, UUID: "image-1", DeleteOnTermination: true},
		{SourceType: servers.SourceBlank, DestinationType: servers.DestinationLocal, VolumeSize: 4, BootIndex: -1, DeleteOnTermination: true, Tag: "data"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("block devices = %+v\nwant %+v", got, want)
	}
	if bd := blockDevices(resolved(testMachine()), nil); bd != nil {
		t.Errorf("block devices without any = %+v, want none", bd)
	}
}

func TestReconcileTrunk(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.Resolved.Ports[0].Trunk = ptr.To(true)
	m.Status.Resources = &infrav1.MachineResources{Ports: []infrav1.PortStatus{{ID: "port-1"}}}
	tags := m.Status.Resolved.Ports[0].Tags
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListTrunks(gomock.Any(), trunks.ListOpts{PortID: "port-1"}).Return(nil, nil),
		e.network.EXPECT().CreateTrunk(gomock.Any(), trunks.CreateOpts{PortID: "port-1", Name: "m-1-0", Subports: []trunks.Subport{}}).Return(&trunks.Trunk{ID: "trunk-1"}, nil),
		e.network.EXPECT().ReplaceTags(gomock.Any(), "trunks", "trunk-1", tags).Return(tags, nil),
		e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).Return(&servers.Server{ID: "srv-1"}, nil),
	)
	if _, err := e.svc.Reconcile(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	// A trunk that exists and is tagged costs its lookup only.
	e = newEnv(t)
	m.Status.InstanceID = nil
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListTrunks(gomock.Any(), trunks.ListOpts{PortID: "port-1"}).Return([]trunks.Trunk{{ID: "trunk-1", Tags: tags}}, nil),
		e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).Return(&servers.Server{ID: "srv-1"}, nil),
	)
	if _, err := e.svc.Reconcile(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func TestPortCreateOpts(t *testing.T) {
	p := infrav1.ResolvedPortSpec{
		Name: "m-1-data", Description: "data", NetworkID: "net-2",
		FixedIPs:       []infrav1.ResolvedFixedIP{{Subnet: ptr.To("sn-2"), IPAddress: ptr.To("10.0.0.5")}},
		SecurityGroups: []string{"sg-a"},
		ResolvedPortSpecFields: infrav1.ResolvedPortSpecFields{
			AdminStateUp: ptr.To(true), MACAddress: ptr.To("fa:16:3e:00:00:01"),
			AllowedAddressPairs: []infrav1.AddressPair{{IPAddress: "10.0.0.100"}, {IPAddress: "10.0.0.0/24", MACAddress: ptr.To("fa:16:3e:00:00:02")}},
			HostID:              ptr.To("compute-7"), VNICType: ptr.To("direct"),
			Profile:            &infrav1.BindingProfile{OVSHWOffload: ptr.To(true), TrustedVF: ptr.To(true)},
			EnablePortSecurity: ptr.To(true), PropagateUplinkStatus: ptr.To(true),
			ValueSpecs: []infrav1.ValueSpec{{Name: "dns", Key: "dns_name", Value: "m-1"}},
		},
	}
	got := fields(t, must(portCreateOpts(p).ToPortCreateMap()), "port")
	want := map[string]any{
		"name": "m-1-data", "description": "data", "network_id": "net-2", "admin_state_up": true,
		"mac_address": "fa:16:3e:00:00:01", "security_groups": []any{"sg-a"},
		"fixed_ips": []any{map[string]any{"subnet_id": "sn-2", "ip_address": "10.0.0.5"}},
		"allowed_address_pairs": []any{
			map[string]any{"ip_address": "10.0.0.100"},
			map[string]any{"ip_address": "10.0.0.0/24", "mac_address": "fa:16:3e:00:00:02"},
		},
		"binding:host_id": "compute-7", "binding:vnic_type": "direct",
		"binding:profile":       map[string]any{"capabilities": []any{"switchdev"}, "trusted": true},
		"port_security_enabled": true, "propagate_uplink_status": true, "dns_name": "m-1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("port body = %v\nwant %v", got, want)
	}
	if bindingProfile(&infrav1.BindingProfile{OVSHWOffload: ptr.To(false)}) != nil {
		t.Error("a profile with nothing enabled must not be sent")
	}
}

func TestReconcileVolumeLookups(t *testing.T) {
	owned := map[string]string{volumeOwnerKey: testOwner}
	setup := func(t *testing.T) (*env, *Machine) {
		e := newEnv(t)
		m := resolved(testMachine())
		m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 8}
		m.Status.Resources = &infrav1.MachineResources{
			Ports: []infrav1.PortStatus{{ID: "port-1"}}, Volumes: []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-gone"}},
		}
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil)
		e.volume.EXPECT().GetVolume(gomock.Any(), "vol-gone").Return(nil, notFound)
		return e, m
	}

	// A recorded volume deleted outside, before the server was made, is made again.
	e, m := setup(t)
	gomock.InOrder(
		e.volume.EXPECT().ListVolumes(gomock.Any(), volumes.ListOpts{Name: "m-1-root"}).Return(nil, nil),
		e.volume.EXPECT().CreateVolume(gomock.Any(), gomock.Any()).Return(&volumes.Volume{ID: "vol-new", Status: "creating", CreatedAt: testNow.Add(-30 * time.Second)}, nil),
	)
	res, err := e.svc.Reconcile(context.Background(), m)
	if err != nil || res.RequeueAfter != 15*time.Second {
		t.Fatalf("Reconcile = %+v, %v", res, err)
	}
	if want := []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-new"}}; !reflect.DeepEqual(m.Status.Resources.Volumes, want) {
		t.Errorf("volumes %+v", m.Status.Resources.Volumes)
	}

	// Owned twins under one name (creates that timed out and that Cinder carried out anyway):
	// nothing is recorded while one is still creating; then the oldest is kept, the other deleted.
	at := func(id, status string, age time.Duration) volumes.Volume {
		return volumes.Volume{ID: id, Name: "m-1-root", Status: status, Metadata: owned, CreatedAt: testNow.Add(-age)}
	}
	e, m = setup(t)
	e.volume.EXPECT().ListVolumes(gomock.Any(), gomock.Any()).Return([]volumes.Volume{at("v-b", "creating", time.Second), at("v-a", "creating", time.Minute)}, nil)
	res, err = e.svc.Reconcile(context.Background(), m)
	if err != nil || res.RequeueAfter != twinRequeue || !strings.Contains(res.Reason, "m-1-root (deleting its duplicates v-b (creating))") || len(m.Status.Resources.Volumes) != 0 {
		t.Fatalf("Reconcile = %+v, %v; volumes %+v", res, err, m.Status.Resources.Volumes)
	}
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), gomock.Any()).Return([]volumes.Volume{at("v-b", "available", time.Second), at("v-a", "creating", time.Minute)}, nil),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "v-b").Return(nil),
	)
	if _, err = e.svc.Reconcile(context.Background(), m); err != nil || len(m.Status.Resources.Volumes) != 1 || m.Status.Resources.Volumes[0].ID != "v-a" {
		t.Fatalf("Reconcile: %v; volumes %+v: want v-a recorded", err, m.Status.Resources.Volumes)
	}

	// An attached one is kept whatever its age; a failed delete is reported.
	e, m = setup(t)
	attached := at("v-att", "in-use", time.Second)
	attached.Attachments = []volumes.Attachment{{ServerID: "srv-1"}}
	gomock.InOrder(
		e.volume.EXPECT().ListVolumes(gomock.Any(), gomock.Any()).Return([]volumes.Volume{at("v-old", "available", time.Hour), attached}, nil),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "v-old").Return(httpError(500, "oops")),
	)
	if _, err := e.svc.Reconcile(context.Background(), m); err == nil || !strings.Contains(err.Error(), "deleting volume m-1-root (v-old), a duplicate of v-att") {
		t.Fatalf("error %v, want the failed delete of v-old", err)
	}
}

func TestReconcileCreateServerFails(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.Resources = &infrav1.MachineResources{Ports: []infrav1.PortStatus{{ID: "port-1"}}}
	e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil)
	e.compute.EXPECT().CreateServer(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil,
		httpError(403, `{"forbidden": {"message": "Quota exceeded for cores: Requested 4, but already used 20 of 20 cores", "code": 403}}`))
	_, err := e.svc.Reconcile(context.Background(), m)
	if clients.Classify(err) != clients.KindOverQuota || !strings.Contains(clients.UserMessage(err), "Quota exceeded for cores") {
		t.Fatalf("error %v: want the quota error, classifiable", err)
	}
	if m.Status.InstanceID != nil {
		t.Error("a failed create recorded a server")
	}
}
