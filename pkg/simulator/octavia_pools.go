package simulator

import (
	"net/http"
	"time"
)

type pool struct {
	base
	lbState
	LBID                string
	Protocol, Algorithm string
	AdminStateUp        bool
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
	s.handle("PUT "+prefix+"/pools/{id}", false, updatePool)
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
	s.routeMembers(prefix)
}

func (st *store) poolsOf(lbID string) []*pool {
	var out []*pool
	for _, p := range sorted(st.pools) {
		if p.LBID == lbID {
			out = append(out, p)
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
	for _, l := range c.st.listenersOf(p.LBID) {
		if l.DefaultPoolID == p.ID {
			listeners = append(listeners, map[string]string{"id": l.ID})
		}
	}
	var monitorID any
	for _, hm := range c.st.monitors {
		if hm.PoolID == p.ID {
			monitorID = hm.ID
		}
	}
	return view{
		"id": p.ID, "name": p.Name, "description": p.Description, "project_id": p.ProjectID, "tenant_id": p.ProjectID,
		"tls_container_ref": nil, "ca_tls_container_ref": nil, "crl_container_ref": nil, "tls_ciphers": nil,
		"tls_versions": nil, "alpn_protocols": nil,
		"lb_algorithm": p.Algorithm, "protocol": p.Protocol, "loadbalancers": []map[string]string{{"id": p.LBID}},
		"listeners": listeners, "members": idRefs(c.st.membersOf(p.ID)), "healthmonitor_id": monitorID,
		"admin_state_up": p.AdminStateUp, "session_persistence": nil, "provisioning_status": prov,
		"operating_status": p.operating(c.now, p.AdminStateUp), "tls_enabled": false, "tags": tagsOrEmpty(p.Tags),
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

type poolRequest struct {
	LBID         string   `json:"loadbalancer_id"`
	ListenerID   string   `json:"listener_id"`
	Protocol     string   `json:"protocol"`
	Algorithm    *string  `json:"lb_algorithm"`
	Name         *string  `json:"name"`
	Description  *string  `json:"description"`
	AdminStateUp *bool    `json:"admin_state_up"`
	Tags         []string `json:"tags"`
}

// applyPool validates the request, then sets what it names on p.
func applyPool(p *pool, req *poolRequest) error {
	if req.Algorithm != nil {
		switch *req.Algorithm {
		case "ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT":
		default:
			return badRequest("Invalid input for field/attribute lb_algorithm. Value: '%s'.", *req.Algorithm)
		}
	}
	setIf(&p.Algorithm, req.Algorithm)
	setIf(&p.Name, req.Name)
	setIf(&p.Description, req.Description)
	setIf(&p.AdminStateUp, req.AdminStateUp)
	if req.Tags != nil {
		p.Tags = req.Tags
	}
	return nil
}

func createPool(c *call) error {
	var req poolRequest
	if err := c.decodeAs("pool", &req); err != nil {
		return err
	}
	switch req.Protocol {
	case "HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP", "UDP", "SCTP":
	default:
		return badRequest("Invalid input for field/attribute protocol. Value: '%s'.", req.Protocol)
	}
	if req.Algorithm == nil {
		return badRequest("Invalid input for field/attribute lb_algorithm. Value: 'None'. Mandatory field missing.")
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
	p := &pool{base: c.s.newBase(c.st.project.ID, ""), LBID: req.LBID, Protocol: req.Protocol, AdminStateUp: true}
	if err := applyPool(p, &req); err != nil {
		return err
	}
	if err := c.childChange(p.LBID, &p.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	if l != nil {
		l.DefaultPoolID = p.ID
	}
	c.st.pools[p.ID] = p
	view := c.poolView(p)
	delete(view, "healthmonitor_id") // Octavia's create answer has none
	return c.reply(201, map[string]any{"pool": view})
}

func updatePool(c *call) error {
	p, err := c.pool(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req poolRequest
	if err := c.decodeAs("pool", &req); err != nil {
		return err
	}
	if err := c.updateChild(p.LBID, &p.lbState, &p.base, func() error { return applyPool(p, &req) }); err != nil {
		return err
	}
	return c.reply(200, map[string]any{"pool": c.poolView(p)})
}
