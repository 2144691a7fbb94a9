package simulator

import (
	"encoding/json"
	"net/http"
	"slices"
)

type router struct {
	base
	AdminStateUp bool
	GatewayNetID string
	EnableSNAT   bool
	gwPort       *port
	rev          int
}

func (s *Simulator) routeRouters() {
	s.handle("POST "+neutronPrefix+"/routers", false, createRouter)
	s.handle("GET "+neutronPrefix+"/routers", false, listRouters)
	s.handle("GET "+neutronPrefix+"/routers/{id}", false, getRouter)
	s.handle("PUT "+neutronPrefix+"/routers/{id}", false, updateRouter)
	s.handle("DELETE "+neutronPrefix+"/routers/{id}", false, deleteRouter)
	s.handle("PUT "+neutronPrefix+"/routers/{id}/add_router_interface", false, addRouterInterface)
	s.handle("PUT "+neutronPrefix+"/routers/{id}/remove_router_interface", false, removeRouterInterface)
}

func routerView(r *router) view {
	var gw any
	if r.GatewayNetID != "" {
		ips := []fixedIP{}
		if r.gwPort != nil {
			ips = append(ips, r.gwPort.FixedIPs...)
		}
		gw = map[string]any{"network_id": r.GatewayNetID, "enable_snat": r.EnableSNAT, "external_fixed_ips": ips}
	}
	return view{
		"id": r.ID, "name": r.Name, "description": r.Description, "admin_state_up": r.AdminStateUp,
		"status": "ACTIVE", "tenant_id": r.ProjectID, "project_id": r.ProjectID, "external_gateway_info": gw,
		"routes": []any{}, "flavor_id": nil, "distributed": false, "ha": false, "availability_zone_hints": []string{},
		"availability_zones": []string{"nova"}, "tags": tagsOrEmpty(r.Tags), "created_at": isoZ(r.Created),
		"updated_at": isoZ(r.Updated), "revision_number": r.rev,
	}
}

func (c *call) router(id string) (*router, error) {
	r := c.st.routers[id]
	if r == nil {
		return nil, neutronNotFound("Router", id)
	}
	return r, nil
}

type routerRequest struct {
	Name         *string         `json:"name"`
	Description  *string         `json:"description"`
	AdminStateUp *bool           `json:"admin_state_up"`
	Gateway      json.RawMessage `json:"external_gateway_info"`
	Tags         []string        `json:"tags"`
}

func (c *call) applyRouter(r *router, req *routerRequest) error {
	setIf(&r.Name, req.Name)
	setIf(&r.Description, req.Description)
	setIf(&r.AdminStateUp, req.AdminStateUp)
	if req.Tags != nil {
		r.Tags = req.Tags
	}
	if req.Gateway == nil {
		return nil
	}
	var gw struct {
		NetworkID  string    `json:"network_id"`
		EnableSNAT *bool     `json:"enable_snat"`
		FixedIPs   []fixedIP `json:"external_fixed_ips"`
	}
	if err := json.Unmarshal(req.Gateway, &gw); err != nil {
		return badRequest("Invalid input for external_gateway_info: %v", err)
	}
	if gw.NetworkID == r.GatewayNetID && gw.FixedIPs == nil && r.gwPort != nil {
		setIf(&r.EnableSNAT, gw.EnableSNAT)
		return nil
	}
	if r.gwPort != nil {
		c.s.removePort(c.st, r.gwPort)
		r.gwPort, r.GatewayNetID = nil, ""
	}
	if gw.NetworkID == "" {
		return nil
	}
	n, err := c.network(gw.NetworkID)
	if err != nil {
		return err
	}
	if !n.External {
		return badRequest("Bad router request: Network %s is not an external network.", n.ID)
	}
	p, err := c.s.newPort(c.st, "", n, gw.FixedIPs)
	if err != nil {
		return err
	}
	p.DeviceOwner, p.DeviceID = "network:router_gateway", r.ID
	r.gwPort, r.GatewayNetID, r.EnableSNAT = p, n.ID, true
	setIf(&r.EnableSNAT, gw.EnableSNAT)
	return nil
}

func createRouter(c *call) error {
	var req routerRequest
	if err := c.decodeAs("router", &req); err != nil {
		return err
	}
	if err := neutronQuota("router", c.st.project.Quota.Routers, len(c.st.routers)); err != nil {
		return err
	}
	r := &router{base: c.s.newBase(c.st.project.ID, ""), AdminStateUp: true}
	if err := c.applyRouter(r, &req); err != nil {
		return err
	}
	c.st.routers[r.ID] = r
	return c.reply(201, map[string]any{"router": routerView(r)})
}

