package simulator

import (
	"net/http"
	"strings"
	"time"
)

var octaviaPrefixes = []string{"/load-balancer/v2.0/lbaas", "/load-balancer/v2/lbaas"}

type lbProvider struct{ Name, Description string }

type lbFlavor struct{ ID, Name, Description, ProfileID string }

// lbState is the provisioning state machine shared by load balancers and
// their children: pending until busyUntil, then ACTIVE (or ERROR).
type lbState struct {
	pending   string
	busyUntil time.Time
	failed    bool
}

func (st *lbState) status(now time.Time) string {
	switch {
	case now.Before(st.busyUntil):
		return st.pending
	case st.failed:
		return "ERROR"
	}
	return "ACTIVE"
}

func (st *lbState) set(pending string, until time.Time) {
	st.pending, st.busyUntil = pending, until
}

// operating is the operating status: OFFLINE until a create succeeds or when
// administratively down, and ONLINE through later updates and deletion, as
// Octavia keeps it while a provisioning change is pending.
func (st *lbState) operating(now time.Time, adminUp bool) string {
	if !adminUp || st.failed || (st.pending == "PENDING_CREATE" && now.Before(st.busyUntil)) {
		return "OFFLINE"
	}
	return "ONLINE"
}

type loadBalancer struct {
	base
	lbState
	VipSubnetID, VipNetworkID, VipAddress string
	vipPort                               *port
	ownsVIP                               bool
	Provider, FlavorID, AZ                string
	AdminStateUp                          bool
}

func (s *Simulator) routeOctavia() {
	s.handle("GET /load-balancer/{$}", true, func(c *call) error {
		return c.reply(200, map[string]any{"versions": []any{
			map[string]any{"id": "v2.0", "status": "SUPPORTED", "updated": "2016-12-11T00:00:00Z",
				"links": []map[string]string{{"rel": "self", "href": c.baseURL() + "/load-balancer/v2.0"}}},
			map[string]any{"id": "v2.27", "status": "CURRENT", "updated": "2023-05-17T00:00:00Z",
				"links": []map[string]string{{"rel": "self", "href": c.baseURL() + "/load-balancer/v2"}}},
		}})
	})
	for _, p := range octaviaPrefixes {
		s.handle("GET "+p+"/providers", false, listLBProviders)
		s.handle("GET "+p+"/flavors", false, listLBFlavors)
		s.handle("GET "+p+"/flavors/{id}", false, getLBFlavor)
		s.handle("GET "+p+"/quotas/{project}", false, getOctaviaQuota)
		s.handle("GET "+strings.TrimSuffix(p, "/lbaas")+"/quotas/{project}", false, getOctaviaQuota)
		s.handle("POST "+p+"/loadbalancers", false, createLB)
		s.handle("GET "+p+"/loadbalancers", false, listLBs)
		s.handle("GET "+p+"/loadbalancers/{id}", false, getLB)
		s.handle("PUT "+p+"/loadbalancers/{id}", false, updateLB)
		s.handle("DELETE "+p+"/loadbalancers/{id}", false, deleteLB)
		s.routeListeners(p)
		s.routePools(p)
		s.routeMonitors(p)
	}
}

func listLBProviders(c *call) error {
	out := []any{}
	for _, p := range c.s.lbProviders {
		out = append(out, map[string]string{"name": p.Name, "description": p.Description})
	}
	return c.reply(200, map[string]any{"providers": out})
}

func lbFlavorView(f *lbFlavor) view {
	return view{"id": f.ID, "name": f.Name, "description": f.Description, "enabled": true, "flavor_profile_id": f.ProfileID}
}

func listLBFlavors(c *call) error {
	var views []view
	for _, f := range c.s.lbFlavors {
		views = append(views, lbFlavorView(f))
	}
	return c.listReply("flavors", views, 0)
}

func (s *Simulator) lbFlavor(id string) *lbFlavor {
	for _, f := range s.lbFlavors {
		if f.ID == id {
			return f
		}
	}
	return nil
}

func getLBFlavor(c *call) error {
	f := c.s.lbFlavor(c.r.PathValue("id"))
	if f == nil {
		return errf(http.StatusNotFound, "", "Flavor %s not found.", c.r.PathValue("id"))
	}
	return c.reply(200, map[string]any{"flavor": lbFlavorView(f)})
}

