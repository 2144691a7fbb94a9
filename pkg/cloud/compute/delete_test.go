package compute

import (
	"context"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

func TestDeletePartialCreate(t *testing.T) {
	// Ports were made, one recorded and one whose ID was never saved; no server yet.
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.Resolved.Ports[0].Trunk = ptr.To(true)
	m.Status.Resources = &infrav1.MachineResources{Ports: []infrav1.PortStatus{{ID: "port-1"}}}
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), ports.ListOpts{Name: "m-1-0", NetworkID: testNet}).Return([]ports.Port{{ID: "port-1"}, {ID: "port-2"}}, nil),
		e.network.EXPECT().ListTrunks(gomock.Any(), trunks.ListOpts{PortID: "port-1"}).Return([]trunks.Trunk{{ID: "trunk-1"}}, nil),
		e.network.EXPECT().DeleteTrunk(gomock.Any(), "trunk-1").Return(notFound),
		e.network.EXPECT().DeletePort(gomock.Any(), "port-1").Return(nil),
		e.network.EXPECT().ListTrunks(gomock.Any(), trunks.ListOpts{PortID: "port-2"}).Return(nil, nil),
		e.network.EXPECT().DeletePort(gomock.Any(), "port-2").Return(notFound),
	)
	res, err := e.svc.Delete(context.Background(), m)
	if err != nil || !res.Done() {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
	if len(m.Status.Resources.Ports) != 0 {
		t.Errorf("ports still recorded: %+v", m.Status.Resources.Ports)
	}
}

func TestDeleteServerThenPortsThenVolumes(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 10}
	m.Status.InstanceID = ptr.To("srv-1")
	m.Status.Resources = &infrav1.MachineResources{
		Ports: []infrav1.PortStatus{{ID: "port-1"}}, Volumes: []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-1"}},
	}
	ctx := context.Background()

	// A server in ERROR is deleted like any other.
	gomock.InOrder(
		e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(&servers.Server{ID: "srv-1", Status: "ERROR"}, nil),
		e.compute.EXPECT().DeleteServer(gomock.Any(), "srv-1").Return(nil),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() || !strings.Contains(res.Reason, "srv-1") {
		t.Fatalf("Delete = %+v, %v: want waiting for the server", res, err)
	}
	// Nova is deleting it: no second DELETE.
	e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(&servers.Server{ID: "srv-1", Status: "ACTIVE", TaskState: "deleting"}, nil)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
	// Gone: the port goes, the volume is still attached.
	gomock.InOrder(
		e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(nil, notFound),
		e.network.EXPECT().ListPorts(gomock.Any(), ports.ListOpts{Name: "m-1-0", NetworkID: testNet}).Return([]ports.Port{{ID: "port-1"}}, nil),
		e.network.EXPECT().DeletePort(gomock.Any(), "port-1").Return(nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), rootByName).Return(ownedRoot("in-use"), nil),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() || !strings.Contains(res.Reason, "m-1-root (in-use)") {
		t.Fatalf("Delete = %+v, %v: want waiting for the in-use volume", res, err)
	}
	if *m.Status.InstanceState != infrav1.InstanceStateDeleted || len(m.Status.Resources.Ports) != 0 {
		t.Errorf("status %+v", m.Status)
	}
	// Available: deleted; then 404: done.
	gomock.InOrder(
		e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(nil, notFound),
		e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), rootByName).Return(ownedRoot("available"), nil),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "vol-1").Return(nil),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() {
		t.Fatalf("Delete = %+v, %v: want waiting for Cinder", res, err)
	}
	gomock.InOrder(
		e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(nil, notFound),
		e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), rootByName).Return(nil, nil),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || !res.Done() {
		t.Fatalf("Delete = %+v, %v: want done", res, err)
	}
	if len(m.Status.Resources.Volumes) != 0 {
		t.Errorf("volumes still recorded: %+v", m.Status.Resources.Volumes)
	}
}

var rootByName = volumes.ListOpts{Name: "m-1-root"}

// ownedRoot is what Cinder lists under the root volume's name: vol-1, owned, in status.
func ownedRoot(status string) []volumes.Volume {
	return []volumes.Volume{{ID: "vol-1", Name: "m-1-root", Status: status, Metadata: map[string]string{volumeOwnerKey: testOwner}}}
}

func TestDeleteVolumeTwins(t *testing.T) {
	// A twin of the recorded root volume (a create that timed out and that Cinder carried out
	// anyway) is found by name and deleted with it; a volume recorded under another name is
	// read by ID, and forgotten once Cinder answers 404.
	e := newEnv(t)
	m := resolved(testMachine())
	m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 10}
	m.Status.Resources = &infrav1.MachineResources{Volumes: []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-1"}, {Name: "old", ID: "vol-old"}}}
	twin := ownedRoot("available")[0]
	twin.ID = "vol-twin"
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), rootByName).Return(append(ownedRoot("available"), twin), nil),
		e.volume.EXPECT().GetVolume(gomock.Any(), "vol-old").Return(nil, notFound),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "vol-1").Return(nil),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "vol-twin").Return(nil),
	)
	if res, err := e.svc.Delete(context.Background(), m); err != nil || res.Done() {
		t.Fatalf("Delete = %+v, %v: want waiting for Cinder", res, err)
	}
	if got := m.Status.Resources.Volumes; len(got) != 1 || got[0].ID != "vol-1" {
		t.Errorf("recorded volumes %+v: want vol-1 only", got)
	}
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), rootByName).Return(nil, nil),
	)
	if res, err := e.svc.Delete(context.Background(), m); err != nil || !res.Done() || len(m.Status.Resources.Volumes) != 0 {
		t.Fatalf("Delete = %+v, %v, volumes %+v: want done and none recorded", res, err, m.Status.Resources.Volumes)
	}
}