func listRouters(c *call) error {
	var views []view
	for _, r := range sorted(c.st.routers) {
		views = append(views, routerView(r))
	}
	return c.listReply("routers", views, 0)
}

func getRouter(c *call) error {
	r, err := c.router(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"router": routerView(r)})
}

func updateRouter(c *call) error {
	r, err := c.router(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req routerRequest
	if err := c.decodeAs("router", &req); err != nil {
		return err
	}
	if err := c.applyRouter(r, &req); err != nil {
		return err
	}
	r.rev++
	r.Updated = c.now
	return c.reply(200, map[string]any{"router": routerView(r)})
}

func (st *store) routerInterfaces(routerID string) []*port {
	var out []*port
	for _, p := range sorted(st.ports) {
		if p.DeviceID == routerID && p.DeviceOwner == "network:router_interface" {
			out = append(out, p)
		}
	}
	return out
}

func deleteRouter(c *call) error {
	r, err := c.router(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if len(c.st.routerInterfaces(r.ID)) > 0 {
		return errf(http.StatusConflict, "RouterInUse", "Router %s still has ports", r.ID)
	}
	if r.gwPort != nil {
		c.s.removePort(c.st, r.gwPort)
	}
	delete(c.st.routers, r.ID)
	return c.reply(204, nil)
}

type interfaceRequest struct {
	SubnetID string `json:"subnet_id"`
	PortID   string `json:"port_id"`
}

func interfaceInfo(r *router, p *port) map[string]any {
	subnetIDs := []string{}
	for _, ip := range p.FixedIPs {
		subnetIDs = append(subnetIDs, ip.SubnetID)
	}
	subnetID := ""
	if len(subnetIDs) > 0 {
		subnetID = subnetIDs[0]
	}
	return map[string]any{
		"id": r.ID, "tenant_id": r.ProjectID, "port_id": p.ID,
		"network_id": p.NetworkID, "subnet_id": subnetID, "subnet_ids": subnetIDs,
	}
}

func addRouterInterface(c *call) error {
	r, err := c.router(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req interfaceRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	var p *port
	switch {
	case req.PortID != "":
		if p, err = c.port(req.PortID); err != nil {
			return err
		}
		if p.DeviceID != "" {
			return errf(http.StatusConflict, "PortInUse", "Port %s has owner %s and therefore cannot be attached to router %s.", p.ID, p.DeviceID, r.ID)
		}
	case req.SubnetID != "":
		sn, err := c.subnet(req.SubnetID)
		if err != nil {
			return err
		}
		if sn.GatewayIP == "" {
			return badRequest("Bad router request: Subnet for router interface must have a gateway IP.")
		}
		for _, existing := range c.st.routerInterfaces(r.ID) {
			if slices.ContainsFunc(existing.FixedIPs, func(ip fixedIP) bool { return ip.SubnetID == sn.ID }) {
				return badRequest("Bad router request: Router already has a port on subnet %s.", sn.ID)
			}
		}
		n, _ := find(c.s, func(st *store) map[string]*network { return st.networks }, sn.NetworkID)
		if p, err = c.s.newPort(c.st, c.st.project.ID, n, []fixedIP{{SubnetID: sn.ID, IP: sn.GatewayIP}}); err != nil {
			return err
		}
		p.SecurityGroups = nil
	default:
		return badRequest("Bad router request: Either subnet_id or port_id must be specified.")
	}
	p.DeviceID, p.DeviceOwner = r.ID, "network:router_interface"
	return c.reply(200, interfaceInfo(r, p))
}

func removeRouterInterface(c *call) error {
	r, err := c.router(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req interfaceRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	for _, p := range c.st.routerInterfaces(r.ID) {
		onSubnet := slices.ContainsFunc(p.FixedIPs, func(ip fixedIP) bool { return ip.SubnetID == req.SubnetID })
		if p.ID == req.PortID || (req.PortID == "" && onSubnet) {
			info := interfaceInfo(r, p)
			c.s.removePort(c.st, p)
			return c.reply(200, info)
		}
	}
	return errf(http.StatusNotFound, "RouterInterfaceNotFound", "Router %s does not have an interface with id %s%s", r.ID, req.PortID, req.SubnetID)
}
