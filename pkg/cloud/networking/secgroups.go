package networking

import (
	"context"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// ruleDescription marks the rules the provider manages.
const ruleDescription = "Managed by the Cluster API OpenStack provider"

// securityGroupName is the name of one managed group of the cluster.
func (s *Service) securityGroupName(g infrav1.ManagedSecurityGroupName) string {
	return fmt.Sprintf("%s-secgroup-%s", s.Name, g)
}

// groupSlots maps each managed group to its status field.
func groupSlots(status *infrav1.OpenStackClusterStatus) map[infrav1.ManagedSecurityGroupName]**infrav1.SecurityGroupStatus {
	return map[infrav1.ManagedSecurityGroupName]**infrav1.SecurityGroupStatus{
		infrav1.ManagedSecurityGroupControlPlane: &status.ControlPlaneSecurityGroup,
		infrav1.ManagedSecurityGroupWorker:       &status.WorkerSecurityGroup,
		infrav1.ManagedSecurityGroupBastion:      &status.BastionSecurityGroup,
	}
}

// BastionEnabled reports whether the spec asks for a running bastion.
func BastionEnabled(spec *infrav1.OpenStackClusterSpec) bool {
	return spec.Bastion != nil && (spec.Bastion.Enabled == nil || *spec.Bastion.Enabled)
}

// ReconcileSecurityGroups creates the managed groups and, when rulesChanged (the spec changed
// since the rules were last reconciled) or a group is new, makes each group's rules exactly
// the desired ones: missing rules are created in one bulk request, others deleted.
func (s *Service) ReconcileSecurityGroups(ctx context.Context, spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus, apiPort int, rulesChanged bool) error {
	if spec.ManagedSecurityGroups == nil {
		return nil
	}
	bastion := BastionEnabled(spec)
	wanted := []infrav1.ManagedSecurityGroupName{infrav1.ManagedSecurityGroupControlPlane, infrav1.ManagedSecurityGroupWorker}
	if bastion {
		wanted = append(wanted, infrav1.ManagedSecurityGroupBastion)
	}
	slots := groupSlots(status)
	ids := groupIDs{}
	for _, g := range wanted {
		slot := slots[g]
		if *slot == nil {
			name := s.securityGroupName(g)
			sg, err := ensure(ctx, s, "security group", "security-groups",
				func() ([]groups.SecGroup, error) { return s.Net.ListSecurityGroups(ctx, groups.ListOpts{Name: name}) },
				func() (*groups.SecGroup, error) {
					return s.Net.CreateSecurityGroup(ctx, groups.CreateOpts{Name: name, Description: "Cluster API managed group " + string(g)})
				},
				func(x groups.SecGroup) string { return x.ID },
				func(x groups.SecGroup) []string { return x.Tags })
			if err != nil {
				return err
			}
			*slot = &infrav1.SecurityGroupStatus{ID: sg.ID, Name: sg.Name}
			rulesChanged = true
			if err := s.save(ctx); err != nil {
				return err
			}
		}
		ids[g] = (*slot).ID
	}
	if !rulesChanged {
		return nil
	}
	for g, want := range desiredRules(spec, ids, apiPort, bastion) {
		if err := s.syncRules(ctx, ids[g], want); err != nil {
			return fmt.Errorf("security group %s: %w", g, err)
		}
	}
	return nil
}

func (s *Service) syncRules(ctx context.Context, groupID string, want []rule) error {
	have, err := s.Net.ListSecurityGroupRules(ctx, rules.ListOpts{SecGroupID: groupID})
	if err != nil {
		return fmt.Errorf("listing rules: %w", err)
	}
	missing, extra := diffRules(want, have)
	if len(missing) > 0 {
		opts := make([]rules.CreateOpts, len(missing))
		for i, r := range missing {
			opts[i] = r.createOpts(groupID, ruleDescription)
		}
		if _, err := s.Net.CreateSecurityGroupRules(ctx, opts); err != nil {
			return fmt.Errorf("creating %d rules: %w", len(opts), err)
		}
	}
	for _, id := range extra {
		if err := clients.IgnoreNotFound(s.Net.DeleteSecurityGroupRule(ctx, id)); err != nil {
			return fmt.Errorf("deleting rule %s: %w", id, err)
		}
	}
	return nil
}

// DeleteSecurityGroups deletes the managed groups, found in status or by name. A group still
// used by ports is a conflict: the caller retries once the ports are gone.
func (s *Service) DeleteSecurityGroups(ctx context.Context, status *infrav1.OpenStackClusterStatus) error {
	for g, slot := range groupSlots(status) {
		// By name as well as by status (see DeleteNetwork).
		var ids []string
		if *slot != nil {
			ids = []string{(*slot).ID}
		}
		found, err := s.Net.ListSecurityGroups(ctx, groups.ListOpts{Name: s.securityGroupName(g)})
		if err != nil {
			return fmt.Errorf("looking up security group %s: %w", g, err)
		}
		for _, f := range found {
			if !slices.Contains(ids, f.ID) {
				ids = append(ids, f.ID)
			}
		}
		for _, id := range ids {
			if err := clients.IgnoreNotFound(s.Net.DeleteSecurityGroup(ctx, id)); err != nil {
				return fmt.Errorf("deleting security group %s (%s): %w", g, id, err)
			}
		}
		*slot = nil
	}
	return nil
}
