package simulator

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
)

type floatingIP struct {
	base
	NetworkID string
	Address   string
	PortID    string
	FixedIP   string
	RouterID  string
	ownPort   *port // the address's port on the external network
	rev       int
}

func (s *Simulator) routeFloatingIPs() {
	s.handle("POST "+neutronPrefix+"/floatingips", false, createFloatingIP)
	s.handle("GET "+neutronPrefix+"/floatingips", false, listFloatingIPs)
	s.handle("GET "+neutronPrefix+"/floatingips/{id}", false, getFloatingIP)
	s.handle("PUT "+neutronPrefix+"/floatingips/{id}", false, updateFloatingIP)
	s.handle("DELETE "+neutronPrefix+"/floatingips/{id}", false, deleteFloatingIP)
}

func floatingIPView(f *floatingIP) view {
	status := "DOWN"
	if f.PortID != "" {
		status = "ACTIVE"
	}
	return view{
		"id": f.ID, "description": f.Description, "floating_network_id": f.NetworkID,
		"floating_ip_address": f.Address, "port_id": nilIfEmpty(f.PortID), "fixed_ip_address": nilIfEmpty(f.FixedIP),
		"router_id": nilIfEmpty(f.RouterID), "status": status, "tenant_id": f.ProjectID, "project_id": f.ProjectID,
		"tags": tagsOrEmpty(f.Tags), "created_at": isoZ(f.Created), "updated_at": isoZ(f.Updated),
		"revision_number": f.rev,
	}
}

// floatingIPView is the API's view: with the details of the associated port, as Neutron's
// fip-port-details extension gives them.
func (c *call) floatingIPView(f *floatingIP) view {
	v := floatingIPView(f)
	v["port_details"] = nil
	if p := c.st.ports[f.PortID]; p != nil {
		v["port_details"] = map[string]any{
			"name": p.Name, "network_id": p.NetworkID, "mac_address": p.MAC, "admin_state_up": p.AdminStateUp,
			"status": c.s.portView(p)["status"], "device_id": p.DeviceID, "device_owner": p.DeviceOwner,
		}
	}
	return v
}

func (c *call) floatingIP(id string) (*floatingIP, error) {
	f := c.st.floatingIPs[id]
	if f == nil {
		return nil, neutronNotFound("FloatingIP", id)
	}
	return f, nil
}

type floatingIPRequest struct {
	NetworkID   string          `json:"floating_network_id"`
	Address     string          `json:"floating_ip_address"`
	SubnetID    string          `json:"subnet_id"`
	PortID      json.RawMessage `json:"port_id"`
	FixedIP     string          `json:"fixed_ip_address"`
	Description *string         `json:"description"`
	Tags        []string        `json:"tags"`
}

func createFloatingIP(c *call) error {
	var req floatingIPRequest
	if err := c.decodeAs("floatingip", &req); err != nil {
		return err
	}
	n, err := c.network(req.NetworkID)
	if err != nil {
		return err
	}
	if !n.External {
		return badRequest("Bad floatingip request: Network %s is not a valid external network.", n.ID)
	}
	if err := neutronQuota("floatingip", c.st.project.Quota.FloatingIPs, len(c.st.floatingIPs)); err != nil {
		return err
	}
	var want []fixedIP
	if req.Address != "" || req.SubnetID != "" {
		want = []fixedIP{{SubnetID: req.SubnetID, IP: req.Address}}
	}
	p, err := c.s.newPort(c.st, "", n, want)
	if err != nil {
		return err
	}
	if len(p.FixedIPs) == 0 {
		c.s.removePort(c.st, p)
		return errf(http.StatusConflict, "IpAddressGenerationFailure", "No more IP addresses available on network %s.", n.ID)
	}
	f := &floatingIP{base: c.s.newBase(c.st.project.ID, ""), NetworkID: n.ID, Address: p.FixedIPs[0].IP, ownPort: p}
	p.DeviceOwner, p.DeviceID = "network:floatingip", f.ID
	setIf(&f.Description, req.Description)
	f.Tags = req.Tags
	if err := c.associate(f, req.PortID, req.FixedIP); err != nil {
		c.s.removePort(c.st, p)
		return err
	}
	c.st.floatingIPs[f.ID] = f
	return c.reply(201, map[string]any{"floatingip": c.floatingIPView(f)})
}

