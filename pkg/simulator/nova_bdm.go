package simulator

import (
	"fmt"
	"net/http"
)

// blockDevice is one block_device_mapping_v2 entry.
type blockDevice struct {
	SourceType          string `json:"source_type"`
	DestinationType     string `json:"destination_type"`
	UUID                string `json:"uuid"`
	BootIndex           *int   `json:"boot_index"`
	VolumeSize          int    `json:"volume_size"`
	DeleteOnTermination bool   `json:"delete_on_termination"`
	VolumeType          string `json:"volume_type"`
}

func (b blockDevice) isBootVolume() bool {
	return b.BootIndex != nil && *b.BootIndex == 0 && b.DestinationType == "volume"
}

func (c *call) validateBlockDevices(bdms []blockDevice) error {
	for _, b := range bdms {
		if b.DestinationType != "volume" && b.DestinationType != "local" {
			return badRequest("Block Device Mapping is Invalid: destination_type %q is not supported.", b.DestinationType)
		}
		switch b.SourceType {
		case "image":
			if c.s.visibleImage(c.st.project.ID, b.UUID) == nil {
				return badRequest("Block Device Mapping is Invalid: failed to get image %s.", b.UUID)
			}
			if b.DestinationType == "volume" && b.VolumeSize <= 0 {
				return badRequest("Images with destination_type 'volume' need to have a non-zero size specified")
			}
		case "volume":
			v := c.st.volumes[b.UUID]
			if v == nil {
				return badRequest("Block Device Mapping is Invalid: failed to get volume %s.", b.UUID)
			}
			if st := c.s.volumeStatus(v, c.now); st != "available" {
				return badRequest("Invalid volume: volume '%s' status must be 'available'. Currently in '%s'", v.ID, st)
			}
		case "blank":
			if b.DestinationType == "volume" && b.VolumeSize <= 0 {
				return badRequest("Block Device Mapping is Invalid: You specified more local devices than the limit allows")
			}
		default:
			return badRequest("Block Device Mapping is Invalid: source_type %q is not supported.", b.SourceType)
		}
	}
	return nil
}

// attachBlockDevices creates the volumes Nova would create for the server
// and attaches them. A volume quota failure fails the build, as in Nova.
func (c *call) attachBlockDevices(srv *server, bdms []blockDevice) {
	for i, b := range bdms {
		if b.DestinationType != "volume" {
			continue
		}
		v := c.st.volumes[b.UUID]
		if b.SourceType != "volume" {
			if err := cinderQuota(c.st, b.VolumeSize); err != nil {
				srv.fail(http.StatusInternalServerError, fmt.Sprintf("Build of instance %s aborted: %s", srv.ID, errMessage(err)))
				continue
			}
			imageID := ""
			if b.SourceType == "image" {
				imageID = b.UUID
			}
			v = c.s.newVolume(c.st, b.VolumeSize, "", imageID, srv.AZ)
			v.VolumeType = b.VolumeType
		}
		v.Bootable = v.Bootable || b.isBootVolume()
		v.Attachments = append(v.Attachments, attachment{
			ID: newUUID(), ServerID: srv.ID, Device: fmt.Sprintf("/dev/vd%c", 'a'+i), Host: srv.Host, AttachedAt: c.now,
		})
		srv.Volumes = append(srv.Volumes, volumeAttachment{VolumeID: v.ID, DeleteOnTermination: b.DeleteOnTermination})
	}
}
