package loadbalancer

import (
	"context"
	"fmt"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// Delete removes the floating IP (unless userAddress names the user's own, which is only
// disassociated) and starts a cascade delete of the load balancer. It returns a requeue delay
// until the load balancer is gone, then zero.
func (s *Service) Delete(ctx context.Context, status *infrav1.OpenStackClusterStatus, userAddress string) (time.Duration, error) {
	if err := s.Net.DeleteFloatingIPs(ctx, s.Name, userAddress); err != nil {
		return 0, err
	}
	lbs, err := s.toDelete(ctx, status)
	if err != nil {
		return 0, err
	}
	for _, lb := range lbs {
		if lb.ProvisioningStatus != stateActive && lb.ProvisioningStatus != stateError {
			continue // PENDING_DELETE, or immutable while PENDING_*: check again shortly
		}
		err = s.LB.DeleteLoadBalancer(ctx, lb.ID, loadbalancers.DeleteOpts{Cascade: true})
		if err != nil && !clients.IsNotFound(err) && !clients.IsConflict(err) {
			return 0, fmt.Errorf("deleting load balancer %s: %w", lb.ID, err)
		}
	}
	if len(lbs) > 0 {
		return updatingRequeue, nil
	}
	status.APIServerLoadBalancer = nil
	return 0, nil
}

// toDelete returns the load balancers named s.Name, which includes a twin made by a create that
// timed out and that Octavia carried out anyway (found only by name), and the one in status
// when it has another name.
func (s *Service) toDelete(ctx context.Context, status *infrav1.OpenStackClusterStatus) ([]loadbalancers.LoadBalancer, error) {
	found, err := s.LB.ListLoadBalancers(ctx, loadbalancers.ListOpts{Name: s.Name})
	if err != nil {
		return nil, fmt.Errorf("looking up load balancer %s: %w", s.Name, err)
	}
	st := status.APIServerLoadBalancer
	if st == nil || st.ID == "" || st.Name == s.Name {
		return found, nil
	}
	lb, err := s.LB.GetLoadBalancer(ctx, st.ID)
	switch {
	case clients.IsNotFound(err):
		return found, nil
	case err != nil:
		return nil, fmt.Errorf("reading load balancer %s: %w", st.ID, err)
	}
	return append(found, *lb), nil
}
