package simulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

type fixedIP struct {
	SubnetID string `json:"subnet_id,omitempty"`
	IP       string `json:"ip_address,omitempty"`
}

type addressPair struct {
	IP  string `json:"ip_address"`
	MAC string `json:"mac_address,omitempty"`
}

type port struct {
	base
	NetworkID      string
	MAC            string
	FixedIPs       []fixedIP
	DeviceID       string
	DeviceOwner    string
	SecurityGroups []string
	AddressPairs   []addressPair
	AdminStateUp   bool
	PortSecurity   bool
	VNICType       string
	Profile        map[string]any
	HostID         string
	Extra          map[string]json.RawMessage // value_specs, echoed back
	rev            int
}

var knownPortKeys = []string{
	"name", "description", "network_id", "admin_state_up", "mac_address", "fixed_ips", "device_id",
	"device_owner", "security_groups", "allowed_address_pairs", "port_security_enabled", "binding:vnic_type",
	"binding:profile", "binding:host_id", "tags", "project_id", "tenant_id", "propagate_uplink_status",
}

func (s *Simulator) routePorts() {
	s.handle("POST "+neutronPrefix+"/ports", false, createPort)
	s.handle("GET "+neutronPrefix+"/ports", false, listPorts)
	s.handle("GET "+neutronPrefix+"/ports/{id}", false, getPort)
	s.handle("PUT "+neutronPrefix+"/ports/{id}", false, updatePort)
	s.handle("DELETE "+neutronPrefix+"/ports/{id}", false, deletePort)
}

func (s *Simulator) portView(p *port) view {
	status, vif := "DOWN", "unbound"
	if p.DeviceID != "" {
		status, vif = "ACTIVE", "ovs"
	}
	profile := p.Profile
	if profile == nil {
		profile = map[string]any{}
	}
	v := view{
		"id": p.ID, "name": p.Name, "description": p.Description, "network_id": p.NetworkID,
		"tenant_id": p.ProjectID, "project_id": p.ProjectID, "mac_address": p.MAC, "admin_state_up": p.AdminStateUp,
		"status": status, "fixed_ips": append([]fixedIP{}, p.FixedIPs...), "device_id": p.DeviceID,
		"device_owner": p.DeviceOwner, "security_groups": append([]string{}, p.SecurityGroups...),
		"allowed_address_pairs": append([]addressPair{}, p.AddressPairs...), "port_security_enabled": p.PortSecurity,
		"binding:vnic_type": p.VNICType, "binding:profile": profile, "binding:host_id": p.HostID,
		"binding:vif_type": vif, "binding:vif_details": map[string]any{}, "propagate_uplink_status": false,
		"extra_dhcp_opts": []any{},
		"tags":            tagsOrEmpty(p.Tags), "created_at": isoZ(p.Created), "updated_at": isoZ(p.Updated),
		"revision_number": p.rev,
	}
	if t := s.trunkOfParent(p.ID); t != nil {
		v["trunk_details"] = map[string]any{"trunk_id": t.ID, "sub_ports": t.subportViews()}
	}
	for k, raw := range p.Extra {
		var val any
		_ = json.Unmarshal(raw, &val)
		v[k] = val
	}
	return v
}

// port returns a port owned by the caller's project.
func (c *call) port(id string) (*port, error) {
	p := c.st.ports[id]
	if p == nil || p.ProjectID != c.st.project.ID {
		return nil, neutronNotFound("Port", id)
	}
	return p, nil
}

// newPort creates a port on n in st. ips nil means one address from the
// network's first subnet of each IP version.
func (s *Simulator) newPort(st *store, projectID string, n *network, ips []fixedIP) (*port, error) {
	p := &port{
		base: s.newBase(projectID, ""), NetworkID: n.ID, MAC: s.newMAC(), AdminStateUp: true,
		PortSecurity: n.PortSecurity, VNICType: "normal",
	}
	if err := s.assignIPs(p, n, ips); err != nil {
		return nil, err
	}
	if n.PortSecurity && projectID != "" {
		if sg := st.defaultSecGroup(); sg != nil {
			p.SecurityGroups = []string{sg.ID}
		}
	}
	st.ports[p.ID] = p
	return p, nil
}

