package simulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
)

func (c *call) serverLinks(srv *server) []map[string]string {
	return []map[string]string{
		{"rel": "self", "href": c.baseURL() + novaPrefix + "/servers/" + srv.ID},
		{"rel": "bookmark", "href": c.baseURL() + "/compute/servers/" + srv.ID},
	}
}

// serverView renders a server as GET /servers/{id} does at c.mv.
func (c *call) serverView(srv *server) view {
	status, vmState, power := c.s.serverState(srv, c.now)
	built := status != "BUILD"
	var task any
	switch {
	case srv.deleting:
		task = "deleting"
	case !built:
		task = "spawning"
	}
	var image any = ""
	if srv.ImageID != "" {
		image = map[string]any{"id": srv.ImageID, "links": []map[string]string{{"rel": "bookmark", "href": c.baseURL() + "/compute/images/" + srv.ImageID}}}
	}
	var launched, keyName any
	if built && status == "ACTIVE" {
		launched = isoMicro(srv.Created.Add(c.s.lat.ServerBuild))
	}
	if srv.KeyName != "" {
		keyName = srv.KeyName
	}
	configDrive := ""
	if srv.ConfigDrive {
		configDrive = "True"
	}
	hash := sha256.Sum256([]byte(srv.ProjectID + srv.Host))
	volumes := []map[string]any{}
	for _, a := range srv.Volumes {
		volumes = append(volumes, map[string]any{"id": a.VolumeID, "delete_on_termination": a.DeleteOnTermination})
	}
	v := view{
		"id": srv.ID, "name": srv.Name, "status": status, "tenant_id": srv.ProjectID, "user_id": srv.UserID,
		"metadata": srv.Metadata, "hostId": hex.EncodeToString(hash[:28]), "image": image,
		"flavor": c.serverFlavor(srv), "created": isoZ(srv.Created), "updated": isoZ(srv.Updated),
		"addresses": c.serverAddresses(srv), "accessIPv4": "", "accessIPv6": "", "links": c.serverLinks(srv),
		"OS-DCF:diskConfig": "MANUAL", "progress": 0, "OS-EXT-AZ:availability_zone": srv.AZ,
		"config_drive": configDrive, "key_name": keyName, "OS-SRV-USG:launched_at": launched,
		"OS-SRV-USG:terminated_at": nil, "security_groups": c.serverSecGroups(srv),
		"OS-EXT-SRV-ATTR:host": srv.Host, "OS-EXT-SRV-ATTR:hypervisor_hostname": srv.Host,
		"OS-EXT-SRV-ATTR:instance_name": "instance-" + srv.ID[:8], "OS-EXT-STS:task_state": task,
		"OS-EXT-STS:vm_state": vmState, "OS-EXT-STS:power_state": power,
		"os-extended-volumes:volumes_attached": volumes, "locked": false,
	}
	if status == "ERROR" {
		v["fault"] = map[string]any{"code": srv.failCode, "message": srv.failMsg, "created": isoZ(srv.Created.Add(c.s.lat.ServerBuild))}
	}
	if c.mv >= 3 {
		v["OS-EXT-SRV-ATTR:user_data"] = nilIfEmpty(srv.UserData)
	}
	if c.mv >= 19 {
		v["description"] = nil
	}
	if c.mv >= 26 {
		v["tags"] = tagsOrEmpty(srv.Tags)
	}
	if c.mv >= 71 {
		groups := []string{}
		if srv.Group != "" {
			groups = append(groups, srv.Group)
		}
		v["server_groups"] = groups
	}
	return v
}

func (c *call) serverFlavor(srv *server) map[string]any {
	f := c.s.flavorByID(srv.FlavorID)
	if c.mv < 47 {
		return map[string]any{"id": f.ID, "links": []map[string]string{{"rel": "bookmark", "href": c.baseURL() + "/compute/flavors/" + f.ID}}}
	}
	return map[string]any{
		"original_name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk, "ephemeral": f.Ephemeral,
		"swap": f.Swap, "extra_specs": map[string]string{},
	}
}

// serverAddresses lists each port's fixed IPs and the floating IPs
// associated with it, grouped by network name.
func (c *call) serverAddresses(srv *server) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, id := range srv.Ports {
		p := c.st.ports[id]
		if p == nil {
			continue
		}
		n, _ := find(c.s, func(st *store) map[string]*network { return st.networks }, p.NetworkID)
		name := p.NetworkID
		if n != nil {
			name = n.Name
		}
		for _, ip := range p.FixedIPs {
			out[name] = append(out[name], addressEntry(ip.IP, "fixed", p.MAC))
		}
		for _, f := range sorted(c.st.floatingIPs) {
			if f.PortID == p.ID {
				out[name] = append(out[name], addressEntry(f.Address, "floating", p.MAC))
			}
		}
	}
	return out
}

func addressEntry(ip, kind, mac string) map[string]any {
	version := 4
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() {
		version = 6
	}
	return map[string]any{"version": version, "addr": ip, "OS-EXT-IPS:type": kind, "OS-EXT-IPS-MAC:mac_addr": mac}
}

func (c *call) serverSecGroups(srv *server) []map[string]string {
	var names []string
	for _, id := range srv.Ports {
		if p := c.st.ports[id]; p != nil {
			for _, sgID := range p.SecurityGroups {
				if sg := c.st.secGroups[sgID]; sg != nil && !slices.Contains(names, sg.Name) {
					names = append(names, sg.Name)
				}
			}
		}
	}
	out := []map[string]string{}
	for _, n := range names {
		out = append(out, map[string]string{"name": n})
	}
	return out
}
