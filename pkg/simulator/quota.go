package simulator

import (
	"fmt"
	"net/http"
)

// Quota is the per-project limit for each resource; -1 means unlimited.
type Quota struct {
	Instances, Cores, RAM, KeyPairs, ServerGroups int

	Networks, Subnets, Ports, Routers, FloatingIPs int
	SecurityGroups, SecurityGroupRules             int

	Volumes, Gigabytes int

	LoadBalancers, Listeners, Pools, Members, HealthMonitors int
}

// DefaultQuota is generous enough for a thousand servers with a port, a
// volume and a floating IP each.
func DefaultQuota() Quota {
	return Quota{
		Instances: 2000, Cores: 20000, RAM: 64 * 1024 * 2000, KeyPairs: 1000, ServerGroups: 1000,
		Networks: 1000, Subnets: 1000, Ports: 10000, Routers: 1000, FloatingIPs: 2000,
		SecurityGroups: 1000, SecurityGroupRules: 20000,
		Volumes: 4000, Gigabytes: 200000,
		LoadBalancers: 500, Listeners: 2000, Pools: 2000, Members: 20000, HealthMonitors: 2000,
	}
}

// SetQuota replaces the quota of the project with the given name or ID.
func (s *Simulator) SetQuota(project string, q Quota) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.projectByName(project)
	if st == nil {
		return fmt.Errorf("simulator: no project %q", project)
	}
	st.project.Quota = q
	return nil
}

func (s *Simulator) projectByName(nameOrID string) *store {
	for _, st := range s.projects {
		if st.project.ID == nameOrID || st.project.Name == nameOrID {
			return st
		}
	}
	return nil
}

func exceeds(limit, used, requested int) bool {
	return limit >= 0 && used+requested > limit
}

// neutronQuota fails with Neutron's OverQuota conflict when one more of
// resource would exceed limit.
func neutronQuota(resource string, limit, used int) error {
	if exceeds(limit, used, 1) {
		return errf(http.StatusConflict, "OverQuota", "Quota exceeded for resources: ['%s'].", resource)
	}
	return nil
}

// computeUsage counts instances, cores and RAM (MiB) of the project's servers.
func (s *Simulator) computeUsage(st *store) (instances, cores, ram int) {
	for _, srv := range st.servers {
		instances++
		if f := s.flavorByID(srv.FlavorID); f != nil {
			cores += f.VCPUs
			ram += f.RAM
		}
	}
	return instances, cores, ram
}

// novaQuota fails like Nova's API when a server of flavor f does not fit.
func (s *Simulator) novaQuota(st *store, f *flavor) error {
	q := st.project.Quota
	instances, cores, ram := s.computeUsage(st)
	for _, r := range []struct {
		name             string
		limit, used, req int
	}{
		{"instances", q.Instances, instances, 1},
		{"cores", q.Cores, cores, f.VCPUs},
		{"ram", q.RAM, ram, f.RAM},
	} {
		if exceeds(r.limit, r.used, r.req) {
			return errf(http.StatusForbidden, "", "Quota exceeded for %s: Requested %d, but already used %d of %d %s",
				r.name, r.req, r.used, r.limit, r.name)
		}
	}
	return nil
}

func volumeUsage(st *store) (count, gigabytes int) {
	for _, v := range st.volumes {
		count++
		gigabytes += v.Size
	}
	return count, gigabytes
}

// cinderQuota fails like Cinder (413) when a volume of size GiB does not fit.
func cinderQuota(st *store, size int) error {
	q := st.project.Quota
	count, gigabytes := volumeUsage(st)
	if exceeds(q.Volumes, count, 1) {
		return errf(http.StatusRequestEntityTooLarge, "",
			"VolumeLimitExceeded: Maximum number of volumes allowed (%d) exceeded for quota 'volumes'.", q.Volumes)
	}
	if exceeds(q.Gigabytes, gigabytes, size) {
		return errf(http.StatusRequestEntityTooLarge, "",
			"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested %dG, quota is %dG and %dG has been consumed.",
			size, q.Gigabytes, gigabytes)
	}
	return nil
}

// octaviaQuota fails like Octavia (403) when one more resource would not fit.
func octaviaQuota(resource string, limit, used int) error {
	if exceeds(limit, used, 1) {
		return errf(http.StatusForbidden, "", "Quota has been met for resources: %s", resource)
	}
	return nil
}
