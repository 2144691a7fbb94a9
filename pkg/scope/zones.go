package scope

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// zoneTTL is how long a credential's list of Nova availability zones is reused. Zones are
// added or retired by an operator, rarely; without the cache every OpenStackCluster listed
// them on every resync (the scale benchmark: one list per cluster per sync period).
const zoneTTL = 10 * time.Minute

// Zones remembers the availability zone names one credential sees. It is shared by the
// reconciles of every cluster using that credential; concurrent callers on a stale entry wait
// for one list.
type Zones struct {
	ttl   time.Duration
	list  func(context.Context) ([]string, error)
	now   func() time.Time
	mu    sync.Mutex
	names []string
	at    time.Time
}

// newZones returns a cache over compute's zone list, fresh for ttl.
func newZones(compute clients.Compute, ttl time.Duration) *Zones {
	return &Zones{ttl: ttl, now: time.Now, list: func(ctx context.Context) ([]string, error) {
		return listZoneNames(ctx, compute)
	}}
}

// Names returns the zone names, listing them when the copy is older than the TTL. A failed
// list is not remembered.
func (z *Zones) Names(ctx context.Context) ([]string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.names != nil && z.now().Sub(z.at) < z.ttl {
		return z.names, nil
	}
	names, err := z.list(ctx)
	if err != nil {
		return nil, err
	}
	z.names, z.at = names, z.now()
	return names, nil
}

// listZoneNames lists Nova's availability zones (one call, no cache).
func listZoneNames(ctx context.Context, compute clients.Compute) ([]string, error) {
	zones, err := compute.ListAvailabilityZones(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	names := make([]string, 0, len(zones))
	for _, z := range zones {
		names = append(names, z.ZoneName)
	}
	return names, nil
}

// AvailabilityZones returns the zone names of the scope's credential: from the credential's
// cache when the scope has one (Factory's do), else listed now.
func (s *Scope) AvailabilityZones(ctx context.Context) ([]string, error) {
	if s.Zones != nil {
		return s.Zones.Names(ctx)
	}
	return listZoneNames(ctx, s.Compute)
}
