package simulator

import (
	"encoding/json"
	"net/http"
)

type secGroup struct {
	base
	isDefault bool
	rev       int
}

type secRule struct {
	base
	GroupID        string
	Direction      string
	EtherType      string
	Protocol       string
	PortMin        *int
	PortMax        *int
	RemoteIPPrefix string
	RemoteGroupID  string
}

func (s *Simulator) routeSecurityGroups() {
	s.handle("POST "+neutronPrefix+"/security-groups", false, createSecGroup)
	s.handle("GET "+neutronPrefix+"/security-groups", false, listSecGroups)
	s.handle("GET "+neutronPrefix+"/security-groups/{id}", false, getSecGroup)
	s.handle("PUT "+neutronPrefix+"/security-groups/{id}", false, updateSecGroup)
	s.handle("DELETE "+neutronPrefix+"/security-groups/{id}", false, deleteSecGroup)
	s.handle("POST "+neutronPrefix+"/security-group-rules", false, createSecRules)
	s.handle("GET "+neutronPrefix+"/security-group-rules", false, listSecRules)
	s.handle("GET "+neutronPrefix+"/security-group-rules/{id}", false, getSecRule)
	s.handle("DELETE "+neutronPrefix+"/security-group-rules/{id}", false, deleteSecRule)
}

func (st *store) defaultSecGroup() *secGroup {
	for _, sg := range st.secGroups {
		if sg.isDefault {
			return sg
		}
	}
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func ruleView(r *secRule) view {
	return view{
		"id": r.ID, "security_group_id": r.GroupID, "direction": r.Direction, "ethertype": r.EtherType,
		"protocol": nilIfEmpty(r.Protocol), "port_range_min": r.PortMin, "port_range_max": r.PortMax,
		"remote_ip_prefix": nilIfEmpty(r.RemoteIPPrefix), "remote_group_id": nilIfEmpty(r.RemoteGroupID),
		"remote_address_group_id": nil, "normalized_cidr": nilIfEmpty(r.RemoteIPPrefix),
		"description": r.Description, "tenant_id": r.ProjectID,
		"project_id": r.ProjectID, "created_at": isoZ(r.Created), "updated_at": isoZ(r.Updated), "revision_number": 0,
	}
}

func (st *store) secGroupView(sg *secGroup) view {
	rules := []view{}
	for _, r := range sorted(st.secRules) {
		if r.GroupID == sg.ID {
			rules = append(rules, ruleView(r))
		}
	}
	return view{
		"id": sg.ID, "name": sg.Name, "description": sg.Description, "tenant_id": sg.ProjectID,
		"project_id": sg.ProjectID, "security_group_rules": rules, "stateful": true, "shared": false,
		"tags": tagsOrEmpty(sg.Tags), "created_at": isoZ(sg.Created), "updated_at": isoZ(sg.Updated),
		"revision_number": sg.rev,
	}
}

func (c *call) secGroup(id string) (*secGroup, error) {
	sg := c.st.secGroups[id]
	if sg == nil {
		return nil, errf(http.StatusNotFound, "SecurityGroupNotFound", "Security group %s does not exist", id)
	}
	return sg, nil
}

// newSecGroup creates a group with Neutron's default egress rules.
func (s *Simulator) newSecGroup(st *store, name, description string) *secGroup {
	sg := &secGroup{base: s.newBase(st.project.ID, name)}
	sg.Description = description
	st.secGroups[sg.ID] = sg
	for _, ether := range []string{"IPv4", "IPv6"} {
		r := &secRule{base: s.newBase(st.project.ID, ""), GroupID: sg.ID, Direction: "egress", EtherType: ether}
		st.secRules[r.ID] = r
	}
	return sg
}

func createSecGroup(c *call) error {
	var req struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
	}
	if err := c.decodeAs("security_group", &req); err != nil {
		return err
	}
	if err := neutronQuota("security_group", c.st.project.Quota.SecurityGroups, len(c.st.secGroups)); err != nil {
		return err
	}
	sg := c.s.newSecGroup(c.st, req.Name, req.Description)
	sg.Tags = req.Tags
	return c.reply(201, map[string]any{"security_group": c.st.secGroupView(sg)})
}

func listSecGroups(c *call) error {
	var views []view
	for _, sg := range sorted(c.st.secGroups) {
		views = append(views, c.st.secGroupView(sg))
	}
	return c.listReply("security_groups", views, 0)
}

func getSecGroup(c *call) error {
	sg, err := c.secGroup(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"security_group": c.st.secGroupView(sg)})
}

