package simulator

import "net/http"

type monitor struct {
	base
	lbState
	PoolID, Type                          string
	Delay, Timeout, MaxRetries, RetryDown int
	HTTPMethod, URLPath, ExpectedCodes    string
	AdminStateUp                          bool
}

func (s *Simulator) routeMonitors(prefix string) {
	s.handle("POST "+prefix+"/healthmonitors", false, createMonitor)
	s.handle("GET "+prefix+"/healthmonitors", false, func(c *call) error {
		var views []view
		for _, hm := range sorted(c.st.monitors) {
			views = append(views, c.monitorView(hm))
		}
		return c.listReply("healthmonitors", views, 0)
	})
	s.handle("GET "+prefix+"/healthmonitors/{id}", false, func(c *call) error {
		hm, err := c.monitor(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.reply(200, map[string]any{"healthmonitor": c.monitorView(hm)})
	})
	s.handle("DELETE "+prefix+"/healthmonitors/{id}", false, func(c *call) error {
		hm, err := c.monitor(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := c.childChange(c.st.pools[hm.PoolID].LBID, &hm.lbState, "PENDING_DELETE"); err != nil {
			return err
		}
		st := c.st
		c.s.later(hm.busyUntil, func() { delete(st.monitors, hm.ID) })
		return c.reply(204, nil)
	})
}

func (c *call) monitor(id string) (*monitor, error) {
	hm := c.st.monitors[id]
	if hm == nil {
		return nil, errf(http.StatusNotFound, "", "Health Monitor %s not found.", id)
	}
	return hm, nil
}

func (c *call) monitorView(hm *monitor) view {
	prov := hm.status(c.now)
	return view{
		"id": hm.ID, "name": hm.Name, "project_id": hm.ProjectID, "type": hm.Type, "delay": hm.Delay,
		"timeout": hm.Timeout, "max_retries": hm.MaxRetries, "max_retries_down": hm.RetryDown,
		"http_method": nilIfEmpty(hm.HTTPMethod), "url_path": nilIfEmpty(hm.URLPath),
		"expected_codes": nilIfEmpty(hm.ExpectedCodes), "admin_state_up": hm.AdminStateUp,
		"pools": []map[string]string{{"id": hm.PoolID}}, "provisioning_status": prov,
		"operating_status": operatingStatus(prov), "http_version": nil, "domain_name": nil,
		"tags": tagsOrEmpty(hm.Tags), "created_at": isoNoZ(hm.Created), "updated_at": isoNoZ(hm.Updated),
	}
}

func createMonitor(c *call) error {
	var req struct {
		PoolID        string   `json:"pool_id"`
		Type          string   `json:"type"`
		Delay         int      `json:"delay"`
		Timeout       int      `json:"timeout"`
		MaxRetries    int      `json:"max_retries"`
		RetryDown     *int     `json:"max_retries_down"`
		HTTPMethod    string   `json:"http_method"`
		URLPath       string   `json:"url_path"`
		ExpectedCodes string   `json:"expected_codes"`
		Name          string   `json:"name"`
		Tags          []string `json:"tags"`
	}
	if err := c.decodeAs("healthmonitor", &req); err != nil {
		return err
	}
	p, err := c.pool(req.PoolID)
	if err != nil {
		return badRequest("Validation failure: Pool %s not found.", req.PoolID)
	}
	switch req.Type {
	case "HTTP", "HTTPS":
		if req.HTTPMethod == "" {
			req.HTTPMethod = "GET"
		}
		if req.URLPath == "" {
			req.URLPath = "/"
		}
		if req.ExpectedCodes == "" {
			req.ExpectedCodes = "200"
		}
	case "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP":
	default:
		return badRequest("Invalid input for field/attribute type. Value: '%s'.", req.Type)
	}
	for _, other := range c.st.monitors {
		if other.PoolID == p.ID {
			return errf(http.StatusConflict, "", "This pool already has a health monitor")
		}
	}
	if err := octaviaQuota("health_monitor", c.st.project.Quota.HealthMonitors, len(c.st.monitors)); err != nil {
		return err
	}
	hm := &monitor{base: c.s.newBase(c.st.project.ID, req.Name), PoolID: p.ID, Type: req.Type, Delay: req.Delay,
		Timeout: req.Timeout, MaxRetries: req.MaxRetries, RetryDown: 3, HTTPMethod: req.HTTPMethod,
		URLPath: req.URLPath, ExpectedCodes: req.ExpectedCodes, AdminStateUp: true}
	hm.Tags = req.Tags
	setIf(&hm.RetryDown, req.RetryDown)
	if err := c.childChange(p.LBID, &hm.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	c.st.monitors[hm.ID] = hm
	return c.reply(201, map[string]any{"healthmonitor": c.monitorView(hm)})
}
