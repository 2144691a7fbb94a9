package simulator

import (
	"net/http"
	"net/netip"
)

const neutronPrefix = "/networking/v2.0"

type network struct {
	base
	AdminStateUp bool
	Shared       bool
	External     bool
	PortSecurity bool
	MTU          int
	rev          int
}

type subnet struct {
	base
	NetworkID  string
	CIDR       string
	IPVersion  int
	GatewayIP  string
	Pools      []ipRange
	DNS        []string
	EnableDHCP bool
	used       map[string]string // IP -> port ID
	rev        int
}

func (sn *subnet) prefix() netip.Prefix {
	p, _ := netip.ParsePrefix(sn.CIDR)
	return p
}

func (s *Simulator) routeNeutron() {
	s.handle("GET /networking/{$}", true, func(c *call) error {
		return c.reply(200, map[string]any{"versions": []any{map[string]any{
			"id": "v2.0", "status": "CURRENT",
			"links": []map[string]string{{"rel": "self", "href": c.baseURL() + neutronPrefix + "/"}},
		}}})
	})
	s.handle("GET "+neutronPrefix+"/extensions", false, listExtensions)
	s.handle("GET "+neutronPrefix+"/quotas/{project}", false, getNeutronQuota)

	s.handle("POST "+neutronPrefix+"/networks", false, createNetwork)
	s.handle("GET "+neutronPrefix+"/networks", false, listNetworks)
	s.handle("GET "+neutronPrefix+"/networks/{id}", false, getNetwork)
	s.handle("PUT "+neutronPrefix+"/networks/{id}", false, updateNetwork)
	s.handle("DELETE "+neutronPrefix+"/networks/{id}", false, deleteNetwork)

	s.handle("POST "+neutronPrefix+"/subnets", false, createSubnet)
	s.handle("GET "+neutronPrefix+"/subnets", false, listSubnets)
	s.handle("GET "+neutronPrefix+"/subnets/{id}", false, getSubnet)
	s.handle("PUT "+neutronPrefix+"/subnets/{id}", false, updateSubnet)
	s.handle("DELETE "+neutronPrefix+"/subnets/{id}", false, deleteSubnet)

	s.routePorts()
	s.routeRouters()
	s.routeFloatingIPs()
	s.routeSecurityGroups()
	s.routeTrunks()
	s.routeNeutronTags()
}

var neutronExtensions = [][2]string{
	{"agent", "agent"}, {"allowed-address-pairs", "Allowed Address Pairs"}, {"binding", "Port Binding"},
	{"external-net", "Neutron external network"}, {"ext-gw-mode", "Neutron L3 Configurable external gateway mode"},
	{"port-security", "Port Security"}, {"quotas", "Quota management support"}, {"router", "Neutron L3 Router"},
	{"security-group", "security-group"}, {"standard-attr-description", "standard-attr-description"},
	{"standard-attr-tag", "Tag support for resources with standard attribute: port, subnet, network, router, floatingip, security_group, trunk"},
	{"standard-attr-timestamp", "Resource timestamps"}, {"trunk", "Trunk Extension"}, {"trunk-details", "Trunk port details"},
}

func listExtensions(c *call) error {
	out := make([]any, 0, len(neutronExtensions))
	for _, e := range neutronExtensions {
		out = append(out, map[string]any{"alias": e[0], "name": e[1], "description": e[1], "updated": "2023-01-01T00:00:00-00:00", "links": []any{}})
	}
	return c.reply(200, map[string]any{"extensions": out})
}

func getNeutronQuota(c *call) error {
	st := c.s.projectByName(c.r.PathValue("project"))
	if st == nil {
		return errf(http.StatusNotFound, "NotFound", "Project %s not found.", c.r.PathValue("project"))
	}
	q := st.project.Quota
	return c.reply(200, map[string]any{"quota": map[string]int{
		"network": q.Networks, "subnet": q.Subnets, "port": q.Ports, "router": q.Routers,
		"floatingip": q.FloatingIPs, "security_group": q.SecurityGroups, "security_group_rule": q.SecurityGroupRules,
	}})
}

func neutronNotFound(kind, id string) *apiError {
	return errf(http.StatusNotFound, kind+"NotFound", "%s %s could not be found.", kind, id)
}

// --- networks ---

