package simulator

import (
	"encoding/json"
	"net/http"
	"net/netip"
)

func (s *Simulator) subnetView(sn *subnet) view {
	var gw any
	if sn.GatewayIP != "" {
		gw = sn.GatewayIP
	}
	return view{
		"id": sn.ID, "name": sn.Name, "description": sn.Description, "network_id": sn.NetworkID,
		"tenant_id": sn.ProjectID, "project_id": sn.ProjectID, "ip_version": sn.IPVersion, "cidr": sn.CIDR,
		"gateway_ip": gw, "allocation_pools": sn.Pools, "dns_nameservers": append([]string{}, sn.DNS...),
		"host_routes": []any{}, "enable_dhcp": sn.EnableDHCP, "ipv6_address_mode": nil, "ipv6_ra_mode": nil,
		"subnetpool_id": nil, "service_types": []string{}, "tags": tagsOrEmpty(sn.Tags),
		"created_at": isoZ(sn.Created), "updated_at": isoZ(sn.Updated), "revision_number": sn.rev,
	}
}

// subnet returns a subnet the caller may see: its own or one on a network it
// may see.
func (c *call) subnet(id string) (*subnet, error) {
	sn, _ := find(c.s, func(st *store) map[string]*subnet { return st.subnets }, id)
	if sn == nil {
		return nil, neutronNotFound("Subnet", id)
	}
	if sn.ProjectID != c.st.project.ID {
		if _, err := c.network(sn.NetworkID); err != nil {
			return nil, neutronNotFound("Subnet", id)
		}
	}
	return sn, nil
}

type subnetRequest struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	NetworkID   string          `json:"network_id"`
	CIDR        string          `json:"cidr"`
	GatewayIP   json.RawMessage `json:"gateway_ip"`
	Pools       *[]ipRange      `json:"allocation_pools"`
	DNS         *[]string       `json:"dns_nameservers"`
	EnableDHCP  *bool           `json:"enable_dhcp"`
	Tags        []string        `json:"tags"`
}

// apply sets what the request names on sn, then checks the resulting
// gateway, pools and nameservers; absent pools on create are derived from
// the gateway.
func (r *subnetRequest) apply(sn *subnet, create bool) error {
	setIf(&sn.Name, r.Name)
	setIf(&sn.Description, r.Description)
	setIf(&sn.EnableDHCP, r.EnableDHCP)
	setIf(&sn.DNS, r.DNS)
	setIf(&sn.Pools, r.Pools)
	if r.Tags != nil {
		sn.Tags = r.Tags
	}
	switch gw := string(r.GatewayIP); {
	case gw == "null":
		sn.GatewayIP = ""
	case gw == "" && create:
		sn.GatewayIP = sn.prefix().Addr().Next().String()
	case gw != "":
		if err := json.Unmarshal(r.GatewayIP, &sn.GatewayIP); err != nil {
			return badRequest("Invalid input for gateway_ip. Reason: %s is not a valid IP address.", gw)
		}
	}
	if create && r.Pools == nil {
		sn.Pools = defaultPools(sn.prefix(), sn.GatewayIP)
	}
	if err := checkNameservers(sn.ID, sn.DNS); err != nil {
		return err
	}
	return checkLayout(sn.prefix(), sn.GatewayIP, sn.Pools)
}

func createSubnet(c *call) error {
	var req subnetRequest
	if err := c.decodeAs("subnet", &req); err != nil {
		return err
	}
	n, err := c.network(req.NetworkID)
	if err != nil {
		return err
	}
	if n.ProjectID != c.st.project.ID {
		return errf(http.StatusForbidden, "Forbidden", "Tenant %s not allowed to create subnet on this network", c.st.project.ID)
	}
	prefix, perr := netip.ParsePrefix(req.CIDR)
	if perr != nil {
		return badRequest("Invalid input for cidr. Reason: '%s' is not a valid IP subnet.", req.CIDR)
	}
	prefix = prefix.Masked()
	if err := neutronQuota("subnet", c.st.project.Quota.Subnets, len(c.st.subnets)); err != nil {
		return err
	}
	sn := &subnet{
		base: c.s.newBase(c.st.project.ID, ""), NetworkID: n.ID, CIDR: prefix.String(),
		IPVersion: 4, EnableDHCP: true, used: map[string]string{},
	}
	if prefix.Addr().Is6() {
		sn.IPVersion = 6
	}
	if err := req.apply(sn, true); err != nil {
		return err
	}
	c.st.subnets[sn.ID] = sn
	return c.reply(201, map[string]any{"subnet": c.s.subnetView(sn)})
}

func listSubnets(c *call) error {
	var views []view
	for _, sn := range collect(c.s, func(st *store) map[string]*subnet { return st.subnets }, func(sn *subnet) bool {
		if sn.ProjectID == c.st.project.ID {
			return true
		}
		_, err := c.network(sn.NetworkID)
		return err == nil
	}) {
		views = append(views, c.s.subnetView(sn))
	}
	return c.listReply("subnets", views, 0)
}

func getSubnet(c *call) error {
	sn, err := c.subnet(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"subnet": c.s.subnetView(sn)})
}

// updateSubnet changes name, description, gateway, pools, nameservers or
// DHCP. Like Neutron it refuses to move a gateway a router interface holds.
func updateSubnet(c *call) error {
	sn, err := c.subnet(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if sn.ProjectID != c.st.project.ID {
		return neutronNotFound("Subnet", sn.ID)
	}
	var req subnetRequest
	if err := c.decodeAs("subnet", &req); err != nil {
		return err
	}
	updated := *sn
	if err := req.apply(&updated, false); err != nil {
		return err
	}
	if updated.GatewayIP != sn.GatewayIP {
		if p := c.st.ports[sn.used[sn.GatewayIP]]; p != nil && p.DeviceOwner == "network:router_interface" {
			return errf(http.StatusConflict, "GatewayIpInUse",
				"Current gateway ip %s already in use by port %s. Unable to update.", sn.GatewayIP, p.ID)
		}
	}
	*sn = updated
	sn.rev++
	sn.Updated = c.now
	return c.reply(200, map[string]any{"subnet": c.s.subnetView(sn)})
}

func deleteSubnet(c *call) error {
	sn, err := c.subnet(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if sn.ProjectID != c.st.project.ID {
		return neutronNotFound("Subnet", sn.ID)
	}
	if len(sn.used) > 0 {
		return errf(http.StatusConflict, "SubnetInUse",
			"Unable to complete operation on subnet %s: One or more ports have an IP allocation from this subnet.", sn.ID)
	}
	delete(c.st.subnets, sn.ID)
	return c.reply(204, nil)
}
