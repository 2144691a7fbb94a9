package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
)

func (n network) CreateSecurityGroup(ctx context.Context, opts groups.CreateOptsBuilder) (*groups.SecGroup, error) {
	ctx, sc, err := n.begin(ctx, "CreateSecurityGroup")
	if err != nil {
		return nil, err
	}
	return groups.Create(ctx, sc, opts).Extract()
}

func (n network) GetSecurityGroup(ctx context.Context, id string) (*groups.SecGroup, error) {
	ctx, sc, err := n.begin(ctx, "GetSecurityGroup")
	if err != nil {
		return nil, err
	}
	return groups.Get(ctx, sc, id).Extract()
}

func (n network) ListSecurityGroups(ctx context.Context, opts groups.ListOpts) ([]groups.SecGroup, error) {
	ctx, sc, err := n.begin(ctx, "ListSecurityGroups")
	if err != nil {
		return nil, err
	}
	return all(ctx, groups.List(sc, opts), groups.ExtractGroups)
}

func (n network) UpdateSecurityGroup(ctx context.Context, id string, opts groups.UpdateOptsBuilder) (*groups.SecGroup, error) {
	ctx, sc, err := n.begin(ctx, "UpdateSecurityGroup")
	if err != nil {
		return nil, err
	}
	return groups.Update(ctx, sc, id, opts).Extract()
}

func (n network) DeleteSecurityGroup(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteSecurityGroup")
	if err != nil {
		return err
	}
	return groups.Delete(ctx, sc, id).ExtractErr()
}

func (n network) CreateSecurityGroupRules(ctx context.Context, opts []rules.CreateOpts) ([]rules.SecGroupRule, error) {
	ctx, sc, err := n.begin(ctx, "CreateSecurityGroupRules")
	if err != nil {
		return nil, err
	}
	return rules.CreateBulk(ctx, sc, opts).Extract()
}

func (n network) ListSecurityGroupRules(ctx context.Context, opts rules.ListOptsBuilder) ([]rules.SecGroupRule, error) {
	ctx, sc, err := n.begin(ctx, "ListSecurityGroupRules")
	if err != nil {
		return nil, err
	}
	return all(ctx, rules.List(sc, opts), rules.ExtractRules)
}

func (n network) DeleteSecurityGroupRule(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteSecurityGroupRule")
	if err != nil {
		return err
	}
	return rules.Delete(ctx, sc, id).ExtractErr()
}
