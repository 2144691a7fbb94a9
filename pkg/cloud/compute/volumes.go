package compute

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// volumeOwnerKey is the Cinder metadata key holding the ownership tag: Cinder volumes have no
// tags, and a volume found by name is adopted or deleted only if it carries the machine's owner.
const volumeOwnerKey = "capo-owner"

// volumeSpec is a Cinder volume a machine needs.
type volumeSpec struct {
	name, volumeType, az, imageID string
	size                          int
}

func rootVolumeName(server string) string { return server + "-root" }

func deviceVolumeName(server, device string) string { return server + "-" + device }

// wantedVolumes are the root volume (when booting from volume) and the additional block
// devices backed by Cinder.
func wantedVolumes(m *Machine, imageID string) []volumeSpec {
	var out []volumeSpec
	if rv := m.Spec.RootVolume; rv != nil {
		out = append(out, volumeSpec{
			name: rootVolumeName(m.Name), size: int(rv.SizeGiB), volumeType: rv.Type,
			az: volumeAZ(rv.AvailabilityZone, m.FailureDomain), imageID: imageID,
		})
	}
	for _, d := range m.Spec.AdditionalBlockDevices {
		if d.Storage.Type != infrav1.VolumeBlockDevice {
			continue
		}
		v := volumeSpec{name: deviceVolumeName(m.Name, d.Name), size: int(d.SizeGiB)}
		if d.Storage.Volume != nil {
			v.volumeType = d.Storage.Volume.Type
			v.az = volumeAZ(d.Storage.Volume.AvailabilityZone, m.FailureDomain)
		}
		out = append(out, v)
	}
	return out
}

// volumeAZ is the availability zone of a volume: the named one, the machine's, or Cinder's default.
func volumeAZ(az *infrav1.VolumeAvailabilityZone, failureDomain string) string {
	switch {
	case az == nil:
		return ""
	case az.From == infrav1.VolumeAZFromMachine:
		return failureDomain
	}
	return ptr.Deref(az.Name, "")
}

// ensureVolumes returns the IDs of the machine's volumes by name, creating the missing ones,
// and a Result in progress until all are available.
func (s *MachineService) ensureVolumes(ctx context.Context, m *Machine) (map[string]string, Result, error) {
	ids := map[string]string{}
	var waiting []string
	var requeue time.Duration
	for _, want := range wantedVolumes(m, m.Status.Resolved.ImageID) {
		v, err := s.findOrCreateVolume(ctx, m, want)
		if err != nil {
			return nil, Result{}, err
		}
		ids[want.name] = v.ID
		switch v.Status {
		case "available":
		case "creating", "downloading":
			waiting = append(waiting, want.name)
			d := backoff(s.now().Sub(v.CreatedAt))
			if requeue == 0 || d < requeue {
				requeue = d
			}
		default:
			return nil, Result{}, fmt.Errorf("volume %s (%s) is %s, not available: check it in Cinder and delete it so that it is made again", want.name, v.ID, v.Status)
		}
	}
	if len(waiting) > 0 {
		return nil, wait(requeue, "waiting for volumes %s to become available", strings.Join(waiting, ", ")), nil
	}
	return ids, Result{}, nil
}

// findOrCreateVolume returns the volume recorded in status, else the one of this owner found by
// name, else a new one, recorded and saved before anything else happens.
func (s *MachineService) findOrCreateVolume(ctx context.Context, m *Machine, want volumeSpec) (*volumes.Volume, error) {
	res := m.resources()
	if i := slices.IndexFunc(res.Volumes, func(v infrav1.VolumeStatus) bool { return v.Name == want.name }); i >= 0 {
		v, err := s.Volume.GetVolume(ctx, res.Volumes[i].ID)
		if !clients.IsNotFound(err) {
			if err != nil {
				return nil, fmt.Errorf("reading volume %s (%s): %w", want.name, res.Volumes[i].ID, err)
			}
			return v, nil
		}
		// Deleted outside before the server was made: make it again.
		res.Volumes = slices.Delete(res.Volumes, i, i+1)
	}
	found, err := s.ownedVolumes(ctx, m, want.name)
	if err != nil {
		return nil, err
	}
	var v *volumes.Volume
	switch len(found) {
	case 0:
		v, err = s.Volume.CreateVolume(ctx, volumes.CreateOpts{
			Name: want.name, Size: want.size, VolumeType: want.volumeType, AvailabilityZone: want.az,
			ImageID: want.imageID, Metadata: map[string]string{volumeOwnerKey: m.Owner},
		})
		if err != nil {
			return nil, fmt.Errorf("creating volume %s: %w", want.name, err)
		}
	case 1:
		v = &found[0]
	default:
		ids := make([]string, len(found))
		for i, f := range found {
			ids[i] = f.ID
		}
		return nil, fmt.Errorf("%d volumes are named %s (%s): delete the ones not in use", len(found), want.name, strings.Join(ids, ", "))
	}
	res.Volumes = append(res.Volumes, infrav1.VolumeStatus{Name: want.name, ID: v.ID})
	return v, nil
}

// ownedVolumes are the volumes named name that carry the machine's ownership metadata.
func (s *MachineService) ownedVolumes(ctx context.Context, m *Machine, name string) ([]volumes.Volume, error) {
	all, err := s.Volume.ListVolumes(ctx, volumes.ListOpts{Name: name})
	if err != nil {
		return nil, fmt.Errorf("looking up volume %s: %w", name, err)
	}
	return slices.DeleteFunc(all, func(v volumes.Volume) bool { return v.Metadata[volumeOwnerKey] != m.Owner }), nil
}
