// Package loadbalancer keeps the API server's Octavia load balancer: the load balancer, one
// listener, pool and health monitor per port, the control-plane members, and its floating IP.
// Every call starts or checks one step and returns; nothing waits for Octavia.
package loadbalancer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/networking"
)

// Octavia provisioning states.
const (
	stateActive = "ACTIVE"
	stateError  = "ERROR"
)

// How long to wait before checking again: a new load balancer takes tens of seconds, a change
// to a listener, pool or monitor a couple.
const (
	creatingRequeue = 10 * time.Second
	updatingRequeue = 2 * time.Second
)

// Service drives the API server load balancer of one cluster.
type Service struct {
	LB  clients.LoadBalancer
	Net *networking.Service
	// Name of the load balancer; listeners and pools are named "<Name>-<port>".
	Name string
	Tags []string
	// Event records a warning the user should see, e.g. a provider that does not exist.
	Event func(reason, message string)
	Save  func(context.Context) error
}

// Desired is what the load balancer should look like.
type Desired struct {
	Spec *infrav1.APIServerLoadBalancer
	// Ports are the API server port followed by the additional ports.
	Ports []int
	// AllowedCIDRs is the effective list (the spec's plus bastion and router addresses), or nil.
	AllowedCIDRs []string
	// SubnetID of the VIP.
	SubnetID string
	// Network of the VIP, recorded in status.
	Network *infrav1.NetworkStatusWithSubnets
	// ExternalNetworkID and FloatingIP: a floating IP is put on the VIP when ExternalNetworkID
	// is set; FloatingIP is the address to use, empty to allocate one.
	ExternalNetworkID, FloatingIP string
}

// Reconcile takes the load balancer one step closer to desired. It returns how long to wait
// before checking again, zero once everything is in place.
func (s *Service) Reconcile(ctx context.Context, d Desired, status *infrav1.OpenStackClusterStatus) (time.Duration, error) {
	lb, err := s.findOrCreate(ctx, d, status)
	if err != nil || lb == nil {
		return creatingRequeue, err
	}
	switch lb.ProvisioningStatus {
	case stateActive:
	case stateError:
		return 0, fmt.Errorf("load balancer %s (%s) is in ERROR; Octavia's logs say why; delete it to let the provider create a new one", lb.Name, lb.ID)
	default:
		return s.pendingRequeue(lb), nil
	}
	if changed, err := s.reconcileListeners(ctx, lb.ID, d); err != nil || changed {
		return updatingRequeue, err
	}
	status.APIServerLoadBalancer.AllowedCIDRs = d.AllowedCIDRs
	if d.ExternalNetworkID == "" {
		status.APIServerLoadBalancer.IP = lb.VipAddress
		return 0, nil
	}
	return 0, s.reconcileFloatingIP(ctx, lb, d, status)
}

func (s *Service) pendingRequeue(lb *loadbalancers.LoadBalancer) time.Duration {
	if lb.ProvisioningStatus == "PENDING_CREATE" {
		return creatingRequeue
	}
	return updatingRequeue
}

// findOrCreate returns the load balancer in status, else the one named s.Name, else a new one
// (returned as nil: it has just started building).
func (s *Service) findOrCreate(ctx context.Context, d Desired, status *infrav1.OpenStackClusterStatus) (*loadbalancers.LoadBalancer, error) {
	if st := status.APIServerLoadBalancer; st != nil && st.ID != "" {
		lb, err := s.LB.GetLoadBalancer(ctx, st.ID)
		if !clients.IsNotFound(err) {
			return lb, err
		}
		status.APIServerLoadBalancer = nil // deleted behind our back: find or build it again
	}
	found, err := s.LB.ListLoadBalancers(ctx, loadbalancers.ListOpts{Name: s.Name})
	if err != nil {
		return nil, fmt.Errorf("looking up load balancer %s: %w", s.Name, err)
	}
	if len(found) > 1 {
		return nil, s.pruneTwins(ctx, found)
	}
	if len(found) == 1 {
		s.record(status, &found[0], d)
		return &found[0], s.Save(ctx)
	}
	opts, err := s.createOpts(ctx, d)
	if err != nil {
		return nil, err
	}
	lb, err := s.LB.CreateLoadBalancer(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("creating load balancer %s: %w", s.Name, err)
	}
	s.Event("LoadBalancerCreated", "created load balancer "+lb.ID)
	s.record(status, lb, d)
	return nil, s.Save(ctx)
}

