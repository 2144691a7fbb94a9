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
// address set, that address is used (and adopted if it already exists).
func (s *Service) EnsureFloatingIP(ctx context.Context, extNetID, key, address string) (*floatingips.FloatingIP, error) {
	opts := floatingips.ListOpts{FloatingNetworkID: extNetID, Description: key}
	if address != "" {
		opts = floatingips.ListOpts{FloatingNetworkID: extNetID, FloatingIP: address}
	}
	fip, err := ensure(ctx, s, "floating IP", "floatingips",
		func() ([]floatingips.FloatingIP, error) { return s.Net.ListFloatingIPs(ctx, opts) },
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
