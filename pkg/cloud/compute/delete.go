package compute

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// deleteRequeue is when to look again at a deletion OpenStack is working on.
const deleteRequeue = 5 * time.Second

// Delete removes the machine's server, then the trunks and ports, then the volumes made for it.
// It reports in progress until Nova answers 404 for the server and Cinder for every volume.
// Resources are those recorded in status plus those found by their names (and ownership tag or
// network), so it also cleans up after a lost status or a create whose answer was lost.
func (s *MachineService) Delete(ctx context.Context, m *Machine) (Result, error) {
	if res, err := s.deleteServer(ctx, m); err != nil || !res.Done() {
		return res, err
	}
	if res, err := s.deletePorts(ctx, m); err != nil || !res.Done() {
		return res, err
	}
	return s.deleteVolumes(ctx, m)
}

// deleteServer deletes the server in status, else the servers found by name and tag, in
// whatever state they are, and reports in progress while Nova still has any of them. A server
// Nova only soft-deleted (reclaim_instance_interval) is force-deleted: it would keep its ports
// and volumes, and the machine its finalizer, until Nova reclaims it.
func (s *MachineService) deleteServer(ctx context.Context, m *Machine) (Result, error) {
	var found []servers.Server
	if id := m.Status.InstanceID; id != nil {
		srv, err := s.Compute.GetServer(ctx, *id)
		if err != nil && !clients.IsNotFound(err) {
			return Result{}, fmt.Errorf("reading server %s: %w", *id, err)
		}
		if err == nil {
			found = append(found, *srv)
		}
	} else {
		var err error
		if found, err = s.findServers(ctx, m); err != nil {
			return Result{}, err
		}
	}
	var left []string
	for _, srv := range found {
		if srv.Status == string(infrav1.InstanceStateDeleted) {
			continue
		}
		left = append(left, srv.ID)
		switch {
		case srv.TaskState == "deleting":
		case srv.Status == string(infrav1.InstanceStateSoftDeleted):
			if err := s.Compute.ForceDeleteServer(ctx, srv.ID); clients.IgnoreNotFound(err) != nil {
				return Result{}, fmt.Errorf("force-deleting soft-deleted server %s (%s): %w", srv.Name, srv.ID, err)
			}
		default:
			if err := s.Compute.DeleteServer(ctx, srv.ID); clients.IgnoreNotFound(err) != nil {
				return Result{}, fmt.Errorf("deleting server %s (%s): %w", srv.Name, srv.ID, err)
			}
		}
	}
	if len(left) > 0 {
		return wait(deleteRequeue, "waiting for Nova to delete server %s", strings.Join(left, ", ")), nil
	}
	if m.Status.InstanceID != nil {
		m.Status.InstanceState = ptr.To(infrav1.InstanceStateDeleted)
	}
	return Result{}, nil
}

// portRef is a port of the machine as delete knows it: its name, its network when the spec was
// resolved, and whether it should have a trunk.
type portRef struct {
	name, networkID string
	trunk           bool
}

func portRefs(m *Machine) []portRef {
	var out []portRef
	if r := m.Status.Resolved; r != nil {
		for _, p := range r.Ports {
			out = append(out, portRef{name: p.Name, networkID: p.NetworkID, trunk: ptr.Deref(p.Trunk, false)})
		}
		return out
	}
	for i, p := range specPorts(m.Spec) {
		out = append(out, portRef{name: portName(m.Name, i, p), trunk: ptr.Deref(p.Trunk, m.Spec.Trunk)})
	}
	return out
}

// deletePorts deletes the recorded ports and those found by name, each after its trunk.
// Neutron deletes synchronously: a 204 or 404 means gone.
func (s *MachineService) deletePorts(ctx context.Context, m *Machine) (Result, error) {
	refs := portRefs(m)
	var ids []string
	trunked := map[string]bool{}
	if res := m.Status.Resources; res != nil {
		for i, p := range res.Ports {
			ids = append(ids, p.ID)
			trunked[p.ID] = i < len(refs) && refs[i].trunk
		}
	}
	for _, ref := range refs {
		opts := ports.ListOpts{Name: ref.name, NetworkID: ref.networkID}
		if ref.networkID == "" {
			opts.Tags = m.Owner
		}
		found, err := s.Network.ListPorts(ctx, opts)
		if err != nil {
			return Result{}, fmt.Errorf("looking up port %s: %w", ref.name, err)
		}
		for _, p := range found {
			if !slices.Contains(ids, p.ID) {
				ids = append(ids, p.ID)
			}
			trunked[p.ID] = trunked[p.ID] || ref.trunk
		}
	}
	for _, id := range ids {
		if res, err := s.deletePort(ctx, id, trunked[id]); err != nil || !res.Done() {
			return res, err
		}
		if res := m.Status.Resources; res != nil {
			res.Ports = slices.DeleteFunc(res.Ports, func(p infrav1.PortStatus) bool { return p.ID == id })
		}
	}
	return Result{}, nil
}

