package compute

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// findServers returns the servers with the machine's exact name and ownership tag.
func (s *MachineService) findServers(ctx context.Context, m *Machine) ([]servers.Server, error) {
	found, err := s.Compute.ListServers(ctx, clients.ServerFilter{Name: m.Name, Tags: []string{m.Owner}})
	if err != nil {
		return nil, fmt.Errorf("looking up server %s: %w", m.Name, err)
	}
	return found, nil
}

func serverIDs(found []servers.Server) string {
	ids := make([]string, len(found))
	for i, s := range found {
		ids[i] = s.ID
	}
	return strings.Join(ids, ", ")
}

// createServer creates the server and records its ID in the status, which the caller writes
// when the call returns. Should the answer or that write be lost (a crash, a conflict), the
// next call finds the server by name and tag instead of creating another.
func (s *MachineService) createServer(ctx context.Context, m *Machine, portIDs []string, volumeIDs map[string]string) (Result, error) {
	srv, err := s.Compute.CreateServer(ctx, serverCreateOpts(m, portIDs, volumeIDs), schedulerHints(m))
	if err != nil {
		return Result{}, fmt.Errorf("creating server %s: %w", m.Name, err)
	}
	m.Status.InstanceID = &srv.ID
	m.Status.InstanceState = ptr.To(infrav1.InstanceStateBuild)
	return wait(backoff(0), "server %s is building", m.Name), nil
}

// serverCreateOpts is the create request of the server. Tags go in the body: the client's
// microversion (clients.ComputeMicroversion, 2.52) accepts them there, so the server is never
// untagged. User data is encoded here rather than by gophercloud, which would send data that
// happens to be valid base64 as it is.
func serverCreateOpts(m *Machine, portIDs []string, volumeIDs map[string]string) servers.CreateOptsBuilder {
	r := m.Status.Resolved
	nets := make([]servers.Network, len(portIDs))
	for i, id := range portIDs {
		nets[i] = servers.Network{Port: id}
	}
	opts := servers.CreateOpts{
		Name: m.Name, FlavorRef: r.FlavorID, ImageRef: r.ImageID, Networks: nets,
		AvailabilityZone: m.FailureDomain, Tags: m.tags(), ConfigDrive: m.Spec.ConfigDrive,
		BlockDevice: blockDevices(m, volumeIDs),
	}
	if m.Spec.RootVolume != nil {
		opts.ImageRef = ""
	}
	if len(m.Spec.ServerMetadata) > 0 {
		opts.Metadata = make(map[string]string, len(m.Spec.ServerMetadata))
		for _, kv := range m.Spec.ServerMetadata {
			opts.Metadata[kv.Key] = kv.Value
		}
	}
	if len(m.UserData) > 0 {
		opts.UserData = []byte(base64.StdEncoding.EncodeToString(m.UserData))
	}
	if m.Spec.SSHKeyName == "" {
		return opts
	}
	return keypairs.CreateOptsExt{CreateOptsBuilder: opts, KeyName: m.Spec.SSHKeyName}
}

// blockDevices maps the root volume (boot index 0) and the additional devices: Cinder volumes
// made beforehand, and blank local disks that the guest formats itself (guest_format unset).
// Without a root volume but with additional devices, the image is mapped as the local boot disk.
func blockDevices(m *Machine, volumeIDs map[string]string) []servers.BlockDevice {
	var out []servers.BlockDevice
	switch {
	case m.Spec.RootVolume != nil:
		out = append(out, servers.BlockDevice{
			SourceType: servers.SourceVolume, DestinationType: servers.DestinationVolume,
			UUID: volumeIDs[rootVolumeName(m.Name)], BootIndex: 0,
		})
	case len(m.Spec.AdditionalBlockDevices) > 0:
		out = append(out, servers.BlockDevice{
			SourceType: servers.SourceImage, DestinationType: servers.DestinationLocal,
			UUID: m.Status.Resolved.ImageID, BootIndex: 0, DeleteOnTermination: true,
		})
	}
	for _, d := range m.Spec.AdditionalBlockDevices {
		bd := servers.BlockDevice{BootIndex: -1, Tag: d.Name}
		if d.Storage.Type == infrav1.VolumeBlockDevice {
			bd.SourceType, bd.DestinationType = servers.SourceVolume, servers.DestinationVolume
			bd.UUID = volumeIDs[deviceVolumeName(m.Name, d.Name)]
		} else {
			bd.SourceType, bd.DestinationType = servers.SourceBlank, servers.DestinationLocal
			bd.VolumeSize, bd.DeleteOnTermination = int(d.SizeGiB), true
		}
		out = append(out, bd)
	}
	return out
}

// schedulerHints places the server in its server group, with the spec's extra hints.
func schedulerHints(m *Machine) servers.SchedulerHintOptsBuilder {
	hints := servers.SchedulerHintOpts{Group: m.Status.Resolved.ServerGroupID}
	if props := m.Spec.SchedulerHintAdditionalProperties; len(props) > 0 {
		hints.AdditionalProperties = make(map[string]any, len(props))
		for _, p := range props {
			hints.AdditionalProperties[p.Name] = hintValue(p.Value)
		}
	}
	return hints
}

func hintValue(v infrav1.SchedulerHintAdditionalValue) any {
	switch v.Type {
	case infrav1.SchedulerHintBool:
		return ptr.Deref(v.Bool, false)
	case infrav1.SchedulerHintNumber:
		return int(ptr.Deref(v.Number, 0))
	}
	return ptr.Deref(v.String, "")
}
