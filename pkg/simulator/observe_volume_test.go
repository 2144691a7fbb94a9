package simulator

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
)

// TestLeaksSeeVolumeMetadata: volumes carry no tags, so their owners' marks are metadata
// values, and Leaks must report a volume so marked.
func TestLeaksSeeVolumeMetadata(t *testing.T) {
	e := newEnv(t, Options{})
	v, err := volumes.Create(context.Background(), e.volume, volumes.CreateOpts{
		Name: "data", Size: 1, Metadata: map[string]string{"capo-owner": "capo-cluster=ns.c"},
	}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	leaks := e.sim.Leaks("capo-cluster=ns.c")
	if len(leaks) != 1 || leaks[0].ID != v.ID {
		t.Fatalf("leaks = %+v, want the volume %s", leaks, v.ID)
	}
}
