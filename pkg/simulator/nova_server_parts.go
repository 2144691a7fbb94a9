package simulator

import (
	"maps"
	"net/http"
	"slices"
)

// routeServerParts serves a server's metadata, tags and os-interface.
func (s *Simulator) routeServerParts() {
	srvPath := novaPrefix + "/servers/{id}"
	s.handle("GET "+srvPath+"/metadata", false, withServer(func(c *call, srv *server) error {
		return c.reply(200, map[string]any{"metadata": srv.Metadata})
	}))
	s.handle("PUT "+srvPath+"/metadata", false, withServer(func(c *call, srv *server) error {
		return c.setMetadata(srv, true)
	}))
	s.handle("POST "+srvPath+"/metadata", false, withServer(func(c *call, srv *server) error {
		return c.setMetadata(srv, false)
	}))
	s.handle("GET "+srvPath+"/metadata/{key}", false, withServer(func(c *call, srv *server) error {
		key := c.r.PathValue("key")
		val, ok := srv.Metadata[key]
		if !ok {
			return errf(http.StatusNotFound, "", "Metadata item was not found")
		}
		return c.reply(200, map[string]any{"meta": map[string]string{key: val}})
	}))
	s.handle("PUT "+srvPath+"/metadata/{key}", false, withServer(func(c *call, srv *server) error {
		var req struct {
			Meta map[string]string `json:"meta"`
		}
		if err := c.decode(&req); err != nil {
			return err
		}
		val, ok := req.Meta[c.r.PathValue("key")]
		if !ok || len(req.Meta) != 1 {
			return badRequest("Request body and URI mismatch")
		}
		srv.Metadata[c.r.PathValue("key")] = val
		return c.reply(200, map[string]any{"meta": req.Meta})
	}))
	s.handle("DELETE "+srvPath+"/metadata/{key}", false, withServer(func(c *call, srv *server) error {
		if _, ok := srv.Metadata[c.r.PathValue("key")]; !ok {
			return errf(http.StatusNotFound, "", "Metadata item was not found")
		}
		delete(srv.Metadata, c.r.PathValue("key"))
		return c.reply(204, nil)
	}))
	s.routeServerTags(srvPath)
	s.routeInterfaces(srvPath)
}

