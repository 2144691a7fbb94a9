package simulator

import (
	"net/http"
	"time"
)

const cinderPrefix = "/volume/v3/{project_id}"

type attachment struct {
	ID, ServerID, Device, Host string
	AttachedAt                 time.Time
}

type volume struct {
	base
	Size        int
	AZ          string
	VolumeType  string
	ImageID     string
	Metadata    map[string]string
	Attachments []attachment
	Bootable    bool
	failed      bool
	deleting    bool
}

func (s *Simulator) routeCinder() {
	s.handle("GET /volume/{$}", true, func(c *call) error {
		return c.reply(300, map[string]any{"versions": []any{map[string]any{
			"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0", "updated": "2023-08-31T00:00:00Z",
			"links": []map[string]string{{"rel": "self", "href": c.baseURL() + "/volume/v3/"}},
		}}})
	})
	s.handle("POST "+cinderPrefix+"/volumes", false, createVolume)
	s.handle("GET "+cinderPrefix+"/volumes", false, func(c *call) error { return listVolumes(c, false) })
	s.handle("GET "+cinderPrefix+"/volumes/detail", false, func(c *call) error { return listVolumes(c, true) })
	s.handle("GET "+cinderPrefix+"/volumes/{id}", false, getVolume)
	s.handle("PUT "+cinderPrefix+"/volumes/{id}", false, updateVolume)
	s.handle("DELETE "+cinderPrefix+"/volumes/{id}", false, deleteVolume)
	s.handle("GET "+cinderPrefix+"/os-availability-zone", false, func(c *call) error {
		var zones []any
		for _, z := range c.s.zones {
			zones = append(zones, map[string]any{"zoneName": z, "zoneState": map[string]bool{"available": true}})
		}
		return c.reply(200, map[string]any{"availabilityZoneInfo": zones})
	})
	s.handle("GET "+cinderPrefix+"/os-quota-sets/{project}", false, getCinderQuota)
}

// volumeStatus is the status Cinder would report now.
func (s *Simulator) volumeStatus(v *volume, now time.Time) string {
	switch {
	case v.deleting:
		return "deleting"
	case now.Before(v.Created.Add(s.lat.VolumeCreate)):
		return "creating"
	case v.failed:
		return "error"
	case len(v.Attachments) > 0:
		return "in-use"
	}
	return "available"
}

func (s *Simulator) newVolume(st *store, size int, name, imageID, az string) *volume {
	v := &volume{base: s.newBase(st.project.ID, name), Size: size, AZ: az, VolumeType: "lvmdriver-1",
		ImageID: imageID, Metadata: map[string]string{}, Attachments: []attachment{}}
	if v.AZ == "" {
		v.AZ = s.zones[0]
	}
	st.volumes[v.ID] = v
	return v
}

func (c *call) volumeView(v *volume, detail bool) view {
	links := []map[string]string{{"rel": "self", "href": c.baseURL() + "/volume/v3/" + v.ProjectID + "/volumes/" + v.ID}}
	out := view{"id": v.ID, "name": v.Name, "links": links}
	if !detail {
		return out
	}
	atts := []map[string]any{}
	for _, a := range v.Attachments {
		atts = append(atts, map[string]any{
			"id": v.ID, "attachment_id": a.ID, "volume_id": v.ID, "server_id": a.ServerID, "device": a.Device,
			"host_name": a.Host, "attached_at": isoMicro(a.AttachedAt),
		})
	}
	bootable := "false"
	if v.Bootable || v.ImageID != "" {
		bootable = "true"
	}
	out["status"], out["size"], out["availability_zone"] = c.s.volumeStatus(v, c.now), v.Size, v.AZ
	out["description"], out["volume_type"], out["metadata"] = v.Description, v.VolumeType, v.Metadata
	out["created_at"], out["updated_at"], out["attachments"] = isoMicro(v.Created), isoMicro(v.Updated), atts
	out["snapshot_id"], out["source_volid"], out["user_id"], out["bootable"] = nil, nil, "", bootable
	out["encrypted"], out["multiattach"], out["replication_status"] = false, false, nil
	out["consistencygroup_id"], out["os-vol-tenant-attr:tenant_id"] = nil, v.ProjectID
	if v.ImageID != "" {
		name := ""
		if img := c.s.visibleImage(v.ProjectID, v.ImageID); img != nil {
			name = img.Name
		}
		out["volume_image_metadata"] = map[string]string{"image_id": v.ImageID, "image_name": name}
	}
	return out
}

