package simulator

import "fmt"

// Flavor is a Nova flavor to add with AddFlavor.
type Flavor struct {
	Name             string
	VCPUs, RAM, Disk int
}

// AddFlavor adds a public flavor (what an operator's `openstack flavor create` does) and
// returns its ID. Names are unique here, as tests look flavors up by name.
func (s *Simulator) AddFlavor(f Flavor) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.flavors {
		if have.Name == f.Name {
			return "", fmt.Errorf("flavor %q exists", f.Name)
		}
	}
	fl := &flavor{ID: newUUID(), Name: f.Name, VCPUs: f.VCPUs, RAM: f.RAM, Disk: f.Disk}
	s.flavors = append(s.flavors, fl)
	return fl.ID, nil
}