func updateSecGroup(c *call) error {
	sg, err := c.secGroup(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := c.decodeAs("security_group", &req); err != nil {
		return err
	}
	setIf(&sg.Name, req.Name)
	setIf(&sg.Description, req.Description)
	sg.rev++
	sg.Updated = c.now
	return c.reply(200, map[string]any{"security_group": c.st.secGroupView(sg)})
}

func deleteSecGroup(c *call) error {
	sg, err := c.secGroup(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if sg.isDefault {
		return errf(http.StatusConflict, "SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group.")
	}
	for _, p := range c.st.ports {
		for _, id := range p.SecurityGroups {
			if id == sg.ID {
				return errf(http.StatusConflict, "SecurityGroupInUse", "Security Group %s in use.", sg.ID)
			}
		}
	}
	for id, r := range c.st.secRules {
		if r.GroupID == sg.ID || r.RemoteGroupID == sg.ID {
			delete(c.st.secRules, id)
		}
	}
	delete(c.st.secGroups, sg.ID)
	return c.reply(204, nil)
}

type ruleRequest struct {
	SecurityGroupID string `json:"security_group_id"`
	Direction       string `json:"direction"`
	EtherType       string `json:"ethertype"`
	Protocol        string `json:"protocol"`
	PortMin         *int   `json:"port_range_min"`
	PortMax         *int   `json:"port_range_max"`
	RemoteIPPrefix  string `json:"remote_ip_prefix"`
	RemoteGroupID   string `json:"remote_group_id"`
	Description     string `json:"description"`
}

// createSecRules accepts {"security_group_rule": {...}} and the bulk form
// {"security_group_rules": [...]}; a bulk request creates all or nothing.
func createSecRules(c *call) error {
	var env map[string]json.RawMessage
	if err := c.decode(&env); err != nil {
		return err
	}
	var reqs []ruleRequest
	raw, bulk := env["security_group_rules"]
	if bulk {
		if err := json.Unmarshal(raw, &reqs); err != nil {
			return badRequest("Invalid input for security_group_rules: %v", err)
		}
	} else {
		var one ruleRequest
		if err := c.decodeAs("security_group_rule", &one); err != nil {
			return err
		}
		reqs = []ruleRequest{one}
	}
	if exceeds(c.st.project.Quota.SecurityGroupRules, len(c.st.secRules), len(reqs)) {
		return errf(http.StatusConflict, "OverQuota", "Quota exceeded for resources: ['security_group_rule'].")
	}
	var created []*secRule
	for _, req := range reqs {
		r, err := c.newRule(req)
		if err != nil {
			for _, done := range created {
				delete(c.st.secRules, done.ID)
			}
			return err
		}
		created = append(created, r)
		c.st.secRules[r.ID] = r
	}
	if !bulk {
		return c.reply(201, map[string]any{"security_group_rule": ruleView(created[0])})
	}
	views := make([]view, 0, len(created))
	for _, r := range created {
		views = append(views, ruleView(r))
	}
	return c.reply(201, map[string]any{"security_group_rules": views})
}

func (c *call) newRule(req ruleRequest) (*secRule, error) {
	if _, err := c.secGroup(req.SecurityGroupID); err != nil {
		return nil, err
	}
	if req.Direction != "ingress" && req.Direction != "egress" {
		return nil, badRequest("Invalid input for direction. Reason: %s is not in valid_values.", req.Direction)
	}
	if req.EtherType == "" {
		req.EtherType = "IPv4"
	}
	if req.EtherType != "IPv4" && req.EtherType != "IPv6" {
		return nil, badRequest("Invalid input for ethertype. Reason: %s is not in valid_values.", req.EtherType)
	}
	if req.PortMin != nil && req.PortMax != nil && *req.PortMin > *req.PortMax {
		return nil, badRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max")
	}
	if req.RemoteGroupID != "" {
		if _, err := c.secGroup(req.RemoteGroupID); err != nil {
			return nil, err
		}
	}
	r := &secRule{
		base: c.s.newBase(c.st.project.ID, ""), GroupID: req.SecurityGroupID, Direction: req.Direction,
		EtherType: req.EtherType, Protocol: req.Protocol, PortMin: req.PortMin, PortMax: req.PortMax,
		RemoteIPPrefix: req.RemoteIPPrefix, RemoteGroupID: req.RemoteGroupID,
	}
	r.Description = req.Description
	for _, other := range c.st.secRules {
		if sameRule(r, other) {
			return nil, errf(http.StatusConflict, "SecurityGroupRuleExists", "Security group rule already exists. Rule id is %s.", other.ID)
		}
	}
	return r, nil
}

func sameRule(a, b *secRule) bool {
	eq := func(x, y *int) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	return a.GroupID == b.GroupID && a.Direction == b.Direction && a.EtherType == b.EtherType &&
		a.Protocol == b.Protocol && eq(a.PortMin, b.PortMin) && eq(a.PortMax, b.PortMax) &&
		a.RemoteIPPrefix == b.RemoteIPPrefix && a.RemoteGroupID == b.RemoteGroupID
}

func listSecRules(c *call) error {
	var views []view
	for _, r := range sorted(c.st.secRules) {
		views = append(views, ruleView(r))
	}
	return c.listReply("security_group_rules", views, 0)
}

func getSecRule(c *call) error {
	r := c.st.secRules[c.r.PathValue("id")]
	if r == nil {
		return errf(http.StatusNotFound, "SecurityGroupRuleNotFound", "Security group rule %s does not exist", c.r.PathValue("id"))
	}
	return c.reply(200, map[string]any{"security_group_rule": ruleView(r)})
}

func deleteSecRule(c *call) error {
	r := c.st.secRules[c.r.PathValue("id")]
	if r == nil {
		return errf(http.StatusNotFound, "SecurityGroupRuleNotFound", "Security group rule %s does not exist", c.r.PathValue("id"))
	}
	delete(c.st.secRules, r.ID)
	return c.reply(204, nil)
}