func (c *call) volume(id string) (*volume, error) {
	v := c.st.volumes[id]
	if v == nil {
		return nil, errf(http.StatusNotFound, "", "Volume %s could not be found.", id)
	}
	return v, nil
}

func createVolume(c *call) error {
	var req struct {
		Size        int               `json:"size"`
		Name        string            `json:"name"`
		Description string            `json:"description"`
		AZ          string            `json:"availability_zone"`
		ImageRef    string            `json:"imageRef"`
		VolumeType  string            `json:"volume_type"`
		Metadata    map[string]string `json:"metadata"`
	}
	if err := c.decodeAs("volume", &req); err != nil {
		return err
	}
	if req.Size <= 0 {
		return badRequest("Invalid input received: Volume size '%d' must be an integer and greater than 0", req.Size)
	}
	if req.AZ != "" && c.s.hostOf(req.AZ) == "" {
		return badRequest("Invalid input received: Availability zone '%s' is invalid.", req.AZ)
	}
	if req.ImageRef != "" && c.s.visibleImage(c.st.project.ID, req.ImageRef) == nil {
		return badRequest("Invalid image identifier or unable to access requested image.")
	}
	if err := cinderQuota(c.st, req.Size); err != nil {
		return err
	}
	v := c.s.newVolume(c.st, req.Size, req.Name, req.ImageRef, req.AZ)
	v.Description = req.Description
	if req.VolumeType != "" {
		v.VolumeType = req.VolumeType
	}
	if req.Metadata != nil {
		v.Metadata = req.Metadata
	}
	v.failed = c.fault != nil
	view := c.volumeView(v, true)
	// Cinder's create answer has neither: the tenant attribute is added to shows and lists, the
	// image metadata is copied while the volume is built.
	delete(view, "os-vol-tenant-attr:tenant_id")
	delete(view, "volume_image_metadata")
	return c.reply(202, map[string]any{"volume": view})
}

func listVolumes(c *call, detail bool) error {
	var views []view
	for _, v := range sorted(c.st.volumes) {
		views = append(views, c.volumeView(v, true))
	}
	q := c.r.URL.Query()
	views = filterViews(views, q)
	page, next, err := paginate(views, q, 1000)
	if err != nil {
		return err
	}
	if !detail {
		for i, v := range page {
			page[i] = view{"id": v["id"], "name": v["name"], "links": v["links"]}
		}
	}
	body := map[string]any{"volumes": page}
	if next != "" {
		body["volumes_links"] = c.nextLinks(next)
	}
	return c.reply(200, body)
}

func getVolume(c *call) error {
	v, err := c.volume(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"volume": c.volumeView(v, true)})
}

func updateVolume(c *call) error {
	v, err := c.volume(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Name        *string           `json:"name"`
		Description *string           `json:"description"`
		Metadata    map[string]string `json:"metadata"`
	}
	if err := c.decodeAs("volume", &req); err != nil {
		return err
	}
	setIf(&v.Name, req.Name)
	setIf(&v.Description, req.Description)
	if req.Metadata != nil {
		v.Metadata = req.Metadata
	}
	v.Updated = c.now
	return c.reply(200, map[string]any{"volume": c.volumeView(v, true)})
}

func deleteVolume(c *call) error {
	v, err := c.volume(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if st := c.s.volumeStatus(v, c.now); st != "available" && st != "error" {
		return badRequest("Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.")
	}
	v.deleting = true
	st := c.st
	c.s.later(c.now.Add(c.s.lat.VolumeDelete), func() { delete(st.volumes, v.ID) })
	return c.reply(202, nil)
}

func getCinderQuota(c *call) error {
	st := c.s.projectByName(c.r.PathValue("project"))
	if st == nil {
		return errf(http.StatusNotFound, "", "Project %s could not be found.", c.r.PathValue("project"))
	}
	q := st.project.Quota
	count, gigabytes := volumeUsage(st)
	set := map[string]any{"id": st.project.ID, "volumes": q.Volumes, "gigabytes": q.Gigabytes}
	if c.r.URL.Query().Get("usage") == "true" {
		set["volumes"] = map[string]int{"limit": q.Volumes, "in_use": count, "reserved": 0, "allocated": 0}
		set["gigabytes"] = map[string]int{"limit": q.Gigabytes, "in_use": gigabytes, "reserved": 0, "allocated": 0}
	}
	return c.reply(200, map[string]any{"quota_set": set})
}