func getOctaviaQuota(c *call) error {
	st := c.s.projectByName(c.r.PathValue("project"))
	if st == nil {
		return errf(http.StatusNotFound, "", "Project %s not found.", c.r.PathValue("project"))
	}
	q := st.project.Quota
	return c.reply(200, map[string]any{"quota": map[string]int{
		"load_balancer": q.LoadBalancers, "listener": q.Listeners, "pool": q.Pools, "member": q.Members,
		"health_monitor": q.HealthMonitors, "l7policy": -1, "l7rule": -1,
	}})
}

func isoNoZ(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

func idRefs[T resource](items []T) []map[string]string {
	out := []map[string]string{}
	for _, it := range items {
		out = append(out, map[string]string{"id": it.meta().ID})
	}
	return out
}

func (c *call) lbView(lb *loadBalancer) view {
	prov := lb.status(c.now)
	return view{
		"id": lb.ID, "name": lb.Name, "description": lb.Description, "project_id": lb.ProjectID, "tenant_id": lb.ProjectID,
		"provisioning_status": prov, "operating_status": lb.operating(c.now, lb.AdminStateUp), "admin_state_up": lb.AdminStateUp,
		"vip_address": lb.VipAddress, "vip_port_id": lb.vipPort.ID, "vip_subnet_id": lb.VipSubnetID,
		"vip_network_id": lb.VipNetworkID, "vip_qos_policy_id": nil, "provider": lb.Provider,
		"flavor_id": nilIfEmpty(lb.FlavorID), "availability_zone": nilIfEmpty(lb.AZ),
		"listeners": idRefs(c.st.listenersOf(lb.ID)), "pools": idRefs(c.st.poolsOf(lb.ID)),
		"tags": tagsOrEmpty(lb.Tags), "created_at": isoNoZ(lb.Created), "updated_at": isoNoZ(lb.Updated),
		"additional_vips": []any{},
	}
}

func (c *call) lb(id string) (*loadBalancer, error) {
	lb := c.st.lbs[id]
	if lb == nil {
		return nil, errf(http.StatusNotFound, "", "Load Balancer %s not found.", id)
	}
	return lb, nil
}

// mutable fails with Octavia's 409 while lb is in a PENDING_* state.
func (c *call) mutable(lb *loadBalancer) error {
	if c.now.Before(lb.busyUntil) || lb.pending == "PENDING_DELETE" {
		return errf(http.StatusConflict, "", "Load Balancer %s is immutable and cannot be updated.", lb.ID)
	}
	return nil
}

func createLB(c *call) error {
	var req struct {
		Name         string   `json:"name"`
		Description  string   `json:"description"`
		VipSubnetID  string   `json:"vip_subnet_id"`
		VipNetworkID string   `json:"vip_network_id"`
		VipPortID    string   `json:"vip_port_id"`
		VipAddress   string   `json:"vip_address"`
		Provider     string   `json:"provider"`
		FlavorID     string   `json:"flavor_id"`
		AZ           string   `json:"availability_zone"`
		AdminStateUp *bool    `json:"admin_state_up"`
		Tags         []string `json:"tags"`
	}
	if err := c.decodeAs("loadbalancer", &req); err != nil {
		return err
	}
	if req.Provider == "" {
		req.Provider = "amphora"
	}
	known := false
	for _, p := range c.s.lbProviders {
		known = known || p.Name == req.Provider
	}
	if !known {
		return badRequest("Provider '%s' is not enabled.", req.Provider)
	}
	if req.FlavorID != "" && c.s.lbFlavor(req.FlavorID) == nil {
		return badRequest("Validation failure: Invalid flavor_id.")
	}
	if err := octaviaQuota("load_balancer", c.st.project.Quota.LoadBalancers, len(c.st.lbs)); err != nil {
		return err
	}
	lb := &loadBalancer{base: c.s.newBase(c.st.project.ID, req.Name), Provider: req.Provider, FlavorID: req.FlavorID, AZ: req.AZ, AdminStateUp: true}
	lb.Description, lb.Tags = req.Description, req.Tags
	setIf(&lb.AdminStateUp, req.AdminStateUp)
	if err := c.allocateVIP(lb, req.VipPortID, req.VipNetworkID, req.VipSubnetID, req.VipAddress); err != nil {
		return err
	}
	lb.set("PENDING_CREATE", c.now.Add(c.s.lat.LoadBalancerCreate))
	lb.failed = c.fault != nil
	c.st.lbs[lb.ID] = lb
	return c.reply(201, map[string]any{"loadbalancer": c.lbView(lb)})
}

// allocateVIP uses the given port or creates one on the subnet (or network).
func (c *call) allocateVIP(lb *loadBalancer, portID, networkID, subnetID, address string) error {
	if portID != "" {
		p, err := c.port(portID)
		if err != nil {
			return badRequest("Validation failure: Invalid port: %s", portID)
		}
		lb.vipPort = p
	} else {
		if subnetID != "" {
			sn, err := c.subnet(subnetID)
			if err != nil {
				return badRequest("Validation failure: Subnet %s not found.", subnetID)
			}
			networkID = sn.NetworkID
		}
		if networkID == "" {
			return badRequest("Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.")
		}
		n, err := c.network(networkID)
		if err != nil {
			return badRequest("Validation failure: Network %s not found.", networkID)
		}
		var ips []fixedIP
		if subnetID != "" || address != "" {
			ips = []fixedIP{{SubnetID: subnetID, IP: address}}
		}
		p, err := c.s.newPort(c.st, c.st.project.ID, n, ips)
		if err != nil {
			return err
		}
		p.Name, p.DeviceOwner, p.DeviceID = "octavia-lb-"+lb.ID, "Octavia", "lb-"+lb.ID
		lb.vipPort, lb.ownsVIP = p, true
	}
	if len(lb.vipPort.FixedIPs) == 0 {
		return badRequest("Validation failure: The VIP port has no fixed IP.")
	}
	lb.VipNetworkID, lb.VipSubnetID, lb.VipAddress = lb.vipPort.NetworkID, lb.vipPort.FixedIPs[0].SubnetID, lb.vipPort.FixedIPs[0].IP
	return nil
}

func listLBs(c *call) error {
	var views []view
	for _, lb := range sorted(c.st.lbs) {
		views = append(views, c.lbView(lb))
	}
	return c.listReply("loadbalancers", views, 0)
}

func getLB(c *call) error {
	lb, err := c.lb(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"loadbalancer": c.lbView(lb)})
}

