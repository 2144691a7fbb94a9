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
	var ids []string
	if st := status.APIServerLoadBalancer; st != nil && st.ID != "" {
		ids = []string{st.ID}
	} else {
		found, err := s.LB.ListLoadBalancers(ctx, loadbalancers.ListOpts{Name: s.Name})
		if err != nil {
			return 0, fmt.Errorf("looking up load balancer %s: %w", s.Name, err)
		}
		for _, lb := range found {
			ids = append(ids, lb.ID)
		}
	}
	pending := false
	for _, id := range ids {
		lb, err := s.LB.GetLoadBalancer(ctx, id)
		if clients.IsNotFound(err) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("reading load balancer %s: %w", id, err)
		}
		pending = true
		if lb.ProvisioningStatus == "PENDING_DELETE" {
			continue
		}
		if lb.ProvisioningStatus != stateActive && lb.ProvisioningStatus != stateError {
			continue // immutable while PENDING_*: try again shortly
		}
		err = s.LB.DeleteLoadBalancer(ctx, id, loadbalancers.DeleteOpts{Cascade: true})
		if err != nil && !clients.IsNotFound(err) && !clients.IsConflict(err) {
			return 0, fmt.Errorf("deleting load balancer %s: %w", id, err)
		}
	}
	if pending {
		return updatingRequeue, nil
	}
	status.APIServerLoadBalancer = nil
	return 0, nil
}
