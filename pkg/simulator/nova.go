package simulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const (
	novaPrefix   = "/compute/v2.1"
	novaMaxMinor = 96
)

type flavor struct {
	ID, Name         string
	VCPUs, RAM, Disk int
	Ephemeral, Swap  int
}

func (s *Simulator) routeNova() {
	s.handle("GET /compute/{$}", true, func(c *call) error {
		return c.reply(200, map[string]any{"versions": []any{novaVersion(c, "v2.0"), novaVersion(c, "v2.1")}})
	})
	s.handle("GET "+novaPrefix+"/{$}", true, func(c *call) error {
		return c.reply(200, map[string]any{"version": novaVersion(c, "v2.1")})
	})
	s.handle("GET "+novaPrefix+"/flavors", false, func(c *call) error { return listFlavors(c, false) })
	s.handle("GET "+novaPrefix+"/flavors/detail", false, func(c *call) error { return listFlavors(c, true) })
	s.handle("GET "+novaPrefix+"/flavors/{id}", false, getFlavor)
	s.handle("GET "+novaPrefix+"/flavors/{id}/os-extra_specs", false, func(c *call) error {
		if c.s.flavorByID(c.r.PathValue("id")) == nil {
			return errf(http.StatusNotFound, "", "Flavor %s could not be found.", c.r.PathValue("id"))
		}
		return c.reply(200, map[string]any{"extra_specs": map[string]string{}})
	})
	s.handle("GET "+novaPrefix+"/os-availability-zone", false, func(c *call) error { return listZones(c, false) })
	s.handle("GET "+novaPrefix+"/os-availability-zone/detail", false, func(c *call) error { return listZones(c, true) })
	s.handle("GET "+novaPrefix+"/os-quota-sets/{project}", false, func(c *call) error { return getNovaQuota(c, false) })
	s.handle("GET "+novaPrefix+"/os-quota-sets/{project}/detail", false, func(c *call) error { return getNovaQuota(c, true) })
	s.routeServers()
	s.routeServerParts()
	s.routeKeypairs()
	s.routeServerGroups()
}

func novaVersion(c *call, id string) map[string]any {
	if id == "v2.0" {
		return map[string]any{
			"id": id, "status": "SUPPORTED", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z",
			"links": []map[string]string{{"rel": "self", "href": c.baseURL() + "/compute/v2/"}},
		}
	}
	return map[string]any{
		"id": id, "status": "CURRENT", "version": fmt.Sprintf("2.%d", novaMaxMinor), "min_version": "2.1",
		"updated": "2013-07-23T11:33:21Z",
		"links":   []map[string]string{{"rel": "self", "href": c.baseURL() + novaPrefix + "/"}},
	}
}

// negotiateMicroversion reads X-OpenStack-Nova-API-Version (or
// OpenStack-API-Version: compute X) and echoes the version used.
func (c *call) negotiateMicroversion() error {
	want := c.r.Header.Get("X-OpenStack-Nova-API-Version")
	if h := c.r.Header.Get("OpenStack-API-Version"); h != "" {
		if svc, v, ok := strings.Cut(h, " "); ok && svc == "compute" {
			want = v
		}
	}
	c.mv = 1
	switch want {
	case "":
	case "latest":
		c.mv = novaMaxMinor
	default:
		major, minor, ok := strings.Cut(want, ".")
		n, err := strconv.Atoi(minor)
		if !ok || major != "2" || err != nil {
			return badRequest("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", want)
		}
		if n < 1 || n > novaMaxMinor {
			return errf(http.StatusNotAcceptable, "", "Version %s is not supported by the API. Minimum is 2.1 and maximum is 2.%d.", want, novaMaxMinor)
		}
		c.mv = n
	}
	v := fmt.Sprintf("2.%d", c.mv)
	c.w.Header().Set("X-OpenStack-Nova-API-Version", v)
	c.w.Header().Set("OpenStack-API-Version", "compute "+v)
	c.w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
	return nil
}

func (s *Simulator) flavorByID(id string) *flavor {
	for _, f := range s.flavors {
		if f.ID == id {
			return f
		}
	}
	return nil
}

func (c *call) flavorView(f *flavor, detail bool) view {
	link := c.baseURL() + novaPrefix + "/flavors/" + f.ID
	v := view{"id": f.ID, "name": f.Name, "links": []map[string]string{{"rel": "self", "href": link}}}
	if !detail {
		return v
	}
	var swap any = ""
	if f.Swap > 0 || c.mv >= 75 {
		swap = f.Swap
	}
	v["ram"], v["vcpus"], v["disk"], v["swap"] = f.RAM, f.VCPUs, f.Disk, swap
	v["OS-FLV-EXT-DATA:ephemeral"], v["os-flavor-access:is_public"] = f.Ephemeral, true
	v["OS-FLV-DISABLED:disabled"], v["rxtx_factor"] = false, 1.0
	if c.mv >= 55 {
		v["description"] = nil
	}
	if c.mv >= 61 {
		v["extra_specs"] = map[string]string{}
	}
	return v
}

func listFlavors(c *call, detail bool) error {
	views := make([]view, 0, len(c.s.flavors))
	for _, f := range c.s.flavors {
		views = append(views, c.flavorView(f, detail))
	}
	return c.listReply("flavors", views, 1000, "name")
}

func getFlavor(c *call) error {
	f := c.s.flavorByID(c.r.PathValue("id"))
	if f == nil {
		return errf(http.StatusNotFound, "", "Flavor %s could not be found.", c.r.PathValue("id"))
	}
	return c.reply(200, map[string]any{"flavor": c.flavorView(f, true)})
}

// hostOf is the simulated compute host of an availability zone.
func (s *Simulator) hostOf(az string) string {
	for i, z := range s.zones {
		if z == az {
			return fmt.Sprintf("compute-%d", i+1)
		}
	}
	return ""
}

func listZones(c *call, detail bool) error {
	var out []any
	for _, z := range c.s.zones {
		var hosts any
		if detail {
			hosts = map[string]any{c.s.hostOf(z): map[string]any{"nova-compute": map[string]any{
				"available": true, "active": true, "updated_at": isoMicro(c.now),
			}}}
		}
		out = append(out, map[string]any{"zoneName": z, "zoneState": map[string]bool{"available": true}, "hosts": hosts})
	}
	return c.reply(200, map[string]any{"availabilityZoneInfo": out})
}

func getNovaQuota(c *call, detail bool) error {
	st := c.s.projectByName(c.r.PathValue("project"))
	if st == nil {
		return errf(http.StatusNotFound, "", "Project %s could not be found.", c.r.PathValue("project"))
	}
	q := st.project.Quota
	instances, cores, ram := c.s.computeUsage(st)
	limits := map[string][2]int{
		"instances": {q.Instances, instances}, "cores": {q.Cores, cores}, "ram": {q.RAM, ram},
		"key_pairs": {q.KeyPairs, len(st.keypairs)}, "server_groups": {q.ServerGroups, len(st.serverGroups)},
	}
	set := map[string]any{"id": st.project.ID}
	for k, v := range limits {
		if detail {
			set[k] = map[string]int{"limit": v[0], "in_use": v[1], "reserved": 0}
		} else {
			set[k] = v[0]
		}
	}
	return c.reply(200, map[string]any{"quota_set": set})
}
