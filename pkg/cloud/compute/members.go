package compute

import (
	"context"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// Member is a control-plane machine's place in the API server's load balancer: one member in
// every pool named <LoadBalancerName>-<port>, listening on that same port.
type Member struct {
	LoadBalancerID, LoadBalancerName string
	// Ports are the load balancer's ports: the API server's and the additional ones.
	Ports []int
	// Name of the member (the machine's name) and IP, the machine's address (see InternalIP).
	Name, IP string
	// Tags set on each member.
	Tags []string
}

func (mb Member) poolName(port int) string { return fmt.Sprintf("%s-%d", mb.LoadBalancerName, port) }

// AddMember makes the machine a member of every pool. Octavia refuses a change while the load
// balancer is busy with another (409 while PENDING_UPDATE), so each call makes at most one
// change and reports in progress after it; it is done once every pool has the member.
// A member of the same name with another address (a replaced server) is removed first.
func AddMember(ctx context.Context, lb clients.LoadBalancer, mb Member) (Result, error) {
	if mb.IP == "" {
		return Result{}, fmt.Errorf("machine %s has no address to add to load balancer %s yet", mb.Name, mb.LoadBalancerName)
	}
	found, err := lb.ListPools(ctx, pools.ListOpts{LoadbalancerID: mb.LoadBalancerID})
	if err != nil {
		return Result{}, fmt.Errorf("listing the pools of load balancer %s: %w", mb.LoadBalancerName, err)
	}
	for _, port := range mb.Ports {
		name := mb.poolName(port)
		i := slices.IndexFunc(found, func(p pools.Pool) bool { return p.Name == name })
		if i < 0 {
			return wait(clients.ConflictRequeue, "waiting for pool %s of load balancer %s", name, mb.LoadBalancerName), nil
		}
		pool := found[i]
		members, err := lb.ListMembers(ctx, pool.ID, pools.ListMembersOpts{})
		if err != nil {
			return Result{}, fmt.Errorf("listing the members of pool %s: %w", name, err)
		}
		if slices.ContainsFunc(members, func(m pools.Member) bool { return m.Address == mb.IP && m.ProtocolPort == port }) {
			continue
		}
		if j := slices.IndexFunc(members, func(m pools.Member) bool { return m.Name == mb.Name }); j >= 0 {
			err := lb.DeleteMember(ctx, pool.ID, members[j].ID)
			return changed(clients.IgnoreNotFound(err), "removing the old member %s (%s) from pool %s", mb.Name, members[j].Address, name)
		}
		_, err = lb.CreateMember(ctx, pool.ID, pools.CreateMemberOpts{Name: mb.Name, Address: mb.IP, ProtocolPort: port, Tags: mb.Tags})
		return changed(err, "adding %s (%s) to pool %s", mb.Name, mb.IP, name)
	}
	return Result{}, nil
}

// RemoveMember takes the machine out of every pool, matching members by name or address, one
// change per call like AddMember. It is done once no pool has it; missing pools are fine.
func RemoveMember(ctx context.Context, lb clients.LoadBalancer, mb Member) (Result, error) {
	found, err := lb.ListPools(ctx, pools.ListOpts{LoadbalancerID: mb.LoadBalancerID})
	if err != nil {
		return Result{}, fmt.Errorf("listing the pools of load balancer %s: %w", mb.LoadBalancerName, err)
	}
	for _, port := range mb.Ports {
		name := mb.poolName(port)
		i := slices.IndexFunc(found, func(p pools.Pool) bool { return p.Name == name })
		if i < 0 {
			continue
		}
		members, err := lb.ListMembers(ctx, found[i].ID, pools.ListMembersOpts{})
		if clients.IsNotFound(err) {
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("listing the members of pool %s: %w", name, err)
		}
		j := slices.IndexFunc(members, func(m pools.Member) bool {
			return m.Name == mb.Name || mb.IP != "" && m.Address == mb.IP && m.ProtocolPort == port
		})
		if j < 0 {
			continue
		}
		if members[j].ProvisioningStatus == "PENDING_DELETE" {
			// Our DELETE was accepted; another one would only get a 409 while the load
			// balancer is PENDING_UPDATE, every requeue until Octavia is done.
			return wait(clients.ConflictRequeue, "waiting for Octavia to remove %s from pool %s", mb.Name, name), nil
		}
		err = lb.DeleteMember(ctx, found[i].ID, members[j].ID)
		if clients.IsNotFound(err) {
			continue
		}
		return changed(err, "removing %s (%s) from pool %s", mb.Name, members[j].Address, name)
	}
	return Result{}, nil
}

// changed turns the answer to a load balancer change into a Result: in progress after a change
// or a 409 (the load balancer is busy), an error otherwise.
func changed(err error, format string, args ...any) (Result, error) {
	what := fmt.Sprintf(format, args...)
	switch {
	case err == nil:
		return wait(clients.ConflictRequeue, "%s", what), nil
	case clients.IsConflict(err):
		return wait(clients.ConflictRequeue, "%s: the load balancer is busy: %s", what, clients.UserMessage(err)), nil
	}
	return Result{}, fmt.Errorf("%s: %w", what, err)
}
