package simulator

import (
	"net/http"
	"net/netip"
)

type member struct {
	base
	lbState
	PoolID, Address, SubnetID string
	Port, Weight              int
	AdminStateUp, Backup      bool
}

func (s *Simulator) routeMembers(prefix string) {
	s.handle("POST "+prefix+"/pools/{id}/members", false, createMember)
	s.handle("GET "+prefix+"/pools/{id}/members", false, func(c *call) error {
		p, err := c.pool(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		var views []view
		for _, m := range c.st.membersOf(p.ID) {
			views = append(views, c.memberView(m))
		}
		return c.listReply("members", views, 0)
	})
	s.handle("GET "+prefix+"/pools/{id}/members/{member}", false, func(c *call) error {
		m, err := c.poolMember()
		if err != nil {
			return err
		}
		return c.reply(200, map[string]any{"member": c.memberView(m)})
	})
	s.handle("PUT "+prefix+"/pools/{id}/members/{member}", false, updateMember)
	s.handle("DELETE "+prefix+"/pools/{id}/members/{member}", false, func(c *call) error {
		m, err := c.poolMember()
		if err != nil {
			return err
		}
		if err := c.childChange(c.st.pools[m.PoolID].LBID, &m.lbState, "PENDING_DELETE"); err != nil {
			return err
		}
		st := c.st
		c.s.later(m.busyUntil, func() { delete(st.members, m.ID) })
		return c.reply(204, nil)
	})
}

func (st *store) membersOf(poolID string) []*member {
	var out []*member
	for _, m := range sorted(st.members) {
		if m.PoolID == poolID {
			out = append(out, m)
		}
	}
	return out
}

func (c *call) memberView(m *member) view {
	prov := m.status(c.now)
	return view{
		"id": m.ID, "name": m.Name, "project_id": m.ProjectID, "tenant_id": m.ProjectID, "address": m.Address,
		"protocol_port": m.Port, "weight": m.Weight, "subnet_id": nilIfEmpty(m.SubnetID),
		"admin_state_up": m.AdminStateUp, "backup": m.Backup, "monitor_address": nil, "monitor_port": nil,
		"provisioning_status": prov, "operating_status": m.operating(c.now, m.AdminStateUp), "tags": tagsOrEmpty(m.Tags),
		"created_at": isoNoZ(m.Created), "updated_at": isoNoZ(m.Updated),
	}
}

func (c *call) poolMember() (*member, error) {
	m := c.st.members[c.r.PathValue("member")]
	if m == nil || m.PoolID != c.r.PathValue("id") {
		return nil, errf(http.StatusNotFound, "", "Member %s not found.", c.r.PathValue("member"))
	}
	return m, nil
}

type memberRequest struct {
	Address      string   `json:"address"`
	Port         int      `json:"protocol_port"`
	SubnetID     string   `json:"subnet_id"`
	Name         *string  `json:"name"`
	Weight       *int     `json:"weight"`
	AdminStateUp *bool    `json:"admin_state_up"`
	Backup       *bool    `json:"backup"`
	Tags         []string `json:"tags"`
}

// applyMember validates the request, then sets what it names on m.
func applyMember(m *member, req *memberRequest) error {
	if req.Weight != nil && (*req.Weight < 0 || *req.Weight > 256) {
		return badRequest("Invalid input for field/attribute weight. Value: '%d'. Value should be between 0 and 256.", *req.Weight)
	}
	setIf(&m.Name, req.Name)
	setIf(&m.Weight, req.Weight)
	setIf(&m.AdminStateUp, req.AdminStateUp)
	setIf(&m.Backup, req.Backup)
	if req.Tags != nil {
		m.Tags = req.Tags
	}
	return nil
}

func createMember(c *call) error {
	p, err := c.pool(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req memberRequest
	if err := c.decodeAs("member", &req); err != nil {
		return err
	}
	if _, err := netip.ParseAddr(req.Address); err != nil {
		return badRequest("Invalid input for field/attribute address. Value: '%s'. Value should be IPv4 or IPv6 format.", req.Address)
	}
	if req.Port < 1 || req.Port > 65535 {
		return badRequest("Invalid input for field/attribute protocol_port. Value: '%d'.", req.Port)
	}
	for _, other := range c.st.membersOf(p.ID) {
		if other.Address == req.Address && other.Port == req.Port {
			return errf(http.StatusConflict, "", "Another member on this pool is already using ip %s on protocol_port %d", req.Address, req.Port)
		}
	}
	if err := octaviaQuota("member", c.st.project.Quota.Members, len(c.st.members)); err != nil {
		return err
	}
	m := &member{base: c.s.newBase(c.st.project.ID, ""), PoolID: p.ID, Address: req.Address, SubnetID: req.SubnetID, Port: req.Port, Weight: 1, AdminStateUp: true}
	if err := applyMember(m, &req); err != nil {
		return err
	}
	if err := c.childChange(p.LBID, &m.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	c.st.members[m.ID] = m
	return c.reply(201, map[string]any{"member": c.memberView(m)})
}

func updateMember(c *call) error {
	m, err := c.poolMember()
	if err != nil {
		return err
	}
	var req memberRequest
	if err := c.decodeAs("member", &req); err != nil {
		return err
	}
	if err := c.updateChild(c.st.pools[m.PoolID].LBID, &m.lbState, &m.base, func() error { return applyMember(m, &req) }); err != nil {
		return err
	}
	return c.reply(200, map[string]any{"member": c.memberView(m)})
}