// associate points f at the port named by rawPort (a JSON string or null).
func (c *call) associate(f *floatingIP, rawPort json.RawMessage, fixed string) error {
	var portID *string
	if len(rawPort) > 0 {
		if err := json.Unmarshal(rawPort, &portID); err != nil {
			return badRequest("Invalid input for port_id.")
		}
	}
	if portID == nil || *portID == "" {
		f.PortID, f.FixedIP, f.RouterID = "", "", ""
		return nil
	}
	p, err := c.port(*portID)
	if err != nil {
		return err
	}
	ip, err := pickFixedIP(p, fixed)
	if err != nil {
		return err
	}
	for _, other := range c.st.floatingIPs {
		if other.ID != f.ID && other.PortID == p.ID && other.FixedIP == ip.IP {
			return errf(http.StatusConflict, "FloatingIPPortAlreadyAssociated",
				"Cannot associate floating IP %s (%s) with port %s using fixed IP %s, as that fixed IP already has a floating IP on external network %s.",
				f.Address, f.ID, p.ID, ip.IP, f.NetworkID)
		}
	}
	r := c.routerBetween(ip.SubnetID, f.NetworkID)
	if r == nil {
		return errf(http.StatusNotFound, "ExternalGatewayForFloatingIPNotFound",
			"External network %s is not reachable from subnet %s.  Therefore, cannot associate Port %s with a Floating IP.",
			f.NetworkID, ip.SubnetID, p.ID)
	}
	f.PortID, f.FixedIP, f.RouterID = p.ID, ip.IP, r.ID
	return nil
}

func pickFixedIP(p *port, want string) (fixedIP, error) {
	for _, ip := range p.FixedIPs {
		a, _ := netip.ParseAddr(ip.IP)
		if ip.IP == want || (want == "" && a.Is4()) {
			return ip, nil
		}
	}
	return fixedIP{}, badRequest("Bad floatingip request: Port %s does not have fixed ip %s.", p.ID, want)
}

// routerBetween finds the caller's router with an interface on subnetID and
// its gateway on the external network extNet.
func (c *call) routerBetween(subnetID, extNet string) *router {
	for _, r := range sorted(c.st.routers) {
		if r.GatewayNetID != extNet {
			continue
		}
		for _, p := range c.st.routerInterfaces(r.ID) {
			if slices.ContainsFunc(p.FixedIPs, func(ip fixedIP) bool { return ip.SubnetID == subnetID }) {
				return r
			}
		}
	}
	return nil
}

func listFloatingIPs(c *call) error {
	var views []view
	for _, f := range sorted(c.st.floatingIPs) {
		views = append(views, c.floatingIPView(f))
	}
	return c.listReply("floatingips", views, 0)
}

func getFloatingIP(c *call) error {
	f, err := c.floatingIP(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"floatingip": c.floatingIPView(f)})
}

func updateFloatingIP(c *call) error {
	f, err := c.floatingIP(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req floatingIPRequest
	if err := c.decodeAs("floatingip", &req); err != nil {
		return err
	}
	setIf(&f.Description, req.Description)
	if req.PortID != nil {
		if err := c.associate(f, req.PortID, req.FixedIP); err != nil {
			return err
		}
	}
	f.rev++
	f.Updated = c.now
	return c.reply(200, map[string]any{"floatingip": c.floatingIPView(f)})
}

func deleteFloatingIP(c *call) error {
	f, err := c.floatingIP(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	c.s.removePort(c.st, f.ownPort)
	delete(c.st.floatingIPs, f.ID)
	return c.reply(204, nil)
}
