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
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
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
		v, twins, err := s.findOrCreateVolume(ctx, m, want)
		if err != nil {
			return nil, Result{}, err
		}
		if v == nil {
			waiting = append(waiting, fmt.Sprintf("%s (deleting its duplicates %s)", want.name, strings.Join(twins, ", ")))
			requeue = twinRequeue
			continue
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

// twinRequeue is how soon to look again at a volume with a duplicate Cinder cannot delete yet.
const twinRequeue = 5 * time.Second

// findOrCreateVolume returns the volume recorded in status, else the one of this owner found by
// name, else a new one, recorded and saved before anything else happens. It returns nil and
// the duplicates left while Cinder cannot delete them yet (see keepOneVolume).
func (s *MachineService) findOrCreateVolume(ctx context.Context, m *Machine, want volumeSpec) (*volumes.Volume, []string, error) {
	res := m.resources()
	if i := slices.IndexFunc(res.Volumes, func(v infrav1.VolumeStatus) bool { return v.Name == want.name }); i >= 0 {
		v, err := s.Volume.GetVolume(ctx, res.Volumes[i].ID)
		if !clients.IsNotFound(err) {
			if err != nil {
				return nil, nil, fmt.Errorf("reading volume %s (%s): %w", want.name, res.Volumes[i].ID, err)
			}
			return v, nil, nil
		}
		// Deleted outside before the server was made: make it again.
		res.Volumes = slices.Delete(res.Volumes, i, i+1)
	}
	found, err := s.ownedVolumes(ctx, m, want.name)
	if err != nil {
		return nil, nil, err
	}
	var v *volumes.Volume
	switch len(found) {
	case 0:
		v, err = s.Volume.CreateVolume(ctx, volumes.CreateOpts{
			Name: want.name, Size: want.size, VolumeType: want.volumeType, AvailabilityZone: want.az,
			ImageID: want.imageID, Metadata: map[string]string{volumeOwnerKey: m.Owner},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("creating volume %s: %w", want.name, err)
		}
	case 1:
		v = &found[0]
	default:
		var twins []string
		if v, twins, err = s.keepOneVolume(ctx, found); v == nil || err != nil {
			return nil, twins, err
		}
	}
	res.Volumes = append(res.Volumes, infrav1.VolumeStatus{Name: want.name, ID: v.ID})
	return v, nil, nil
}

// ownedVolumes are the volumes named name that carry the machine's ownership metadata.
func (s *MachineService) ownedVolumes(ctx context.Context, m *Machine, name string) ([]volumes.Volume, error) {
	all, err := s.Volume.ListVolumes(ctx, volumes.ListOpts{Name: name})
	if err != nil {
		return nil, fmt.Errorf("looking up volume %s: %w", name, err)
	}
	return slices.DeleteFunc(all, func(v volumes.Volume) bool { return v.Metadata[volumeOwnerKey] != m.Owner }), nil
}

// keepOneVolume deletes all but one of several volumes of this machine under one name: creates
// that timed out on our side and that Cinder carried out anyway. It keeps the attached one, else
// the oldest, and returns it once the others are deleted; until then nil and those left, as
// "<id> (<status>)" (creating, or changed state meanwhile).
func (s *MachineService) keepOneVolume(ctx context.Context, found []volumes.Volume) (*volumes.Volume, []string, error) {
	keep := slices.IndexFunc(found, func(v volumes.Volume) bool { return len(v.Attachments) > 0 })
	if keep < 0 {
		keep = cloud.Oldest(found, func(v volumes.Volume) time.Time { return v.CreatedAt }, func(v volumes.Volume) string { return v.ID })
	}
	var left []string
	for i, v := range found {
		if i == keep {
			continue
		}
		if !slices.Contains(deletableVolume, v.Status) {
			left = append(left, v.ID+" ("+v.Status+")") // creating: Cinder refuses to delete it yet
			continue
		}
		err := s.Volume.DeleteVolume(ctx, v.ID)
		if k := clients.Classify(err); err != nil && k != clients.KindNotFound {
			if k != clients.KindBadRequest && k != clients.KindConflict {
				return nil, nil, fmt.Errorf("deleting volume %s (%s), a duplicate of %s: %w", v.Name, v.ID, found[keep].ID, err)
			}
			left = append(left, v.ID+" ("+clients.UserMessage(err)+")")
		}
	}
	if len(left) > 0 {
		return nil, left, nil
	}
	return &found[keep], nil, nil
}