func withServer(fn func(c *call, srv *server) error) handlerFunc {
	return func(c *call) error {
		srv, err := c.server(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return fn(c, srv)
	}
}

func (c *call) setMetadata(srv *server, replace bool) error {
	var req struct {
		Metadata map[string]string `json:"metadata"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if replace {
		srv.Metadata = map[string]string{}
	}
	maps.Copy(srv.Metadata, req.Metadata)
	return c.reply(200, map[string]any{"metadata": srv.Metadata})
}

// routeServerTags serves /servers/{id}/tags (microversion 2.26 and later).
func (s *Simulator) routeServerTags(srvPath string) {
	tagged := func(fn func(c *call, srv *server) error) handlerFunc {
		return withServer(func(c *call, srv *server) error {
			if c.mv < 26 {
				return errf(http.StatusNotFound, "", "The resource could not be found.")
			}
			return fn(c, srv)
		})
	}
	s.handle("GET "+srvPath+"/tags", false, tagged(func(c *call, srv *server) error {
		return c.reply(200, map[string]any{"tags": tagsOrEmpty(srv.Tags)})
	}))
	s.handle("PUT "+srvPath+"/tags", false, tagged(func(c *call, srv *server) error {
		var req struct {
			Tags []string `json:"tags"`
		}
		if err := c.decode(&req); err != nil {
			return err
		}
		srv.Tags = slices.Compact(slices.Sorted(slices.Values(req.Tags)))
		return c.reply(200, map[string]any{"tags": tagsOrEmpty(srv.Tags)})
	}))
	s.handle("DELETE "+srvPath+"/tags", false, tagged(func(c *call, srv *server) error {
		srv.Tags = nil
		return c.reply(204, nil)
	}))
	s.handle("GET "+srvPath+"/tags/{tag}", false, tagged(func(c *call, srv *server) error {
		if !slices.Contains(srv.Tags, c.r.PathValue("tag")) {
			return errf(http.StatusNotFound, "", "Tag %s could not be found.", c.r.PathValue("tag"))
		}
		return c.reply(204, nil)
	}))
	s.handle("PUT "+srvPath+"/tags/{tag}", false, tagged(func(c *call, srv *server) error {
		tag := c.r.PathValue("tag")
		if slices.Contains(srv.Tags, tag) {
			return c.reply(204, nil)
		}
		srv.Tags = append(srv.Tags, tag)
		return c.reply(201, nil)
	}))
	s.handle("DELETE "+srvPath+"/tags/{tag}", false, tagged(func(c *call, srv *server) error {
		tag := c.r.PathValue("tag")
		if !slices.Contains(srv.Tags, tag) {
			return errf(http.StatusNotFound, "", "Tag %s could not be found.", tag)
		}
		srv.Tags = slices.DeleteFunc(srv.Tags, func(t string) bool { return t == tag })
		return c.reply(204, nil)
	}))
}

func interfaceView(p *port) map[string]any {
	return map[string]any{
		"port_id": p.ID, "net_id": p.NetworkID, "mac_addr": p.MAC, "port_state": "ACTIVE",
		"fixed_ips": append([]fixedIP{}, p.FixedIPs...), "tag": nil,
	}
}

func (s *Simulator) routeInterfaces(srvPath string) {
	s.handle("GET "+srvPath+"/os-interface", false, withServer(func(c *call, srv *server) error {
		out := []any{}
		for _, id := range srv.Ports {
			if p := c.st.ports[id]; p != nil {
				out = append(out, interfaceView(p))
			}
		}
		return c.reply(200, map[string]any{"interfaceAttachments": out})
	}))
	s.handle("GET "+srvPath+"/os-interface/{port}", false, withServer(func(c *call, srv *server) error {
		p := c.st.ports[c.r.PathValue("port")]
		if p == nil || !slices.Contains(srv.Ports, p.ID) {
			return errf(http.StatusNotFound, "", "Instance %s could not be found.", c.r.PathValue("port"))
		}
		return c.reply(200, map[string]any{"interfaceAttachment": interfaceView(p)})
	}))
	s.handle("POST "+srvPath+"/os-interface", false, withServer(attachInterface))
	s.handle("DELETE "+srvPath+"/os-interface/{port}", false, withServer(func(c *call, srv *server) error {
		p := c.st.ports[c.r.PathValue("port")]
		if p == nil || !slices.Contains(srv.Ports, p.ID) {
			return errf(http.StatusNotFound, "", "Port %s is not attached", c.r.PathValue("port"))
		}
		if srv.owned[p.ID] {
			c.s.removePort(c.st, p)
		} else {
			p.DeviceID, p.DeviceOwner, p.HostID = "", "", ""
			srv.Ports = slices.DeleteFunc(srv.Ports, func(id string) bool { return id == p.ID })
		}
		return c.reply(202, nil)
	}))
}

func attachInterface(c *call, srv *server) error {
	if status, vmState, _ := c.s.serverState(srv, c.now); status != "ACTIVE" || srv.deleting {
		return errf(http.StatusConflict, "", "Cannot 'attach_interface' instance %s while it is in vm_state %s", srv.ID, vmState)
	}
	var req struct {
		PortID   string    `json:"port_id"`
		NetID    string    `json:"net_id"`
		FixedIPs []fixedIP `json:"fixed_ips"`
	}
	if err := c.decodeAs("interfaceAttachment", &req); err != nil {
		return err
	}
	nic := serverNIC{UUID: req.NetID, Port: req.PortID}
	if len(req.FixedIPs) > 0 {
		nic.FixedIP = req.FixedIPs[0].IP
	}
	if p := c.st.ports[req.PortID]; req.PortID != "" && (p == nil || p.DeviceID != "") {
		if p == nil {
			return errf(http.StatusNotFound, "", "Port %s could not be found.", req.PortID)
		}
		return errf(http.StatusConflict, "", "Port %s is still in use.", req.PortID)
	}
	if req.PortID == "" && req.NetID == "" {
		return badRequest("Must input network_id when request IP address")
	}
	if err := c.plugServer(srv, nic, nil); err != nil {
		return badRequest("%s", errMessage(err))
	}
	p := c.st.ports[srv.Ports[len(srv.Ports)-1]]
	return c.reply(200, map[string]any{"interfaceAttachment": interfaceView(p)})
}
