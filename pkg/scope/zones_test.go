package scope

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/availabilityzones"
	"go.uber.org/mock/gomock"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients/mock"
)

// TestZonesCachePerTTL: the zones are listed once per TTL however many reconciles ask, an
// unavailable zone is kept, a failed list is not remembered, and a new zone shows after the TTL.
func TestZonesCachePerTTL(t *testing.T) {
	ctx := context.Background()
	c := mock.NewMockCompute(gomock.NewController(t))
	az := func(names ...string) []availabilityzones.AvailabilityZone {
		var out []availabilityzones.AvailabilityZone
		for _, n := range names {
			out = append(out, availabilityzones.AvailabilityZone{ZoneName: n, ZoneState: availabilityzones.ZoneState{Available: n != "down"}})
		}
		return out
	}
	now := time.Unix(0, 0)
	z := newZones(c, time.Minute)
	z.now = func() time.Time { return now }

	c.EXPECT().ListAvailabilityZones(gomock.Any()).Return(az("az1", "down"), nil).Times(1)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if names, err := z.Names(ctx); err != nil || !slices.Equal(names, []string{"az1", "down"}) {
				t.Errorf("Names = %v, %v", names, err)
			}
		})
	}
	wg.Wait()

	now = now.Add(59 * time.Second)
	if _, err := z.Names(ctx); err != nil {
		t.Fatal(err) // still fresh: the mock fails on a second list
	}

	now = now.Add(2 * time.Second)
	c.EXPECT().ListAvailabilityZones(gomock.Any()).Return(nil, errors.New("503")).Times(1)
	if _, err := z.Names(ctx); err == nil {
		t.Fatal("a failed list was hidden behind the stale copy")
	}
	c.EXPECT().ListAvailabilityZones(gomock.Any()).Return(az("az1", "az2"), nil).Times(1)
	if names, err := z.Names(ctx); err != nil || !slices.Equal(names, []string{"az1", "az2"}) {
		t.Fatalf("after the TTL: %v, %v; want the new zone", names, err)
	}
}

// TestScopeWithoutZoneCacheLists: a Scope built by hand (tests' mocks) lists every time.
func TestScopeWithoutZoneCacheLists(t *testing.T) {
	c := mock.NewMockCompute(gomock.NewController(t))
	c.EXPECT().ListAvailabilityZones(gomock.Any()).Return([]availabilityzones.AvailabilityZone{{ZoneName: "az1"}}, nil).Times(2)
	s := &Scope{Compute: c}
	for range 2 {
		if names, err := s.AvailabilityZones(context.Background()); err != nil || !slices.Equal(names, []string{"az1"}) {
			t.Fatalf("AvailabilityZones = %v, %v", names, err)
		}
	}
}
