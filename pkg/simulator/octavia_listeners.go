package simulator

import (
	"net/http"
	"net/netip"
)

type listener struct {
	base
	lbState
	LBID          string
	Protocol      string
	Port          int
	DefaultPoolID string
	AllowedCIDRs  []string
	ConnLimit     int
	AdminStateUp  bool
}

func (s *Simulator) routeListeners(prefix string) {
	s.handle("POST "+prefix+"/listeners", false, createListener)
	s.handle("GET "+prefix+"/listeners", false, func(c *call) error {
		lbID := c.r.URL.Query().Get("loadbalancer_id")
		var views []view
		for _, l := range sorted(c.st.listeners) {
			if lbID == "" || l.LBID == lbID {
				views = append(views, c.listenerView(l))
			}
		}
		return c.listReply("listeners", views, 0, "loadbalancer_id")
	})
	s.handle("GET "+prefix+"/listeners/{id}", false, func(c *call) error {
		l, err := c.listener(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.reply(200, map[string]any{"listener": c.listenerView(l)})
	})
	s.handle("PUT "+prefix+"/listeners/{id}", false, updateListener)
	s.handle("DELETE "+prefix+"/listeners/{id}", false, func(c *call) error {
		l, err := c.listener(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := c.childChange(l.LBID, &l.lbState, "PENDING_DELETE"); err != nil {
			return err
		}
		st := c.st
		c.s.later(l.busyUntil, func() { delete(st.listeners, l.ID) })
		return c.reply(204, nil)
	})
}

func (st *store) listenersOf(lbID string) []*listener {
	var out []*listener
	for _, l := range sorted(st.listeners) {
		if l.LBID == lbID {
			out = append(out, l)
		}
	}
	return out
}

// childChange checks the parent load balancer is mutable, then puts it and
// the child into their pending states for the child latency.
func (c *call) childChange(lbID string, child *lbState, pending string) error {
	lb, err := c.lb(lbID)
	if err != nil {
		return err
	}
	if err := c.mutable(lb); err != nil {
		return err
	}
	until := c.now.Add(c.s.lat.LoadBalancerChild)
	lb.set("PENDING_UPDATE", until)
	child.set(pending, until)
	return nil
}

// updateChild applies an update to a child (whose state and base are given)
// of load balancer lbID: 409 while the load balancer is immutable, otherwise
// both go PENDING_UPDATE for the child latency.
func (c *call) updateChild(lbID string, child *lbState, b *base, apply func() error) error {
	lb, err := c.lb(lbID)
	if err != nil {
		return err
	}
	if err := c.mutable(lb); err != nil {
		return err
	}
	if err := apply(); err != nil {
		return err
	}
	b.Updated = c.now
	return c.childChange(lbID, child, "PENDING_UPDATE")
}

func (c *call) listenerView(l *listener) view {
	prov := l.status(c.now)
	return view{
		"id": l.ID, "name": l.Name, "description": l.Description, "project_id": l.ProjectID,
		"protocol": l.Protocol, "protocol_port": l.Port, "default_pool_id": nilIfEmpty(l.DefaultPoolID),
		"tenant_id": l.ProjectID, "loadbalancers": []map[string]string{{"id": l.LBID}},
		"client_ca_tls_container_ref": nil, "client_crl_container_ref": nil,
		"connection_limit": l.ConnLimit, "sni_container_refs": []string{}, "default_tls_container_ref": nil,
		"admin_state_up": l.AdminStateUp, "l7policies": []any{}, "provisioning_status": prov,
		"operating_status": l.operating(c.now, l.AdminStateUp), "timeout_client_data": 50000, "timeout_member_data": 50000,
		"timeout_member_connect": 5000, "timeout_tcp_inspect": 0, "insert_headers": map[string]string{},
		"allowed_cidrs": l.AllowedCIDRs, "tls_ciphers": nil, "tls_versions": nil, "alpn_protocols": nil,
		"client_authentication": "NONE", "tags": tagsOrEmpty(l.Tags), "created_at": isoNoZ(l.Created),
		"updated_at": isoNoZ(l.Updated),
	}
}

func (c *call) listener(id string) (*listener, error) {
	l := c.st.listeners[id]
	if l == nil {
		return nil, errf(http.StatusNotFound, "", "Listener %s not found.", id)
	}
	return l, nil
}

type listenerRequest struct {
	LBID          string    `json:"loadbalancer_id"`
	Protocol      string    `json:"protocol"`
	Port          int       `json:"protocol_port"`
	Name          *string   `json:"name"`
	Description   *string   `json:"description"`
	DefaultPoolID *string   `json:"default_pool_id"`
	AllowedCIDRs  *[]string `json:"allowed_cidrs"`
	ConnLimit     *int      `json:"connection_limit"`
	AdminStateUp  *bool     `json:"admin_state_up"`
	Tags          []string  `json:"tags"`
}

// applyListener validates the request, then sets what it names on l.
func (c *call) applyListener(l *listener, req *listenerRequest) error {
	if req.AllowedCIDRs != nil {
		for _, cidr := range *req.AllowedCIDRs {
			if _, err := netip.ParsePrefix(cidr); err != nil {
				return badRequest("Invalid input for field/attribute allowed_cidrs. Value: '%s'.", cidr)
			}
		}
	}
	if req.DefaultPoolID != nil && *req.DefaultPoolID != "" {
		if p := c.st.pools[*req.DefaultPoolID]; p == nil || p.LBID != l.LBID {
			return errf(http.StatusNotFound, "", "Pool %s not found.", *req.DefaultPoolID)
		}
	}
	setIf(&l.AllowedCIDRs, req.AllowedCIDRs)
	setIf(&l.DefaultPoolID, req.DefaultPoolID)
	setIf(&l.Name, req.Name)
	setIf(&l.Description, req.Description)
	setIf(&l.ConnLimit, req.ConnLimit)
	setIf(&l.AdminStateUp, req.AdminStateUp)
	if req.Tags != nil {
		l.Tags = req.Tags
	}
	return nil
}

func createListener(c *call) error {
	var req listenerRequest
	if err := c.decodeAs("listener", &req); err != nil {
		return err
	}
	switch req.Protocol {
	case "HTTP", "HTTPS", "TCP", "UDP", "SCTP", "TERMINATED_HTTPS", "PROMETHEUS":
	default:
		return badRequest("Invalid input for field/attribute protocol. Value: '%s'.", req.Protocol)
	}
	if req.Port < 1 || req.Port > 65535 {
		return badRequest("Invalid input for field/attribute protocol_port. Value: '%d'.", req.Port)
	}
	if _, err := c.lb(req.LBID); err != nil {
		return badRequest("Validation failure: Load Balancer %s not found.", req.LBID)
	}
	for _, other := range c.st.listenersOf(req.LBID) {
		if other.Port == req.Port && (other.Protocol == "UDP") == (req.Protocol == "UDP") {
			return errf(http.StatusConflict, "", "Another Listener on this Load Balancer is already using protocol_port %d", req.Port)
		}
	}
	if err := octaviaQuota("listener", c.st.project.Quota.Listeners, len(c.st.listeners)); err != nil {
		return err
	}
	l := &listener{base: c.s.newBase(c.st.project.ID, ""), LBID: req.LBID, Protocol: req.Protocol, Port: req.Port, ConnLimit: -1, AdminStateUp: true}
	if err := c.applyListener(l, &req); err != nil {
		return err
	}
	if err := c.childChange(l.LBID, &l.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	c.st.listeners[l.ID] = l
	return c.reply(201, map[string]any{"listener": c.listenerView(l)})
}

func updateListener(c *call) error {
	l, err := c.listener(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req listenerRequest
	if err := c.decodeAs("listener", &req); err != nil {
		return err
	}
	if err := c.updateChild(l.LBID, &l.lbState, &l.base, func() error { return c.applyListener(l, &req) }); err != nil {
		return err
	}
	return c.reply(200, map[string]any{"listener": c.listenerView(l)})
}
