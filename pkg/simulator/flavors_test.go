package simulator

import "testing"

func TestAddFlavor(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.AddFlavor(Flavor{Name: "e2e.big", VCPUs: 64, RAM: 1024, Disk: 1})
	if err != nil || id == "" {
		t.Fatalf("AddFlavor: %q, %v", id, err)
	}
	found := false
	for _, f := range s.flavors {
		found = found || (f.ID == id && f.Name == "e2e.big" && f.VCPUs == 64)
	}
	if !found {
		t.Errorf("flavor %s not listed", id)
	}
	if _, err := s.AddFlavor(Flavor{Name: "m1.small"}); err == nil {
		t.Error("a second m1.small was added")
	}
}