func (s *Simulator) networkView(n *network) view {
	subnets := []string{}
	for _, sn := range collect(s, func(st *store) map[string]*subnet { return st.subnets }, func(sn *subnet) bool {
		return sn.NetworkID == n.ID
	}) {
		subnets = append(subnets, sn.ID)
	}
	return view{
		"id": n.ID, "name": n.Name, "description": n.Description, "admin_state_up": n.AdminStateUp,
		"status": "ACTIVE", "subnets": subnets, "shared": n.Shared, "router:external": n.External,
		"tenant_id": n.ProjectID, "project_id": n.ProjectID, "mtu": n.MTU, "port_security_enabled": n.PortSecurity,
		"availability_zone_hints": []string{}, "availability_zones": []string{"nova"},
		"ipv4_address_scope": nil, "ipv6_address_scope": nil, "is_default": false, "tags": tagsOrEmpty(n.Tags),
		"created_at": isoZ(n.Created), "updated_at": isoZ(n.Updated), "revision_number": n.rev,
	}
}

// network returns a network the caller may see: its own, shared or external.
func (c *call) network(id string) (*network, error) {
	n, _ := find(c.s, func(st *store) map[string]*network { return st.networks }, id)
	if n == nil || (n.ProjectID != c.st.project.ID && !n.Shared && !n.External) {
		return nil, neutronNotFound("Network", id)
	}
	return n, nil
}

type networkRequest struct {
	Name         *string  `json:"name"`
	Description  *string  `json:"description"`
	AdminStateUp *bool    `json:"admin_state_up"`
	Shared       *bool    `json:"shared"`
	External     *bool    `json:"router:external"`
	PortSecurity *bool    `json:"port_security_enabled"`
	MTU          *int     `json:"mtu"`
	Tags         []string `json:"tags"`
}

func (r *networkRequest) apply(n *network) {
	setIf(&n.Name, r.Name)
	setIf(&n.Description, r.Description)
	setIf(&n.AdminStateUp, r.AdminStateUp)
	setIf(&n.Shared, r.Shared)
	setIf(&n.External, r.External)
	setIf(&n.PortSecurity, r.PortSecurity)
	setIf(&n.MTU, r.MTU)
	if r.Tags != nil {
		n.Tags = r.Tags
	}
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func createNetwork(c *call) error {
	var req networkRequest
	if err := c.decodeAs("network", &req); err != nil {
		return err
	}
	if err := neutronQuota("network", c.st.project.Quota.Networks, len(c.st.networks)); err != nil {
		return err
	}
	n := &network{base: c.s.newBase(c.st.project.ID, ""), AdminStateUp: true, PortSecurity: true, MTU: 1442}
	req.apply(n)
	c.st.networks[n.ID] = n
	return c.reply(201, map[string]any{"network": c.s.networkView(n)})
}

func listNetworks(c *call) error {
	var views []view
	for _, n := range collect(c.s, func(st *store) map[string]*network { return st.networks }, func(n *network) bool {
		return n.ProjectID == c.st.project.ID || n.Shared || n.External
	}) {
		views = append(views, c.s.networkView(n))
	}
	return c.listReply("networks", views, 0)
}

func getNetwork(c *call) error {
	n, err := c.network(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"network": c.s.networkView(n)})
}

func updateNetwork(c *call) error {
	n, err := c.network(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req networkRequest
	if err := c.decodeAs("network", &req); err != nil {
		return err
	}
	req.apply(n)
	n.rev++
	n.Updated = c.now
	return c.reply(200, map[string]any{"network": c.s.networkView(n)})
}

func deleteNetwork(c *call) error {
	n, st := find(c.s, func(st *store) map[string]*network { return st.networks }, c.r.PathValue("id"))
	if n == nil || n.ProjectID != c.st.project.ID {
		return neutronNotFound("Network", c.r.PathValue("id"))
	}
	for _, ps := range c.s.projects {
		for _, p := range ps.ports {
			if p.NetworkID == n.ID {
				return errf(http.StatusConflict, "NetworkInUse",
					"Unable to complete operation on network %s. There are one or more ports still in use on the network.", n.ID)
			}
		}
	}
	for id, sn := range st.subnets {
		if sn.NetworkID == n.ID {
			delete(st.subnets, id)
		}
	}
	delete(st.networks, n.ID)
	return c.reply(204, nil)
}
