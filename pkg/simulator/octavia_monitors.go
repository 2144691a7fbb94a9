package simulator

import (
	"math"
	"net/http"
)

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
		poolID := c.r.URL.Query().Get("pool_id")
		var views []view
		for _, hm := range sorted(c.st.monitors) {
			if poolID == "" || hm.PoolID == poolID {
				views = append(views, c.monitorView(hm))
			}
		}
		return c.listReply("healthmonitors", views, 0, "pool_id")
	})
	s.handle("GET "+prefix+"/healthmonitors/{id}", false, func(c *call) error {
		hm, err := c.monitor(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.reply(200, map[string]any{"healthmonitor": c.monitorView(hm)})
	})
	s.handle("PUT "+prefix+"/healthmonitors/{id}", false, updateMonitor)
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
		"id": hm.ID, "name": hm.Name, "project_id": hm.ProjectID, "tenant_id": hm.ProjectID, "type": hm.Type, "delay": hm.Delay,
		"timeout": hm.Timeout, "max_retries": hm.MaxRetries, "max_retries_down": hm.RetryDown,
		"http_method": nilIfEmpty(hm.HTTPMethod), "url_path": nilIfEmpty(hm.URLPath),
		"expected_codes": nilIfEmpty(hm.ExpectedCodes), "admin_state_up": hm.AdminStateUp,
		"pools": []map[string]string{{"id": hm.PoolID}}, "provisioning_status": prov,
		"operating_status": hm.operating(c.now, hm.AdminStateUp), "http_version": nil, "domain_name": nil,
		"tags": tagsOrEmpty(hm.Tags), "created_at": isoNoZ(hm.Created), "updated_at": isoNoZ(hm.Updated),
	}
}

type monitorRequest struct {
	PoolID        string   `json:"pool_id"`
	Type          string   `json:"type"`
	Delay         *int     `json:"delay"`
	Timeout       *int     `json:"timeout"`
	MaxRetries    *int     `json:"max_retries"`
	RetryDown     *int     `json:"max_retries_down"`
	HTTPMethod    *string  `json:"http_method"`
	URLPath       *string  `json:"url_path"`
	ExpectedCodes *string  `json:"expected_codes"`
	Name          *string  `json:"name"`
	AdminStateUp  *bool    `json:"admin_state_up"`
	Tags          []string `json:"tags"`
}

// applyMonitor validates the request against hm's type, then sets what it
// names on hm.
func applyMonitor(hm *monitor, req *monitorRequest) error {
	for _, f := range []struct {
		name     string
		val      *int
		min, max int
	}{
		{"delay", req.Delay, 0, math.MaxInt32}, {"timeout", req.Timeout, 0, math.MaxInt32},
		{"max_retries", req.MaxRetries, 1, 10}, {"max_retries_down", req.RetryDown, 1, 10},
	} {
		if f.val != nil && (*f.val < f.min || *f.val > f.max) {
			return badRequest("Invalid input for field/attribute %s. Value: '%d'.", f.name, *f.val)
		}
	}
	if hm.Type != "HTTP" && hm.Type != "HTTPS" {
		for _, f := range []struct {
			name string
			val  *string
		}{{"http_method", req.HTTPMethod}, {"url_path", req.URLPath}, {"expected_codes", req.ExpectedCodes}} {
			if f.val != nil {
				return badRequest("%s is not a valid option for health monitors of type %s", f.name, hm.Type)
			}
		}
	}
	setIf(&hm.Delay, req.Delay)
	setIf(&hm.Timeout, req.Timeout)
	setIf(&hm.MaxRetries, req.MaxRetries)
	setIf(&hm.RetryDown, req.RetryDown)
	setIf(&hm.HTTPMethod, req.HTTPMethod)
	setIf(&hm.URLPath, req.URLPath)
	setIf(&hm.ExpectedCodes, req.ExpectedCodes)
	setIf(&hm.Name, req.Name)
	setIf(&hm.AdminStateUp, req.AdminStateUp)
	if req.Tags != nil {
		hm.Tags = req.Tags
	}
	return nil
}

func createMonitor(c *call) error {
	var req monitorRequest
	if err := c.decodeAs("healthmonitor", &req); err != nil {
		return err
	}
	p, err := c.pool(req.PoolID)
	if err != nil {
		return badRequest("Validation failure: Pool %s not found.", req.PoolID)
	}
	hm := &monitor{base: c.s.newBase(c.st.project.ID, ""), PoolID: p.ID, Type: req.Type, RetryDown: 3, AdminStateUp: true}
	switch req.Type {
	case "HTTP", "HTTPS":
		hm.HTTPMethod, hm.URLPath, hm.ExpectedCodes = "GET", "/", "200"
	case "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP":
	default:
		return badRequest("Invalid input for field/attribute type. Value: '%s'.", req.Type)
	}
	for _, f := range []struct {
		name string
		val  *int
	}{{"delay", req.Delay}, {"timeout", req.Timeout}, {"max_retries", req.MaxRetries}} {
		if f.val == nil {
			return badRequest("Invalid input for field/attribute %s. Value: 'None'. Mandatory field missing.", f.name)
		}
	}
	if err := applyMonitor(hm, &req); err != nil {
		return err
	}
	for _, other := range c.st.monitors {
		if other.PoolID == p.ID {
			return errf(http.StatusConflict, "", "This pool already has a health monitor")
		}
	}
	if err := octaviaQuota("health_monitor", c.st.project.Quota.HealthMonitors, len(c.st.monitors)); err != nil {
		return err
	}
	if err := c.childChange(p.LBID, &hm.lbState, "PENDING_CREATE"); err != nil {
		return err
	}
	c.st.monitors[hm.ID] = hm
	return c.reply(201, map[string]any{"healthmonitor": c.monitorView(hm)})
}

func updateMonitor(c *call) error {
	hm, err := c.monitor(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req monitorRequest
	if err := c.decodeAs("healthmonitor", &req); err != nil {
		return err
	}
	if err := c.updateChild(c.st.pools[hm.PoolID].LBID, &hm.lbState, &hm.base, func() error { return applyMonitor(hm, &req) }); err != nil {
		return err
	}
	return c.reply(200, map[string]any{"healthmonitor": c.monitorView(hm)})
}
