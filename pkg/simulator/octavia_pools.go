package simulator

import (
	"net/http"
	"time"
)

type pool struct {
	base
	lbState
	LBID, ListenerID    string
	Protocol, Algorithm string
	AdminStateUp        bool
}

type member struct {
	base
	lbState
	PoolID, Address, SubnetID string
	Port, Weight              int
	AdminStateUp, Backup      bool
}

func (s *Simulator) routePools(prefix string) {
	s.handle("POST "+prefix+"/pools", false, createPool)
	s.handle("GET "+prefix+"/pools", false, func(c *call) error {
		lbID := c.r.URL.Query().Get("loadbalancer_id")
		var views []view
		for _, p := range sorted(c.st.pools) {
			if lbID == "" || p.LBID == lbID {
				views = append(views, c.poolView(p))
			}
		}
		return c.listReply("pools", views, 0, "loadbalancer_id")
	})
	s.handle("GET "+prefix+"/pools/{id}", false, func(c *call) error {
		p, err := c.pool(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.reply(200, map[string]any{"pool": c.poolView(p)})
	})
	s.handle("DELETE "+prefix+"/pools/{id}", false, func(c *call) error {
		p, err := c.pool(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := c.childChange(p.LBID, &p.lbState, "PENDING_DELETE"); err != nil {
			return err
		}
		c.st.markPoolDeleted(p, p.busyUntil)
		st := c.st
		c.s.later(p.busyUntil, func() { st.removePool(p) })
		return c.reply(204, nil)
	})
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

func (st *store) poolsOf(lbID, listenerID string) []*pool {
	var out []*pool
	for _, p := range sorted(st.pools) {
		if p.LBID == lbID && (listenerID == "" || p.ListenerID == listenerID) {
			out = append(out, p)
		}
	}
	return out
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

// markPoolDeleted puts a pool's members and monitor into PENDING_DELETE too.
func (st *store) markPoolDeleted(p *pool, until time.Time) {
	p.set("PENDING_DELETE", until)
	for _, m := range st.membersOf(p.ID) {
		m.set("PENDING_DELETE", until)
	}
	for _, hm := range st.monitors {
		if hm.PoolID == p.ID {
			hm.set("PENDING_DELETE", until)
		}
	}
}

// removePool deletes the pool with its members and monitor, and unsets it as
// any listener's default pool.
func (st *store) removePool(p *pool) {
	for _, m := range st.membersOf(p.ID) {
		delete(st.members, m.ID)
	}
	for id, hm := range st.monitors {
		if hm.PoolID == p.ID {
			delete(st.monitors, id)
		}
	}
	for _, l := range st.listeners {
		if l.DefaultPoolID == p.ID {
			l.DefaultPoolID = ""
		}
	}
	delete(st.pools, p.ID)
}

func (c *call) poolView(p *pool) view {
	prov := p.status(c.now)
	listeners := []map[string]string{}
	if p.ListenerID != "" {
		listeners = append(listeners, map[string]string{"id": p.ListenerID})
	}
	var monitorID any
	for _, hm := range c.st.monitors {
		if hm.PoolID == p.ID {
			monitorID = hm.ID
		}
	}
	return view{
		"id": p.ID, "name": p.Name, "description": p.Description, "project_id": p.ProjectID,
		"lb_algorithm": p.Algorithm, "protocol": p.Protocol, "loadbalancers": []map[string]string{{"id": p.LBID}},
		"listeners": listeners, "members": idRefs(c.st.membersOf(p.ID)), "healthmonitor_id": monitorID,
		"admin_state_up": p.AdminStateUp, "session_persistence": nil, "provisioning_status": prov,
		"operating_status": operatingStatus(prov), "tls_enabled": false, "tags": tagsOrEmpty(p.Tags),
		"created_at": isoNoZ(p.Created), "updated_at": isoNoZ(p.Updated),
	}
}

func (c *call) pool(id string) (*pool, error) {
	p := c.st.pools[id]
	if p == nil {
		return nil, errf(http.StatusNotFound, "", "Pool %s not found.", id)
	}
	return p, nil
}

func createPool(c *call) error {
	var req struct {
		LBID        string   `json:"loadbalancer_id"`
		ListenerID  string   `json:"listener_id"`
		Protocol    string   `json:"protocol"`
		Algorithm   string   `json:"lb_algorithm"`
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
	}
	if err := c.decodeAs("pool", &req); err != nil {
		return err
	}
	switch req.Algorithm {
	case "ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT":
	default:
		return badRequest("Invalid input for field/attribute lb_algorithm. Value: '%s'.", req.Algorithm)
	}
	var l *listener
	if req.ListenerID != "" {
		var err error
		if l, err = c.listener(req.ListenerID); err != nil {
			return badRequest("Validation failure: Listener %s not found.", req.ListenerID)
		}
		if l.DefaultPoolID != "" {
			return errf(http.StatusConflict, "", "Listener %s already has a default pool %s.", l.ID, l.DefaultPoolID)
		}
		req.LBID = l.LBID
	}
	if req.LBID == "" {
		return badRequest("Validation failure: loadbalancer_id or listener_id must be specified.")
	}
	if err := octaviaQuota("pool", c.st.project.Quota.Pools, len(c.st.pools)); err != nil {
		return err
	}
	p := &pool{base: c.s.newBase(c.st.project.ID, req.Name), LBID: req.LBID, ListenerID: req.ListenerID, Protocol: req.Protocol, Algorithm: req.Algorithm, AdminStateUp: true}
	p.Description, p.Tags = req.Description, req.Tags
	if err := c.childChange(p.LBID, &p.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	if l != nil {
		l.DefaultPoolID = p.ID
	}
	c.st.pools[p.ID] = p
	return c.reply(201, map[string]any{"pool": c.poolView(p)})
}

func (c *call) memberView(m *member) view {
	prov := m.status(c.now)
	return view{
		"id": m.ID, "name": m.Name, "project_id": m.ProjectID, "pool_id": m.PoolID, "address": m.Address,
		"protocol_port": m.Port, "weight": m.Weight, "subnet_id": nilIfEmpty(m.SubnetID),
		"admin_state_up": m.AdminStateUp, "backup": m.Backup, "monitor_address": nil, "monitor_port": nil,
		"provisioning_status": prov, "operating_status": operatingStatus(prov), "tags": tagsOrEmpty(m.Tags),
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

func createMember(c *call) error {
	p, err := c.pool(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Address  string   `json:"address"`
		Port     int      `json:"protocol_port"`
		SubnetID string   `json:"subnet_id"`
		Weight   *int     `json:"weight"`
		Name     string   `json:"name"`
		Backup   bool     `json:"backup"`
		Tags     []string `json:"tags"`
	}
	if err := c.decodeAs("member", &req); err != nil {
		return err
	}
	for _, other := range c.st.membersOf(p.ID) {
		if other.Address == req.Address && other.Port == req.Port {
			return errf(http.StatusConflict, "", "Another member on this pool is already using ip %s on protocol_port %d", req.Address, req.Port)
		}
	}
	if err := octaviaQuota("member", c.st.project.Quota.Members, len(c.st.members)); err != nil {
		return err
	}
	m := &member{base: c.s.newBase(c.st.project.ID, req.Name), PoolID: p.ID, Address: req.Address, SubnetID: req.SubnetID, Port: req.Port, Weight: 1, AdminStateUp: true, Backup: req.Backup}
	m.Tags = req.Tags
	setIf(&m.Weight, req.Weight)
	if err := c.childChange(p.LBID, &m.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	c.st.members[m.ID] = m
	return c.reply(201, map[string]any{"member": c.memberView(m)})
}