// pruneTwins deletes all but the oldest of several load balancers named s.Name when every one
// carries the cluster's ownership tag (Octavia sets tags in the create call, so they are all
// ours: creates that timed out and that Octavia carried out anyway). Twins still PENDING_* are
// deleted on a later pass; the caller records none until one is left. An untagged one may be
// the user's: the user must choose.
func (s *Service) pruneTwins(ctx context.Context, found []loadbalancers.LoadBalancer) error {
	ids := make([]string, len(found))
	for i, lb := range found {
		ids[i] = lb.ID
	}
	if slices.ContainsFunc(found, func(lb loadbalancers.LoadBalancer) bool { return !slices.Contains(lb.Tags, s.Net.Owner) }) {
		return fmt.Errorf("%d load balancers are named %s (%s): delete the ones that are not in use", len(found), s.Name, strings.Join(ids, ", "))
	}
	keep := cloud.Oldest(found, func(lb loadbalancers.LoadBalancer) time.Time { return lb.CreatedAt },
		func(lb loadbalancers.LoadBalancer) string { return lb.ID })
	for i, lb := range found {
		if i == keep || (lb.ProvisioningStatus != stateActive && lb.ProvisioningStatus != stateError) {
			continue
		}
		switch err := s.LB.DeleteLoadBalancer(ctx, lb.ID, loadbalancers.DeleteOpts{Cascade: true}); {
		case err == nil:
			s.Event("DuplicateDeleted", fmt.Sprintf("deleted load balancer %s, a second one named like %s", lb.ID, ids[keep]))
		case !clients.IsNotFound(err) && !clients.IsConflict(err): // a conflict: PENDING meanwhile, next pass
			return fmt.Errorf("deleting load balancer %s, a duplicate of %s: %w", lb.ID, ids[keep], err)
		}
	}
	return nil
}

func (s *Service) record(status *infrav1.OpenStackClusterStatus, lb *loadbalancers.LoadBalancer, d Desired) {
	status.APIServerLoadBalancer = &infrav1.LoadBalancer{
		ID: lb.ID, Name: lb.Name, InternalIP: lb.VipAddress, Tags: s.Tags, LoadBalancerNetwork: d.Network,
	}
}

func (s *Service) createOpts(ctx context.Context, d Desired) (loadbalancers.CreateOpts, error) {
	opts := loadbalancers.CreateOpts{
		Name: s.Name, Description: "Kubernetes API server of a Cluster API cluster",
		VipSubnetID: d.SubnetID, Tags: s.Tags,
	}
	spec := d.Spec
	if spec.AvailabilityZone != nil {
		opts.AvailabilityZone = *spec.AvailabilityZone
	}
	if spec.Provider != nil && *spec.Provider != "" {
		provs, err := s.LB.ListProviders(ctx)
		if err != nil {
			return opts, fmt.Errorf("listing Octavia providers: %w", err)
		}
		names := make([]string, len(provs))
		for i, p := range provs {
			names[i] = p.Name
		}
		if slices.Contains(names, *spec.Provider) {
			opts.Provider = *spec.Provider
		} else {
			s.Event("LoadBalancerProviderNotFound", fmt.Sprintf("Octavia has no provider %q (it has %v): using the cloud's default provider", *spec.Provider, names))
		}
	}
	if spec.Flavor != nil && *spec.Flavor != "" {
		found, err := s.LB.ListFlavors(ctx, flavors.ListOpts{})
		if err != nil {
			return opts, fmt.Errorf("listing Octavia flavors: %w", err)
		}
		i := slices.IndexFunc(found, func(f flavors.Flavor) bool { return f.Name == *spec.Flavor })
		if i >= 0 {
			opts.FlavorID = found[i].ID
		} else {
			s.Event("LoadBalancerFlavorNotFound", fmt.Sprintf("Octavia has no flavor %q: using the cloud's default flavor", *spec.Flavor))
		}
	}
	return opts, nil
}

// reconcileFloatingIP gives the VIP its floating IP. The address is written to status (and
// saved) before the association, so a crash in between cannot lose track of it.
func (s *Service) reconcileFloatingIP(ctx context.Context, lb *loadbalancers.LoadBalancer, d Desired, status *infrav1.OpenStackClusterStatus) error {
	fip, err := s.Net.EnsureFloatingIP(ctx, d.ExternalNetworkID, s.Name, d.FloatingIP)
	if err != nil {
		return err
	}
	if status.APIServerLoadBalancer.IP != fip.FloatingIP {
		status.APIServerLoadBalancer.IP = fip.FloatingIP
		if err := s.Save(ctx); err != nil {
			return err
		}
	}
	return s.Net.AssociateFloatingIP(ctx, fip, lb.VipPortID)
}

// Check is the steady-state read: one GET proving the load balancer still exists and is ACTIVE.
func (s *Service) Check(ctx context.Context, status *infrav1.OpenStackClusterStatus) (bool, error) {
	if status.APIServerLoadBalancer == nil {
		return false, nil
	}
	lb, err := s.LB.GetLoadBalancer(ctx, status.APIServerLoadBalancer.ID)
	if clients.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return lb.ProvisioningStatus == stateActive, nil
}