// assignIPs gives p addresses on n (nil ips: automatic). On failure p has
// none.
func (s *Simulator) assignIPs(p *port, n *network, ips []fixedIP) error {
	if ips == nil {
		seen := map[int]bool{}
		for _, sn := range collect(s, func(st *store) map[string]*subnet { return st.subnets }, func(sn *subnet) bool {
			return sn.NetworkID == n.ID
		}) {
			if !seen[sn.IPVersion] {
				seen[sn.IPVersion] = true
				ips = append(ips, fixedIP{SubnetID: sn.ID})
			}
		}
	}
	for _, want := range ips {
		sn := s.subnetFor(n.ID, want.IP)
		if want.SubnetID != "" {
			sn, _ = find(s, func(st *store) map[string]*subnet { return st.subnets }, want.SubnetID)
		}
		if sn == nil || sn.NetworkID != n.ID {
			s.releaseIPs(p)
			return badRequest("Invalid input for operation: Failed to create port on network %s, because fixed_ips included invalid subnet %s.", n.ID, want.SubnetID)
		}
		ip, err := allocateIP(sn, want.IP, p.ID)
		if err != nil {
			s.releaseIPs(p)
			return err
		}
		p.FixedIPs = append(p.FixedIPs, fixedIP{SubnetID: sn.ID, IP: ip})
	}
	return nil
}

func (s *Simulator) releaseIPs(p *port) {
	for _, ip := range p.FixedIPs {
		if sn, _ := find(s, func(st *store) map[string]*subnet { return st.subnets }, ip.SubnetID); sn != nil {
			delete(sn.used, ip.IP)
		}
	}
	p.FixedIPs = nil
}

// removePort deletes p: its addresses are freed, floating IPs disassociated
// and servers forget it.
func (s *Simulator) removePort(st *store, p *port) {
	s.releaseIPs(p)
	for _, ps := range s.projects {
		for _, f := range ps.floatingIPs {
			if f.PortID == p.ID {
				f.PortID, f.FixedIP, f.RouterID = "", "", ""
			}
		}
		for _, srv := range ps.servers {
			srv.Ports = slices.DeleteFunc(srv.Ports, func(id string) bool { return id == p.ID })
		}
	}
	delete(st.ports, p.ID)
}

type portRequest struct {
	Name           *string         `json:"name"`
	Description    *string         `json:"description"`
	NetworkID      string          `json:"network_id"`
	AdminStateUp   *bool           `json:"admin_state_up"`
	MAC            string          `json:"mac_address"`
	FixedIPs       *[]fixedIP      `json:"fixed_ips"`
	DeviceID       *string         `json:"device_id"`
	DeviceOwner    *string         `json:"device_owner"`
	SecurityGroups *[]string       `json:"security_groups"`
	AddressPairs   *[]addressPair  `json:"allowed_address_pairs"`
	PortSecurity   *bool           `json:"port_security_enabled"`
	VNICType       *string         `json:"binding:vnic_type"`
	Profile        *map[string]any `json:"binding:profile"`
	HostID         *string         `json:"binding:host_id"`
	Tags           []string        `json:"tags"`
}

// apply sets everything but the fixed IPs.
func (c *call) applyPort(p *port, req *portRequest) error {
	setIf(&p.Name, req.Name)
	setIf(&p.Description, req.Description)
	setIf(&p.AdminStateUp, req.AdminStateUp)
	setIf(&p.DeviceID, req.DeviceID)
	setIf(&p.DeviceOwner, req.DeviceOwner)
	setIf(&p.PortSecurity, req.PortSecurity)
	setIf(&p.VNICType, req.VNICType)
	setIf(&p.Profile, req.Profile)
	setIf(&p.HostID, req.HostID)
	setIf(&p.AddressPairs, req.AddressPairs)
	if req.Tags != nil {
		p.Tags = req.Tags
	}
	if req.SecurityGroups != nil {
		for _, id := range *req.SecurityGroups {
			if _, err := c.secGroup(id); err != nil {
				return err
			}
		}
		p.SecurityGroups = *req.SecurityGroups
	} else if req.PortSecurity != nil && !*req.PortSecurity {
		p.SecurityGroups = nil
	}
	if !p.PortSecurity && len(p.SecurityGroups) > 0 {
		return errf(http.StatusConflict, "PortSecurityAndIPRequiredForSecurityGroups",
			"Port security must be enabled and port must have an IP address in order to use security groups.")
	}
	return c.portExtras(p)
}

