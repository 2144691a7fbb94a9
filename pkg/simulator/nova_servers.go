package simulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
)

type volumeAttachment struct {
	VolumeID            string
	DeleteOnTermination bool
}

type server struct {
	base
	UserID, FlavorID, ImageID string
	AZ, Host, KeyName         string
	UserData                  string
	ConfigDrive               bool
	Metadata                  map[string]string
	Group                     string
	Ports                     []string
	owned                     map[string]bool // ports Nova created, deleted with the server
	Volumes                   []volumeAttachment
	failCode                  int
	failMsg                   string
	deleting                  bool
	softDeleted               bool
}

func (srv *server) fail(code int, msg string) {
	if srv.failMsg == "" {
		srv.failCode, srv.failMsg = code, msg
	}
}

func (s *Simulator) routeServers() {
	s.handle("POST "+novaPrefix+"/servers", false, createServer)
	s.handle("GET "+novaPrefix+"/servers", false, func(c *call) error { return listServers(c, false) })
	s.handle("GET "+novaPrefix+"/servers/detail", false, func(c *call) error { return listServers(c, true) })
	s.handle("GET "+novaPrefix+"/servers/{id}", false, getServer)
	s.handle("DELETE "+novaPrefix+"/servers/{id}", false, deleteServer)
	s.handle("POST "+novaPrefix+"/servers/{id}/action", false, serverAction)
}

// serverState is the status Nova would report now.
func (s *Simulator) serverState(srv *server, now time.Time) (status, vmState string, power int) {
	switch {
	case srv.softDeleted:
		return "SOFT_DELETED", "soft-delete", 4
	case now.Before(srv.Created.Add(s.lat.ServerBuild)):
		return "BUILD", "building", 0
	case srv.failMsg != "":
		return "ERROR", "error", 0
	}
	return "ACTIVE", "active", 1
}

func (c *call) server(id string) (*server, error) {
	srv := c.st.servers[id]
	if srv == nil {
		return nil, errf(http.StatusNotFound, "", "Instance %s could not be found.", id)
	}
	return srv, nil
}

type serverRequest struct {
	Name           string            `json:"name"`
	ImageRef       string            `json:"imageRef"`
	FlavorRef      string            `json:"flavorRef"`
	AZ             string            `json:"availability_zone"`
	UserData       *string           `json:"user_data"`
	Metadata       map[string]string `json:"metadata"`
	Tags           []string          `json:"tags"`
	KeyName        string            `json:"key_name"`
	ConfigDrive    bool              `json:"config_drive"`
	Networks       json.RawMessage   `json:"networks"`
	SecurityGroups []struct {
		Name string `json:"name"`
	} `json:"security_groups"`
	BDM []blockDevice `json:"block_device_mapping_v2"`
}

type serverNIC struct {
	UUID    string `json:"uuid"`
	Port    string `json:"port"`
	FixedIP string `json:"fixed_ip"`
}

