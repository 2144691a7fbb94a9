package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/monitors"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
)

func (l loadBalancer) CreatePool(ctx context.Context, opts pools.CreateOptsBuilder) (*pools.Pool, error) {
	ctx, sc, err := l.begin(ctx, "CreatePool")
	if err != nil {
		return nil, err
	}
	return pools.Create(ctx, sc, opts).Extract()
}

func (l loadBalancer) GetPool(ctx context.Context, id string) (*pools.Pool, error) {
	ctx, sc, err := l.begin(ctx, "GetPool")
	if err != nil {
		return nil, err
	}
	return pools.Get(ctx, sc, id).Extract()
}

func (l loadBalancer) ListPools(ctx context.Context, opts pools.ListOptsBuilder) ([]pools.Pool, error) {
	ctx, sc, err := l.begin(ctx, "ListPools")
	if err != nil {
		return nil, err
	}
	return all(ctx, pools.List(sc, opts), pools.ExtractPools)
}

func (l loadBalancer) UpdatePool(ctx context.Context, id string, opts pools.UpdateOptsBuilder) (*pools.Pool, error) {
	ctx, sc, err := l.begin(ctx, "UpdatePool")
	if err != nil {
		return nil, err
	}
	return pools.Update(ctx, sc, id, opts).Extract()
}

func (l loadBalancer) DeletePool(ctx context.Context, id string) error {
	ctx, sc, err := l.begin(ctx, "DeletePool")
	if err != nil {
		return err
	}
	return pools.Delete(ctx, sc, id).ExtractErr()
}

func (l loadBalancer) CreateMember(ctx context.Context, poolID string, opts pools.CreateMemberOptsBuilder) (*pools.Member, error) {
	ctx, sc, err := l.begin(ctx, "CreateMember")
	if err != nil {
		return nil, err
	}
	return pools.CreateMember(ctx, sc, poolID, opts).Extract()
}

func (l loadBalancer) GetMember(ctx context.Context, poolID, id string) (*pools.Member, error) {
	ctx, sc, err := l.begin(ctx, "GetMember")
	if err != nil {
		return nil, err
	}
	return pools.GetMember(ctx, sc, poolID, id).Extract()
}

func (l loadBalancer) ListMembers(ctx context.Context, poolID string, opts pools.ListMembersOptsBuilder) ([]pools.Member, error) {
	ctx, sc, err := l.begin(ctx, "ListMembers")
	if err != nil {
		return nil, err
	}
	return all(ctx, pools.ListMembers(sc, poolID, opts), pools.ExtractMembers)
}

func (l loadBalancer) UpdateMember(ctx context.Context, poolID, id string, opts pools.UpdateMemberOptsBuilder) (*pools.Member, error) {
	ctx, sc, err := l.begin(ctx, "UpdateMember")
	if err != nil {
		return nil, err
	}
	return pools.UpdateMember(ctx, sc, poolID, id, opts).Extract()
}

func (l loadBalancer) DeleteMember(ctx context.Context, poolID, id string) error {
	ctx, sc, err := l.begin(ctx, "DeleteMember")
	if err != nil {
		return err
	}
	return pools.DeleteMember(ctx, sc, poolID, id).ExtractErr()
}

func (l loadBalancer) CreateMonitor(ctx context.Context, opts monitors.CreateOptsBuilder) (*monitors.Monitor, error) {
	ctx, sc, err := l.begin(ctx, "CreateMonitor")
	if err != nil {
		return nil, err
	}
	return monitors.Create(ctx, sc, opts).Extract()
}

func (l loadBalancer) GetMonitor(ctx context.Context, id string) (*monitors.Monitor, error) {
	ctx, sc, err := l.begin(ctx, "GetMonitor")
	if err != nil {
		return nil, err
	}
	return monitors.Get(ctx, sc, id).Extract()
}

func (l loadBalancer) ListMonitors(ctx context.Context, opts monitors.ListOptsBuilder) ([]monitors.Monitor, error) {
	ctx, sc, err := l.begin(ctx, "ListMonitors")
	if err != nil {
		return nil, err
	}
	return all(ctx, monitors.List(sc, opts), monitors.ExtractMonitors)
}

func (l loadBalancer) UpdateMonitor(ctx context.Context, id string, opts monitors.UpdateOptsBuilder) (*monitors.Monitor, error) {
	ctx, sc, err := l.begin(ctx, "UpdateMonitor")
	if err != nil {
		return nil, err
	}
	return monitors.Update(ctx, sc, id, opts).Extract()
}

func (l loadBalancer) DeleteMonitor(ctx context.Context, id string) error {
	ctx, sc, err := l.begin(ctx, "DeleteMonitor")
	if err != nil {
		return err
	}
	return monitors.Delete(ctx, sc, id).ExtractErr()
}
