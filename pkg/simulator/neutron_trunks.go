package simulator

import (
	"net/http"
	"slices"
)

type subport struct {
	PortID  string `json:"port_id"`
	SegType string `json:"segmentation_type"`
	SegID   int    `json:"segmentation_id"`
}

type trunk struct {
	base
	PortID       string
	Subports     []subport
	AdminStateUp bool
	rev          int
}

func (s *Simulator) routeTrunks() {
	s.handle("POST "+neutronPrefix+"/trunks", false, createTrunk)
	s.handle("GET "+neutronPrefix+"/trunks", false, listTrunks)
	s.handle("GET "+neutronPrefix+"/trunks/{id}", false, getTrunk)
	s.handle("DELETE "+neutronPrefix+"/trunks/{id}", false, deleteTrunk)
	s.handle("PUT "+neutronPrefix+"/trunks/{id}/add_subports", false, addSubports)
	s.handle("PUT "+neutronPrefix+"/trunks/{id}/remove_subports", false, removeSubports)
	s.handle("GET "+neutronPrefix+"/trunks/{id}/get_subports", false, func(c *call) error {
		t, err := c.trunk(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.reply(200, map[string]any{"sub_ports": t.subportViews()})
	})
}

func (t *trunk) subportViews() []subport { return append([]subport{}, t.Subports...) }

func (s *Simulator) trunkOfParent(portID string) *trunk {
	for _, st := range s.projects {
		for _, t := range st.trunks {
			if t.PortID == portID {
				return t
			}
		}
	}
	return nil
}

func (c *call) trunkView(t *trunk) view {
	status := "DOWN"
	if p := c.st.ports[t.PortID]; p != nil && p.DeviceID != "" {
		status = "ACTIVE"
	}
	return view{
		"id": t.ID, "name": t.Name, "description": t.Description, "port_id": t.PortID,
		"sub_ports": t.subportViews(), "status": status, "admin_state_up": t.AdminStateUp,
		"tenant_id": t.ProjectID, "project_id": t.ProjectID, "tags": tagsOrEmpty(t.Tags),
		"created_at": isoZ(t.Created), "updated_at": isoZ(t.Updated), "revision_number": t.rev,
	}
}

func (c *call) trunk(id string) (*trunk, error) {
	t := c.st.trunks[id]
	if t == nil {
		return nil, neutronNotFound("Trunk", id)
	}
	return t, nil
}

// attachSubports validates and binds the subport ports to t.
func (c *call) attachSubports(t *trunk, subs []subport) error {
	for _, sp := range subs {
		p, err := c.port(sp.PortID)
		if err != nil {
			return err
		}
		if p.DeviceOwner != "" || c.s.trunkOfParent(p.ID) != nil {
			return errf(http.StatusConflict, "PortInUse", "Port %s is currently in use and is not eligible for use as a subport.", p.ID)
		}
	}
	for _, sp := range subs {
		if sp.SegType == "" {
			sp.SegType = "vlan"
		}
		p := c.st.ports[sp.PortID]
		p.DeviceOwner, p.DeviceID = "trunk:subport", t.ID
		t.Subports = append(t.Subports, sp)
	}
	return nil
}

func createTrunk(c *call) error {
	var req struct {
		PortID       string    `json:"port_id"`
		Name         string    `json:"name"`
		Description  string    `json:"description"`
		AdminStateUp *bool     `json:"admin_state_up"`
		Subports     []subport `json:"sub_ports"`
		Tags         []string  `json:"tags"`
	}
	if err := c.decodeAs("trunk", &req); err != nil {
		return err
	}
	parent, err := c.port(req.PortID)
	if err != nil {
		return err
	}
	if c.s.trunkOfParent(parent.ID) != nil || parent.DeviceOwner == "trunk:subport" {
		return errf(http.StatusConflict, "TrunkPortInUse", "Port %s is currently in use and is not eligible for use as a parent port.", parent.ID)
	}
	t := &trunk{base: c.s.newBase(c.st.project.ID, req.Name), PortID: parent.ID, AdminStateUp: true, Subports: []subport{}}
	t.Description, t.Tags = req.Description, req.Tags
	setIf(&t.AdminStateUp, req.AdminStateUp)
	if err := c.attachSubports(t, req.Subports); err != nil {
		return err
	}
	c.st.trunks[t.ID] = t
	return c.reply(201, map[string]any{"trunk": c.trunkView(t)})
}

func listTrunks(c *call) error {
	var views []view
	for _, t := range sorted(c.st.trunks) {
		views = append(views, c.trunkView(t))
	}
	return c.listReply("trunks", views, 0)
}

func getTrunk(c *call) error {
	t, err := c.trunk(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"trunk": c.trunkView(t)})
}

func (c *call) releaseSubport(t *trunk, portID string) {
	if p := c.st.ports[portID]; p != nil && p.DeviceID == t.ID {
		p.DeviceOwner, p.DeviceID = "", ""
	}
	t.Subports = slices.DeleteFunc(t.Subports, func(sp subport) bool { return sp.PortID == portID })
}

func deleteTrunk(c *call) error {
	t, err := c.trunk(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if p := c.st.ports[t.PortID]; p != nil && p.DeviceID != "" {
		return errf(http.StatusConflict, "TrunkInUse", "Trunk %s is currently in use.", t.ID)
	}
	for _, sp := range slices.Clone(t.Subports) {
		c.releaseSubport(t, sp.PortID)
	}
	delete(c.st.trunks, t.ID)
	return c.reply(204, nil)
}

func addSubports(c *call) error {
	t, err := c.trunk(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Subports []subport `json:"sub_ports"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if err := c.attachSubports(t, req.Subports); err != nil {
		return err
	}
	t.rev++
	return c.reply(200, c.trunkView(t))
}

func removeSubports(c *call) error {
	t, err := c.trunk(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Subports []subport `json:"sub_ports"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	for _, sp := range req.Subports {
		if !slices.ContainsFunc(t.Subports, func(have subport) bool { return have.PortID == sp.PortID }) {
			return errf(http.StatusNotFound, "SubPortNotFound", "SubPort on trunk %s with parent port %s could not be found.", t.ID, sp.PortID)
		}
	}
	for _, sp := range req.Subports {
		c.releaseSubport(t, sp.PortID)
	}
	t.rev++
	return c.reply(200, c.trunkView(t))
}
