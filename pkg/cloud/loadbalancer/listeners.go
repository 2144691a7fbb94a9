package loadbalancer

import (
	"context"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/listeners"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// portName names the listener and pool of one port.
func (s *Service) portName(port int) string { return fmt.Sprintf("%s-%d", s.Name, port) }

// reconcileListeners makes at most one change (Octavia refuses a second one while the load
// balancer is PENDING_UPDATE) and reports whether it made one.
func (s *Service) reconcileListeners(ctx context.Context, lbID string, d Desired) (bool, error) {
	ls, err := s.LB.ListListeners(ctx, listeners.ListOpts{LoadbalancerID: lbID})
	if err != nil {
		return false, fmt.Errorf("listing listeners: %w", err)
	}
	ps, err := s.LB.ListPools(ctx, pools.ListOpts{LoadbalancerID: lbID})
	if err != nil {
		return false, fmt.Errorf("listing pools: %w", err)
	}
	for _, port := range d.Ports {
		name := s.portName(port)
		li := slices.IndexFunc(ls, func(l listeners.Listener) bool { return l.Name == name })
		if li < 0 {
			_, err := s.LB.CreateListener(ctx, listeners.CreateOpts{
				Name: name, LoadbalancerID: lbID, Protocol: listeners.ProtocolTCP, ProtocolPort: port,
				AllowedCIDRs: d.AllowedCIDRs, Tags: s.Tags,
			})
			return true, wrap(err, "creating listener "+name)
		}
		l := ls[li]
		if !sameSet(l.AllowedCIDRs, d.AllowedCIDRs) {
			cidrs := d.AllowedCIDRs
			if cidrs == nil {
				cidrs = []string{}
			}
			_, err := s.LB.UpdateListener(ctx, l.ID, listeners.UpdateOpts{AllowedCIDRs: &cidrs})
			return true, wrap(err, "updating the allowed CIDRs of listener "+name)
		}
		pi := slices.IndexFunc(ps, func(p pools.Pool) bool { return p.Name == name })
		if pi < 0 {
			_, err := s.LB.CreatePool(ctx, pools.CreateOpts{
				Name: name, ListenerID: l.ID, Protocol: pools.ProtocolTCP, LBMethod: pools.LBMethodRoundRobin, Tags: s.Tags,
			})
			return true, wrap(err, "creating pool "+name)
		}
		if changed, err := s.reconcileMonitor(ctx, ps[pi], d.Spec.Monitor); err != nil || changed {
			return changed, err
		}
	}
	return false, nil
}

// monitorSettings are the health monitor settings with their defaults.
func monitorSettings(m *infrav1.APIServerLoadBalancerMonitor) (delay, timeout, retries, retriesDown int) {
	delay, timeout, retries, retriesDown = 10, 5, 5, 3
	if m == nil {
		return
	}
	if m.Delay > 0 {
		delay = int(m.Delay)
	}
	if m.Timeout > 0 {
		timeout = int(m.Timeout)
	}
	if m.MaxRetries > 0 {
		retries = int(m.MaxRetries)
	}
	if m.MaxRetriesDown > 0 {
		retriesDown = int(m.MaxRetriesDown)
	}
	return
}

func (s *Service) reconcileMonitor(ctx context.Context, pool pools.Pool, spec *infrav1.APIServerLoadBalancerMonitor) (bool, error) {
	delay, timeout, retries, down := monitorSettings(spec)
	if pool.MonitorID == "" {
		_, err := s.LB.CreateMonitor(ctx, monitors.CreateOpts{
			Name: pool.Name, PoolID: pool.ID, Type: monitors.TypeTCP,
			Delay: delay, Timeout: timeout, MaxRetries: retries, MaxRetriesDown: down, Tags: s.Tags,
		})
		return true, wrap(err, "creating health monitor "+pool.Name)
	}
	m, err := s.LB.GetMonitor(ctx, pool.MonitorID)
	if err != nil {
		return false, wrap(err, "reading health monitor "+pool.Name)
	}
	if m.Delay == delay && m.Timeout == timeout && m.MaxRetries == retries && m.MaxRetriesDown == down {
		return false, nil
	}
	_, err = s.LB.UpdateMonitor(ctx, m.ID, monitors.UpdateOpts{Delay: delay, Timeout: timeout, MaxRetries: retries, MaxRetriesDown: down})
	return true, wrap(err, "updating health monitor "+pool.Name)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
