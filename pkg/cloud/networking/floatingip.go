package networking

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// EnsureFloatingIP returns the floating IP whose description is key, creating it on the
// external network when there is none. The description is set in the create request itself,
// so a floating IP whose create response was lost is found again instead of leaking. With
// address set, that address is used (and adopted if it already exists). known is the address
// the caller recorded from an earlier call (status, endpoint), if any: kept should there be
// several (see pruneFloatingIPs).
func (s *Service) EnsureFloatingIP(ctx context.Context, extNetID, key, address, known string) (*floatingips.FloatingIP, error) {
	opts := floatingips.ListOpts{FloatingNetworkID: extNetID, Description: key}
	if address != "" {
		opts = floatingips.ListOpts{FloatingNetworkID: extNetID, FloatingIP: address}
	}
	fip, err := ensure(ctx, s, "floating IP", "floatingips",
		func() ([]floatingips.FloatingIP, error) {
			found, err := s.Net.ListFloatingIPs(ctx, opts)
			if err != nil || address != "" || len(found) < 2 {
				return found, err
			}
			return s.pruneFloatingIPs(ctx, found, known)
		},
		func() (*floatingips.FloatingIP, error) {
			return s.Net.CreateFloatingIP(ctx, floatingips.CreateOpts{FloatingNetworkID: extNetID, FloatingIP: address, Description: key})
		},
		func(f floatingips.FloatingIP) string { return f.ID },
		func(f floatingips.FloatingIP) []string { return f.Tags })
	if err != nil {
		return nil, err
	}
	return fip, nil
}

// pruneFloatingIPs keeps one of several floating IPs that carry this cluster's key, and
// deletes the others. Only the provider writes that key, so they are all its own: a create
// that timed out on our side and that Neutron still carried out, then the create of the next
// attempt. Kept is the one in use, else the known address, else the oldest.
func (s *Service) pruneFloatingIPs(ctx context.Context, found []floatingips.FloatingIP, known string) ([]floatingips.FloatingIP, error) {
	rank := func(f floatingips.FloatingIP) int {
		switch {
		case f.PortID != "":
			return 2
		case known != "" && f.FloatingIP == known:
			return 1
		}
		return 0
	}
	keep := 0
	for i, f := range found {
		if r, k := rank(f), rank(found[keep]); r > k || r == k && f.CreatedAt.Before(found[keep].CreatedAt) {
			keep = i
		}
	}
	for i, f := range found {
		if i == keep {
			continue
		}
		if f.PortID != "" {
			return nil, fmt.Errorf("floating IPs %s and %s both carry the key %s and are both in use: delete the one that should not be",
				found[keep].FloatingIP, f.FloatingIP, f.Description)
		}
		if err := clients.IgnoreNotFound(s.Net.DeleteFloatingIP(ctx, f.ID)); err != nil {
			return nil, fmt.Errorf("deleting floating IP %s, a duplicate of %s: %w", f.FloatingIP, found[keep].FloatingIP, err)
		}
		if s.Event != nil {
			s.Event("DuplicateDeleted", fmt.Sprintf("deleted floating IP %s (%s), a second one for %s", f.FloatingIP, f.ID, f.Description))
		}
	}
	return found[keep : keep+1], nil
}

// AssociateFloatingIP points fip at portID unless it already is.
func (s *Service) AssociateFloatingIP(ctx context.Context, fip *floatingips.FloatingIP, portID string) error {
	if fip.PortID == portID {
		return nil
	}
	if _, err := s.Net.UpdateFloatingIP(ctx, fip.ID, floatingips.UpdateOpts{PortID: &portID}); err != nil {
		return fmt.Errorf("associating floating IP %s with port %s: %w", fip.FloatingIP, portID, err)
	}
	return nil
}

// DeleteFloatingIPs deletes the floating IPs whose description is key. With keepAddress set,
// that address belongs to the user: it is only disassociated.
func (s *Service) DeleteFloatingIPs(ctx context.Context, key, keepAddress string) error {
	found, err := s.Net.ListFloatingIPs(ctx, floatingips.ListOpts{Description: key})
	if err != nil {
		return fmt.Errorf("looking up floating IPs %q: %w", key, err)
	}
	if keepAddress != "" {
		kept, err := s.Net.ListFloatingIPs(ctx, floatingips.ListOpts{FloatingIP: keepAddress})
		if err != nil {
			return fmt.Errorf("looking up floating IP %s: %w", keepAddress, err)
		}
		for _, f := range kept {
			if f.PortID != "" {
				if _, err := s.Net.UpdateFloatingIP(ctx, f.ID, floatingips.UpdateOpts{PortID: new(string)}); clients.IgnoreNotFound(err) != nil {
					return fmt.Errorf("disassociating floating IP %s: %w", keepAddress, err)
				}
			}
		}
	}
	for _, f := range found {
		if f.FloatingIP == keepAddress {
			continue
		}
		if err := clients.IgnoreNotFound(s.Net.DeleteFloatingIP(ctx, f.ID)); err != nil {
			return fmt.Errorf("deleting floating IP %s: %w", f.FloatingIP, err)
		}
	}
	return nil
}