func createServer(c *call) error {
	var req struct {
		Server serverRequest `json:"server"`
		Hints  struct {
			Group string `json:"group"`
		} `json:"os:scheduler_hints"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	r := &req.Server
	srv, err := c.validateServer(r, req.Hints.Group)
	if err != nil {
		return err
	}
	nets, err := c.serverNetworks(r.Networks)
	if err != nil {
		return err
	}
	sgIDs, err := c.secGroupIDsByName(r.SecurityGroups)
	if err != nil {
		return err
	}
	c.st.servers[srv.ID] = srv
	for _, nr := range nets {
		if err := c.plugServer(srv, nr, sgIDs); err != nil {
			srv.fail(500, fmt.Sprintf("Build of instance %s aborted: %s", srv.ID, errMessage(err)))
		}
	}
	c.attachBlockDevices(srv, r.BDM)
	if g := c.st.serverGroups[srv.Group]; g != nil {
		g.Members = append(g.Members, srv.ID)
	}
	if c.fault != nil {
		srv.fail(c.fault.faultCode(), c.fault.message())
	}
	return c.reply(202, map[string]any{"server": map[string]any{
		"id": srv.ID, "links": c.serverLinks(srv), "OS-DCF:diskConfig": "MANUAL",
		"security_groups": []map[string]string{{"name": "default"}}, "adminPass": newHexID()[:12],
	}})
}

// validateServer performs Nova's synchronous API checks and builds the server.
func (c *call) validateServer(r *serverRequest, group string) (*server, error) {
	if r.Name == "" {
		return nil, badRequest("Invalid input for field/attribute name. Value: None.")
	}
	f := c.s.flavorByID(r.FlavorRef)
	if f == nil {
		return nil, badRequest("Flavor %s could not be found.", r.FlavorRef)
	}
	bootVolume := slices.ContainsFunc(r.BDM, blockDevice.isBootVolume)
	if (r.ImageRef != "" || !bootVolume) && c.s.visibleImage(c.st.project.ID, r.ImageRef) == nil {
		return nil, badRequest("Can not find requested image")
	}
	az := r.AZ
	if az == "" {
		az = c.s.zones[0]
	}
	if c.s.hostOf(az) == "" {
		return nil, badRequest("The requested availability zone is not available")
	}
	if r.KeyName != "" && c.st.keypairs[r.KeyName] == nil {
		return nil, badRequest("Invalid key_name provided.")
	}
	if r.UserData != nil {
		if _, err := base64.StdEncoding.DecodeString(*r.UserData); err != nil {
			return nil, badRequest("User data needs to be valid base 64.")
		}
	}
	if r.Tags != nil && c.mv < 52 {
		return nil, badRequest("Invalid input for field/attribute server. Value: %v. Additional properties are not allowed ('tags' was unexpected)", r.Name)
	}
	if group != "" && c.st.serverGroups[group] == nil {
		return nil, badRequest("Invalid input for field/attribute group. Value: %s.", group)
	}
	if err := c.s.novaQuota(c.st, f); err != nil {
		return nil, err
	}
	if err := c.validateBlockDevices(r.BDM); err != nil {
		return nil, err
	}
	srv := &server{
		base: c.s.newBase(c.st.project.ID, r.Name), UserID: c.tok.user.ID, FlavorID: f.ID, ImageID: r.ImageRef,
		AZ: az, Host: c.s.hostOf(az), KeyName: r.KeyName, ConfigDrive: r.ConfigDrive, Metadata: r.Metadata,
		Group: group, owned: map[string]bool{},
	}
	srv.Tags = r.Tags
	if srv.Metadata == nil {
		srv.Metadata = map[string]string{}
	}
	if r.UserData != nil {
		srv.UserData = *r.UserData
	}
	return srv, nil
}

// serverNetworks resolves the networks field: a list, "auto", "none" or
// absent (the project's only network).
func (c *call) serverNetworks(raw json.RawMessage) ([]serverNIC, error) {
	var mode string
	if json.Unmarshal(raw, &mode) == nil || raw == nil {
		if mode == "none" {
			return nil, nil
		}
		own := sorted(c.st.networks)
		switch len(own) {
		case 0:
			return nil, nil
		case 1:
			return []serverNIC{{UUID: own[0].ID}}, nil
		}
		return nil, errf(http.StatusConflict, "", "Multiple possible networks found, use a Network ID to be more specific.")
	}
	var nets []serverNIC
	if err := json.Unmarshal(raw, &nets); err != nil {
		return nil, badRequest("Invalid input for field/attribute networks.")
	}
	newPorts := 0
	for _, nr := range nets {
		switch {
		case nr.Port != "":
			p := c.st.ports[nr.Port]
			if p == nil || p.ProjectID != c.st.project.ID {
				return nil, badRequest("Port %s could not be found.", nr.Port)
			}
			if p.DeviceID != "" {
				return nil, errf(http.StatusConflict, "", "Port %s is still in use.", nr.Port)
			}
		case nr.UUID != "":
			if _, err := c.network(nr.UUID); err != nil {
				return nil, badRequest("Network %s could not be found.", nr.UUID)
			}
			newPorts++
		default:
			return nil, badRequest("Invalid input for field/attribute networks.")
		}
	}
	if exceeds(c.st.project.Quota.Ports, c.st.countPorts(), newPorts) {
		return nil, errf(http.StatusForbidden, "", "Maximum number of ports exceeded")
	}
	return nets, nil
}

func (c *call) secGroupIDsByName(groups []struct {
	Name string `json:"name"`
}) ([]string, error) {
	var ids []string
	for _, g := range groups {
		found := ""
		for _, sg := range c.st.secGroups {
			if sg.Name == g.Name || sg.ID == g.Name {
				found = sg.ID
			}
		}
		if found == "" {
			return nil, badRequest("Security group %s not found for project %s.", g.Name, c.st.project.ID)
		}
		ids = append(ids, found)
	}
	return ids, nil
}

// plugServer creates or binds the port for one networks entry.
func (c *call) plugServer(srv *server, nr serverNIC, sgIDs []string) error {
	p := c.st.ports[nr.Port]
	if p == nil {
		n, err := c.network(nr.UUID)
		if err != nil {
			return err
		}
		var ips []fixedIP
		if nr.FixedIP != "" {
			ips = []fixedIP{{IP: nr.FixedIP}}
		}
		if p, err = c.s.newPort(c.st, c.st.project.ID, n, ips); err != nil {
			return err
		}
		if sgIDs != nil {
			p.SecurityGroups = sgIDs
		}
		srv.owned[p.ID] = true
	}
	c.bindPort(srv, p)
	return nil
}

func (c *call) bindPort(srv *server, p *port) {
	p.DeviceID, p.DeviceOwner, p.HostID = srv.ID, "compute:"+srv.AZ, srv.Host
	srv.Ports = append(srv.Ports, p.ID)
}

func errMessage(err error) string {
	if e, ok := err.(*apiError); ok {
		return e.msg
	}
	return err.Error()
}

func listServers(c *call, detail bool) error {
	q := c.r.URL.Query()
	var nameRE *regexp.Regexp
	if name := q.Get("name"); name != "" {
		re, err := regexp.Compile(name)
		if err != nil {
			return badRequest("Invalid regular expression in name filter: %s", name)
		}
		nameRE = re
	}
	all := sorted(c.st.servers)
	slices.Reverse(all) // newest first, as Nova sorts by created_at desc
	var matched []*server
	var ids []string
	for _, srv := range all {
		status, _, _ := c.s.serverState(srv, c.now)
		switch {
		case nameRE != nil && !nameRE.MatchString(srv.Name),
			q.Has("status") && !matchField(status, q["status"]),
			q.Has("flavor") && srv.FlavorID != q.Get("flavor"),
			q.Has("image") && srv.ImageID != q.Get("image"),
			q.Has("availability_zone") && srv.AZ != q.Get("availability_zone"),
			!matchTags(srv.Tags, q):
			continue
		}
		matched = append(matched, srv)
		ids = append(ids, srv.ID)
	}
	start, end, next, err := pageBounds(ids, q, 1000)
	if err != nil {
		return err
	}
	views := []view{}
	for _, srv := range matched[start:end] {
		if detail {
			views = append(views, c.serverView(srv))
		} else {
			views = append(views, view{"id": srv.ID, "name": srv.Name, "links": c.serverLinks(srv)})
		}
	}
	body := map[string]any{"servers": views}
	if next != "" {
		body["servers_links"] = c.nextLinks(next)
	}
	return c.reply(200, body)
}

func getServer(c *call) error {
	srv, err := c.server(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(200, map[string]any{"server": c.serverView(srv)})
}

func deleteServer(c *call) error {
	srv, err := c.server(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	switch {
	case srv.deleting || srv.softDeleted:
	case c.s.opts.ReclaimInstanceInterval > 0:
		srv.softDeleted = true
		st := c.st
		c.s.later(c.now.Add(c.s.opts.ReclaimInstanceInterval), func() {
			if st.servers[srv.ID] == srv && !srv.deleting {
				c.s.finishServerDelete(st, srv)
			}
		})
	default:
		c.s.startServerDelete(c, srv)
	}
	return c.reply(204, nil)
}

func (s *Simulator) startServerDelete(c *call, srv *server) {
	srv.deleting = true
	st := c.st
	s.later(c.now.Add(s.lat.ServerDelete), func() { s.finishServerDelete(st, srv) })
}

// serverAction knows forceDelete, which deletes a server in any state, soft-deleted included.
func serverAction(c *call) error {
	srv, err := c.server(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := c.decode(&body); err != nil {
		return err
	}
	if _, ok := body["forceDelete"]; !ok || len(body) != 1 {
		return badRequest("only the forceDelete action is simulated")
	}
	if !srv.deleting {
		c.s.startServerDelete(c, srv)
	}
	return c.reply(202, nil)
}

// finishServerDelete frees what the server held: ports Nova created are
// deleted, others unbound; volumes detached (or deleted when asked).
func (s *Simulator) finishServerDelete(st *store, srv *server) {
	for _, id := range slices.Clone(srv.Ports) {
		p := st.ports[id]
		switch {
		case p == nil:
		case srv.owned[id]:
			s.removePort(st, p)
		default:
			p.DeviceID, p.DeviceOwner, p.HostID = "", "", ""
		}
	}
	for _, a := range srv.Volumes {
		if v := st.volumes[a.VolumeID]; v != nil {
			v.Attachments = slices.DeleteFunc(v.Attachments, func(at attachment) bool { return at.ServerID == srv.ID })
			if a.DeleteOnTermination {
				delete(st.volumes, v.ID)
			}
		}
	}
	if g := st.serverGroups[srv.Group]; g != nil {
		g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return id == srv.ID })
	}
	delete(st.servers, srv.ID)
}