func updateLB(c *call) error {
	lb, err := c.lb(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := c.mutable(lb); err != nil {
		return err
	}
	var req struct {
		Name         *string  `json:"name"`
		Description  *string  `json:"description"`
		AdminStateUp *bool    `json:"admin_state_up"`
		Tags         []string `json:"tags"`
	}
	if err := c.decodeAs("loadbalancer", &req); err != nil {
		return err
	}
	setIf(&lb.Name, req.Name)
	setIf(&lb.Description, req.Description)
	setIf(&lb.AdminStateUp, req.AdminStateUp)
	if req.Tags != nil {
		lb.Tags = req.Tags
	}
	lb.Updated = c.now
	lb.set("PENDING_UPDATE", c.now.Add(c.s.lat.LoadBalancerUpdate))
	return c.reply(200, map[string]any{"loadbalancer": c.lbView(lb)})
}

// deleteLB refuses a load balancer with children unless cascade=true, in
// which case everything goes PENDING_DELETE and disappears together.
func deleteLB(c *call) error {
	lb, err := c.lb(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := c.mutable(lb); err != nil {
		return err
	}
	listeners, pools := c.st.listenersOf(lb.ID), c.st.poolsOf(lb.ID)
	if (len(listeners) > 0 || len(pools) > 0) && c.r.URL.Query().Get("cascade") != "true" {
		return badRequest("Cannot delete Load Balancer %s - it has children", lb.ID)
	}
	until := c.now.Add(c.s.lat.LoadBalancerDelete)
	lb.set("PENDING_DELETE", until)
	for _, l := range listeners {
		l.set("PENDING_DELETE", until)
	}
	for _, p := range pools {
		c.st.markPoolDeleted(p, until)
	}
	st := c.st
	c.s.later(until, func() {
		for _, l := range listeners {
			delete(st.listeners, l.ID)
		}
		for _, p := range pools {
			st.removePool(p)
		}
		if lb.ownsVIP {
			c.s.removePort(st, lb.vipPort)
		}
		delete(st.lbs, lb.ID)
	})
	return c.reply(204, nil)
}