func TestDeleteWithStatusLost(t *testing.T) {
	// Nothing recorded, not even the resolution: everything is found by name and owner.
	e := newEnv(t)
	m := testMachine()
	m.Spec.Trunk = true
	m.Spec.AdditionalBlockDevices = []infrav1.AdditionalBlockDevice{{Name: "etcd", SizeGiB: 1, Storage: infrav1.BlockDeviceStorage{Type: infrav1.VolumeBlockDevice}}}
	ctx := context.Background()
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return([]servers.Server{{ID: "srv-1", Status: "ACTIVE"}, {ID: "srv-2", Status: "BUILD"}}, nil),
		e.compute.EXPECT().DeleteServer(gomock.Any(), "srv-1").Return(nil),
		e.compute.EXPECT().DeleteServer(gomock.Any(), "srv-2").Return(notFound),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
	owned := map[string]string{volumeOwnerKey: testOwner}
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), ports.ListOpts{Name: "m-1-0", Tags: testOwner}).Return([]ports.Port{{ID: "port-1"}}, nil),
		e.network.EXPECT().ListTrunks(gomock.Any(), trunks.ListOpts{PortID: "port-1"}).Return([]trunks.Trunk{{ID: "trunk-1"}}, nil),
		e.network.EXPECT().DeleteTrunk(gomock.Any(), "trunk-1").Return(nil),
		e.network.EXPECT().DeletePort(gomock.Any(), "port-1").Return(nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), volumes.ListOpts{Name: "m-1-etcd"}).Return([]volumes.Volume{
			{ID: "vol-other", Name: "m-1-etcd", Status: "available"},
			{ID: "vol-1", Name: "m-1-etcd", Status: "available", Metadata: owned},
		}, nil),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "vol-1").Return(nil),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() || !strings.Contains(res.Reason, "m-1-etcd") {
		t.Fatalf("Delete = %+v, %v: want waiting for the volume", res, err)
	}
}

func TestDeleteWaitsForBusyPort(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.Resources = &infrav1.MachineResources{Ports: []infrav1.PortStatus{{ID: "port-1"}}}
	conflict := httpError(409, `{"NeutronError": {"type": "PortInUse", "message": "Port port-1 is currently a parent port for trunk t."}}`)
	gomock.InOrder(
		e.compute.EXPECT().ListServers(gomock.Any(), ownerFilter).Return(nil, nil),
		e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.network.EXPECT().DeletePort(gomock.Any(), "port-1").Return(conflict),
	)
	res, err := e.svc.Delete(context.Background(), m)
	if err != nil || res.Done() || !strings.Contains(res.Reason, "parent port for trunk") {
		t.Fatalf("Delete = %+v, %v: want waiting with Neutron's reason", res, err)
	}
	if len(m.Status.Resources.Ports) != 1 {
		t.Error("a port not deleted was forgotten")
	}
}

func TestDeleteVolumeRefused(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Spec.RootVolume = &infrav1.RootVolume{SizeGiB: 10}
	m.Status.InstanceID = ptr.To("srv-1")
	m.Status.Resources = &infrav1.MachineResources{Volumes: []infrav1.VolumeStatus{{Name: "m-1-root", ID: "vol-1"}}}
	gomock.InOrder(
		e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(nil, notFound),
		e.network.EXPECT().ListPorts(gomock.Any(), gomock.Any()).Return(nil, nil),
		e.volume.EXPECT().ListVolumes(gomock.Any(), rootByName).Return(ownedRoot("available"), nil),
		e.volume.EXPECT().DeleteVolume(gomock.Any(), "vol-1").Return(httpError(400, `{"badRequest": {"message": "Invalid volume: Volume still has 1 dependent snapshots."}}`)),
	)
	res, err := e.svc.Delete(context.Background(), m)
	if err != nil || res.Done() || !strings.Contains(res.Reason, "dependent snapshots") {
		t.Fatalf("Delete = %+v, %v: want waiting with Cinder's reason", res, err)
	}
}

// A server Nova only soft-deleted (reclaim_instance_interval) is force-deleted, once: it would
// keep its ports until Nova reclaims it.
func TestDeleteForcesASoftDeletedServer(t *testing.T) {
	e := newEnv(t)
	m := resolved(testMachine())
	m.Status.InstanceID = ptr.To("srv-1")
	ctx := context.Background()
	gomock.InOrder(
		e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(&servers.Server{ID: "srv-1", Status: "SOFT_DELETED"}, nil),
		e.compute.EXPECT().ForceDeleteServer(gomock.Any(), "srv-1").Return(nil),
	)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() {
		t.Fatalf("Delete = %+v, %v: want waiting for the server", res, err)
	}
	e.compute.EXPECT().GetServer(gomock.Any(), "srv-1").Return(&servers.Server{ID: "srv-1", Status: "SOFT_DELETED", TaskState: "deleting"}, nil)
	if res, err := e.svc.Delete(ctx, m); err != nil || res.Done() {
		t.Fatalf("Delete = %+v, %v: want still waiting, without a second delete", res, err)
	}
}
