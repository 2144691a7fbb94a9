package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

func extractNetwork(r interface{ ExtractInto(any) error }) (*NetworkExt, error) {
	var n NetworkExt
	if err := r.ExtractInto(&n); err != nil {
		return nil, err
	}
	return &n, nil
}

func extractNetworks(page pagination.Page) ([]NetworkExt, error) {
	var list []NetworkExt
	err := networks.ExtractNetworksInto(page, &list)
	return list, err
}

func (n network) CreateNetwork(ctx context.Context, opts networks.CreateOptsBuilder) (*NetworkExt, error) {
	ctx, sc, err := n.begin(ctx, "CreateNetwork")
	if err != nil {
		return nil, err
	}
	return extractNetwork(networks.Create(ctx, sc, opts))
}

func (n network) GetNetwork(ctx context.Context, id string) (*NetworkExt, error) {
	ctx, sc, err := n.begin(ctx, "GetNetwork")
	if err != nil {
		return nil, err
	}
	return extractNetwork(networks.Get(ctx, sc, id))
}

func (n network) ListNetworks(ctx context.Context, opts networks.ListOptsBuilder) ([]NetworkExt, error) {
	ctx, sc, err := n.begin(ctx, "ListNetworks")
	if err != nil {
		return nil, err
	}
	return all(ctx, networks.List(sc, opts), extractNetworks)
}

func (n network) UpdateNetwork(ctx context.Context, id string, opts networks.UpdateOptsBuilder) (*NetworkExt, error) {
	ctx, sc, err := n.begin(ctx, "UpdateNetwork")
	if err != nil {
		return nil, err
	}
	return extractNetwork(networks.Update(ctx, sc, id, opts))
}

func (n network) DeleteNetwork(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteNetwork")
	if err != nil {
		return err
	}
	return networks.Delete(ctx, sc, id).ExtractErr()
}

func (n network) CreateSubnet(ctx context.Context, opts subnets.CreateOptsBuilder) (*subnets.Subnet, error) {
	ctx, sc, err := n.begin(ctx, "CreateSubnet")
	if err != nil {
		return nil, err
	}
	return subnets.Create(ctx, sc, opts).Extract()
}

func (n network) GetSubnet(ctx context.Context, id string) (*subnets.Subnet, error) {
	ctx, sc, err := n.begin(ctx, "GetSubnet")
	if err != nil {
		return nil, err
	}
	return subnets.Get(ctx, sc, id).Extract()
}

func (n network) ListSubnets(ctx context.Context, opts subnets.ListOptsBuilder) ([]subnets.Subnet, error) {
	ctx, sc, err := n.begin(ctx, "ListSubnets")
	if err != nil {
		return nil, err
	}
	return all(ctx, subnets.List(sc, opts), subnets.ExtractSubnets)
}

func (n network) UpdateSubnet(ctx context.Context, id string, opts subnets.UpdateOptsBuilder) (*subnets.Subnet, error) {
	ctx, sc, err := n.begin(ctx, "UpdateSubnet")
	if err != nil {
		return nil, err
	}
	return subnets.Update(ctx, sc, id, opts).Extract()
}

func (n network) DeleteSubnet(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteSubnet")
	if err != nil {
		return err
	}
	return subnets.Delete(ctx, sc, id).ExtractErr()
}

func (n network) CreatePort(ctx context.Context, opts ports.CreateOptsBuilder) (*ports.Port, error) {
	ctx, sc, err := n.begin(ctx, "CreatePort")
	if err != nil {
		return nil, err
	}
	return ports.Create(ctx, sc, opts).Extract()
}

func (n network) GetPort(ctx context.Context, id string) (*ports.Port, error) {
	ctx, sc, err := n.begin(ctx, "GetPort")
	if err != nil {
		return nil, err
	}
	return ports.Get(ctx, sc, id).Extract()
}

func (n network) ListPorts(ctx context.Context, opts ports.ListOptsBuilder) ([]ports.Port, error) {
	ctx, sc, err := n.begin(ctx, "ListPorts")
	if err != nil {
		return nil, err
	}
	return all(ctx, ports.List(sc, opts), ports.ExtractPorts)
}

func (n network) UpdatePort(ctx context.Context, id string, opts ports.UpdateOptsBuilder) (*ports.Port, error) {
	ctx, sc, err := n.begin(ctx, "UpdatePort")
	if err != nil {
		return nil, err
	}
	return ports.Update(ctx, sc, id, opts).Extract()
}

func (n network) DeletePort(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeletePort")
	if err != nil {
		return err
	}
	return ports.Delete(ctx, sc, id).ExtractErr()
}