// portExtras keeps request keys Neutron does not define (value_specs).
func (c *call) portExtras(p *port) error {
	var all map[string]json.RawMessage
	if err := c.decodeAs("port", &all); err != nil {
		return err
	}
	for k, v := range all {
		if !slices.Contains(knownPortKeys, k) {
			if p.Extra == nil {
				p.Extra = map[string]json.RawMessage{}
			}
			p.Extra[k] = v
		}
	}
	return nil
}

func createPort(c *call) error {
	var req portRequest
	if err := c.decodeAs("port", &req); err != nil {
		return err
	}
	n, err := c.network(req.NetworkID)
	if err != nil {
		return err
	}
	if err := neutronQuota("port", c.st.project.Quota.Ports, c.st.countPorts()); err != nil {
		return err
	}
	var ips []fixedIP
	if req.FixedIPs != nil {
		ips = append([]fixedIP{}, *req.FixedIPs...)
	}
	p, err := c.s.newPort(c.st, c.st.project.ID, n, ips)
	if err != nil {
		return err
	}
	if req.MAC != "" {
		p.MAC = req.MAC
	}
	if err := c.applyPort(p, &req); err != nil {
		c.s.removePort(c.st, p)
		return err
	}
	return c.reply(201, map[string]any{"port": c.s.portView(p)})
}

func (st *store) countPorts() int {
	n := 0
	for _, p := range st.ports {
		if p.ProjectID == st.project.ID {
			n++
		}
	}
	return n
}

func listPorts(c *call) error {
	q := c.r.URL.Query()
	var views []view
	for _, p := range sorted(c.st.ports) {
		if p.ProjectID == c.st.project.ID && matchFixedIPs(p, q["fixed_ips"]) {
			views = append(views, c.s.portView(p))
		}
	}
	return c.listReply("ports", views, 0, "fixed_ips")
}

// matchFixedIPs applies filters like fixed_ips=ip_address=10.0.0.5 and
// fixed_ips=subnet_id=<id>.
func matchFixedIPs(p *port, filters []string) bool {
	for _, f := range filters {
		key, val, _ := strings.Cut(f, "=")
		if !slices.ContainsFunc(p.FixedIPs, func(ip fixedIP) bool {
			return (key == "ip_address" && ip.IP == val) || (key == "subnet_id" && ip.SubnetID == val) ||
				(key == "ip_address_substr" && strings.Contains(ip.IP, val))
		}) {
			return false
		}
	}
	return true
}

func getPort(c *call) error {
	p, err := c.port(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"port": c.s.portView(p)})
}

func updatePort(c *call) error {
	p, err := c.port(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req portRequest
	if err := c.decodeAs("port", &req); err != nil {
		return err
	}
	updated := *p
	if err := c.applyPort(&updated, &req); err != nil {
		return err
	}
	if req.FixedIPs != nil {
		old := append([]fixedIP{}, p.FixedIPs...)
		n, _ := find(c.s, func(st *store) map[string]*network { return st.networks }, p.NetworkID)
		c.s.releaseIPs(p)
		if err := c.s.assignIPs(p, n, append([]fixedIP{}, *req.FixedIPs...)); err != nil {
			_ = c.s.assignIPs(p, n, old)
			return err
		}
		updated.FixedIPs = p.FixedIPs
	}
	*p = updated
	p.rev++
	p.Updated = c.now
	return c.reply(200, map[string]any{"port": c.s.portView(p)})
}

func deletePort(c *call) error {
	p, err := c.port(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if p.DeviceOwner == "network:router_interface" {
		return errf(http.StatusConflict, "L3PortInUse",
			"Port %s cannot be deleted directly via the port API: has device owner network:router_interface.", p.ID)
	}
	if t := c.s.trunkOfParent(p.ID); t != nil {
		return errf(http.StatusConflict, "PortInUse", "Port %s is currently a parent port for trunk %s.", p.ID, t.ID)
	}
	c.s.removePort(c.st, p)
	return c.reply(204, nil)
}
