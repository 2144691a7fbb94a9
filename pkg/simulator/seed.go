package simulator

// seed creates what a fresh devstack-like cloud has. Everything made here is
// marked seeded, so it never counts as a leak.
func (s *Simulator) seed() {
	admin := s.addProject("admin")
	demo := s.addProject("demo")
	s.demo = &user{ID: newHexID(), Name: "demo", Password: s.opts.Password, DefaultProject: demo.project.ID,
		Projects: []string{demo.project.ID}}
	s.users[s.demo.ID] = s.demo
	s.appCred = &appCredential{ID: newHexID(), Name: "demo-appcred", Secret: "appcred-" + newHexID(),
		UserID: s.demo.ID, ProjectID: demo.project.ID}
	s.appCreds[s.appCred.ID] = s.appCred

	s.zones = []string{"az1", "az2", "az3"}
	s.flavors = []*flavor{
		{ID: "1", Name: "m1.tiny", VCPUs: 1, RAM: 512, Disk: 1},
		{ID: "2", Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20},
		{ID: "3", Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40},
		{ID: "4", Name: "m1.large", VCPUs: 4, RAM: 8192, Disk: 80},
		{ID: "5", Name: "m1.xlarge", VCPUs: 8, RAM: 16384, Disk: 160},
	}

	public := &network{base: s.newBase(admin.project.ID, "public"), AdminStateUp: true, External: true, MTU: 1500}
	admin.networks[public.ID] = public
	sn := &subnet{base: s.newBase(admin.project.ID, "public-subnet"), NetworkID: public.ID, CIDR: "172.24.4.0/24",
		IPVersion: 4, GatewayIP: "172.24.4.1", Pools: []ipRange{{Start: "172.24.4.2", End: "172.24.4.254"}},
		used: map[string]string{}}
	admin.subnets[sn.ID] = sn

	s.addImage(admin, Image{Name: "ubuntu-2404-kube-v1.36", MinDiskGiB: 10, SizeBytes: 2 << 30,
		Properties: map[string]string{"os_type": "linux", "os_distro": "ubuntu", "architecture": "x86_64"}})
	s.addImage(admin, Image{Name: "ubuntu-2404-kube-v1.36-arm64", MinDiskGiB: 10, SizeBytes: 2 << 30,
		Properties: map[string]string{"os_type": "linux", "os_distro": "ubuntu", "architecture": "aarch64"}})
	s.addImage(admin, Image{Name: "cirros-0.6.3-x86_64-disk", SizeBytes: 21 << 20,
		Properties: map[string]string{"os_type": "linux", "architecture": "x86_64"}})

	s.lbProviders = []lbProvider{
		{Name: "amphora", Description: "The Octavia Amphora driver."},
		{Name: "ovn", Description: "Octavia OVN driver."},
	}
	s.lbFlavors = []*lbFlavor{{ID: newUUID(), Name: "amphora-standalone", Description: "One amphora per load balancer", ProfileID: newUUID()}}

	s.markSeeded(admin)
	s.markSeeded(demo)
}

// addProject creates a project in the Default domain with its default
// security group. Callers hold s.mu (or are seeding).
func (s *Simulator) addProject(name string) *store {
	st := newStore(&project{ID: newHexID(), Name: name, Quota: s.opts.Quota})
	s.projects[st.project.ID] = st
	sg := s.newSecGroup(st, "default", "Default security group")
	sg.isDefault = true
	for _, ether := range []string{"IPv4", "IPv6"} {
		r := &secRule{base: s.newBase(st.project.ID, ""), GroupID: sg.ID, Direction: "ingress", EtherType: ether, RemoteGroupID: sg.ID}
		st.secRules[r.ID] = r
	}
	return st
}

// AddProject creates another project in the Default domain, gives the demo
// user a role on it and returns its ID.
func (s *Simulator) AddProject(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.addProject(name)
	s.demo.Projects = append(s.demo.Projects, st.project.ID)
	s.markSeeded(st)
	return st.project.ID
}