func (s *MachineService) deletePort(ctx context.Context, id string, trunked bool) (Result, error) {
	if trunked {
		found, err := s.Network.ListTrunks(ctx, trunks.ListOpts{PortID: id})
		if err != nil && !clients.IsNotFound(err) {
			return Result{}, fmt.Errorf("looking up the trunk of port %s: %w", id, err)
		}
		for _, t := range found {
			err := s.Network.DeleteTrunk(ctx, t.ID)
			if clients.IsConflict(err) {
				return wait(deleteRequeue, "trunk %s is still in use: %s", t.ID, clients.UserMessage(err)), nil
			}
			if clients.IgnoreNotFound(err) != nil {
				return Result{}, fmt.Errorf("deleting trunk %s (%s): %w", t.Name, t.ID, err)
			}
		}
	}
	err := s.Network.DeletePort(ctx, id)
	if clients.IsConflict(err) {
		return wait(deleteRequeue, "port %s is still in use: %s", id, clients.UserMessage(err)), nil
	}
	if clients.IgnoreNotFound(err) != nil {
		return Result{}, fmt.Errorf("deleting port %s: %w", id, err)
	}
	return Result{}, nil
}

// deletableVolume lists the Cinder statuses a volume can be deleted from.
var deletableVolume = []string{"available", "error", "error_restoring", "error_extending", "error_managing"}

// deleteVolumes deletes the recorded volumes and the owned ones found by name, and reports in
// progress until Cinder answers 404 for each. A volume still attached waits for Nova to let go.
func (s *MachineService) deleteVolumes(ctx context.Context, m *Machine) (Result, error) {
	// By name, which finds as well a twin left by a create that timed out and that Cinder
	// carried out anyway; a recorded volume the list of its name lacks is gone, one recorded
	// under another name is read by ID.
	var todo []volumes.Volume
	seen, listed := map[string]bool{}, map[string]bool{}
	for _, want := range wantedVolumes(m, "") {
		listed[want.name] = true
		found, err := s.ownedVolumes(ctx, m, want.name)
		if err != nil {
			return Result{}, err
		}
		for _, v := range found {
			seen[v.ID] = true
			todo = append(todo, v)
		}
	}
	if res := m.Status.Resources; res != nil {
		for _, rec := range slices.Clone(res.Volumes) {
			if seen[rec.ID] {
				continue
			}
			gone := func(r infrav1.VolumeStatus) bool { return r.ID == rec.ID }
			if listed[rec.Name] {
				res.Volumes = slices.DeleteFunc(res.Volumes, gone)
				continue
			}
			v, err := s.Volume.GetVolume(ctx, rec.ID)
			if clients.IsNotFound(err) {
				res.Volumes = slices.DeleteFunc(res.Volumes, gone)
				continue
			}
			if err != nil {
				return Result{}, fmt.Errorf("reading volume %s (%s): %w", rec.Name, rec.ID, err)
			}
			todo = append(todo, *v)
		}
	}
	var left []string
	for _, v := range todo {
		what := v.Name + " (" + v.Status + ")"
		if slices.Contains(deletableVolume, v.Status) {
			// Cinder answers 400 (or 409) when the volume changed state meanwhile: look again later.
			switch err := s.Volume.DeleteVolume(ctx, v.ID); clients.Classify(err) {
			case clients.KindBadRequest, clients.KindConflict:
				what += ": " + clients.UserMessage(err)
			default:
				if clients.IgnoreNotFound(err) != nil {
					return Result{}, fmt.Errorf("deleting volume %s (%s): %w", v.Name, v.ID, err)
				}
			}
		}
		left = append(left, what)
	}
	if len(left) > 0 {
		return wait(deleteRequeue, "waiting for Cinder to delete volumes %s", strings.Join(left, ", ")), nil
	}
	return Result{}, nil
}
