package simulator

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// Counts maps "METHOD /route/pattern" (IDs normalised, e.g.
// "GET /compute/v2.1/servers/{id}") to the number of requests received.
type Counts map[string]int

// Total is the number of requests.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Writes is the number of requests other than GET and HEAD.
func (c Counts) Writes() int {
	n := 0
	for k, v := range c {
		if !strings.HasPrefix(k, "GET ") && !strings.HasPrefix(k, "HEAD ") {
			n += v
		}
	}
	return n
}

// ByService sums the requests per catalog service type ("compute",
// "network", "identity", "image", "block-storage", "load-balancer").
func (c Counts) ByService() map[string]int {
	out := map[string]int{}
	for k, v := range c {
		out[serviceOf(k)] += v
	}
	return out
}

// Counts returns a copy of the request counters.
func (s *Simulator) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(Counts(s.counts))
}

// ResetCounts zeroes the request counters and the token-issue count.
func (s *Simulator) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.tokensIssued = 0
}

// TokensIssued is how many tokens Keystone issued since New or ResetCounts.
func (s *Simulator) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// Resource is one live resource as listed by Inventory and Leaks.
type Resource struct {
	Project string   `json:"project"`
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tags    []string `json:"tags"`
	Status  string   `json:"status"`
	Seeded  bool     `json:"seeded"`
}

// Inventory lists every live resource, seeded ones included, ordered by
// project, type and creation.
func (s *Simulator) Inventory() []Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reap()
	var out []Resource
	for _, st := range s.projects {
		out = append(out, s.storeInventory(st)...)
	}
	slices.SortStableFunc(out, func(a, b Resource) int {
		return cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(a.Type, b.Type))
	})
	return out
}

// Leaks lists the live resources that were not seeded and carry tag (any
// tag when tag is ""). Tests call it after teardown expecting nothing.
func (s *Simulator) Leaks(tag string) []Resource {
	out := []Resource{}
	for _, r := range s.Inventory() {
		if !r.Seeded && (tag == "" || slices.Contains(r.Tags, tag)) {
			out = append(out, r)
		}
	}
	return out
}

// volumeMetadataAsTags lists a volume's metadata values among its tags: Cinder volumes have
// no tags, so owners mark them with metadata, and Leaks must see those marks.
func volumeMetadataAsTags(out []Resource, st *store) {
	for i := range out {
		if v, ok := st.volumes[out[i].ID]; ok && out[i].Type == "volume" {
			for _, val := range v.Metadata {
				out[i].Tags = append(out[i].Tags, val)
			}
			slices.Sort(out[i].Tags)
		}
	}
}

func (s *Simulator) storeInventory(st *store) []Resource {
	now := s.clock.Now()
	var out []Resource
	add := func(typ string, items []resource, status func(resource) string) {
		for _, it := range items {
			b := it.meta()
			out = append(out, Resource{
				Project: st.project.Name, Type: typ, ID: b.ID, Name: b.Name, Tags: slices.Clone(b.Tags),
				Status: status(it), Seeded: s.seeded[b.ID],
			})
		}
	}
	active := func(resource) string { return "ACTIVE" }
	add("network", asResources(st.networks), active)
	add("subnet", asResources(st.subnets), active)
	add("port", asResources(st.ports), func(r resource) string { return s.portView(r.(*port))["status"].(string) })
	add("router", asResources(st.routers), active)
	add("security_group", asResources(st.secGroups), active)
	add("security_group_rule", asResources(st.secRules), active)
	add("floating_ip", asResources(st.floatingIPs), func(r resource) string { return floatingIPView(r.(*floatingIP))["status"].(string) })
	add("trunk", asResources(st.trunks), active)
	add("server", asResources(st.servers), func(r resource) string {
		status, _, _ := s.serverState(r.(*server), now)
		return status
	})
	add("keypair", asResources(st.keypairs), active)
	add("server_group", asResources(st.serverGroups), active)
	add("volume", asResources(st.volumes), func(r resource) string { return s.volumeStatus(r.(*volume), now) })
	volumeMetadataAsTags(out, st)
	add("image", asResources(st.images), func(resource) string { return "active" })
	add("loadbalancer", asResources(st.lbs), func(r resource) string { return r.(*loadBalancer).status(now) })
	add("listener", asResources(st.listeners), func(r resource) string { return r.(*listener).status(now) })
	add("pool", asResources(st.pools), func(r resource) string { return r.(*pool).status(now) })
	add("member", asResources(st.members), func(r resource) string { return r.(*member).status(now) })
	add("healthmonitor", asResources(st.monitors), func(r resource) string { return r.(*monitor).status(now) })
	return out
}

func asResources[T resource](m map[string]T) []resource {
	out := make([]resource, 0, len(m))
	for _, v := range sorted(m) {
		out = append(out, v)
	}
	return out
}

// markSeeded records every resource now in st as seeded.
func (s *Simulator) markSeeded(st *store) {
	for _, r := range s.storeInventory(st) {
		s.seeded[r.ID] = true
	}
}
