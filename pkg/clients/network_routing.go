package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
)

func (n network) CreateRouter(ctx context.Context, opts routers.CreateOptsBuilder) (*routers.Router, error) {
	ctx, sc, err := n.begin(ctx, "CreateRouter")
	if err != nil {
		return nil, err
	}
	return routers.Create(ctx, sc, opts).Extract()
}

func (n network) GetRouter(ctx context.Context, id string) (*routers.Router, error) {
	ctx, sc, err := n.begin(ctx, "GetRouter")
	if err != nil {
		return nil, err
	}
	return routers.Get(ctx, sc, id).Extract()
}

func (n network) ListRouters(ctx context.Context, opts routers.ListOptsBuilder) ([]routers.Router, error) {
	ctx, sc, err := n.begin(ctx, "ListRouters")
	if err != nil {
		return nil, err
	}
	return all(ctx, routers.List(sc, opts), routers.ExtractRouters)
}

func (n network) UpdateRouter(ctx context.Context, id string, opts routers.UpdateOptsBuilder) (*routers.Router, error) {
	ctx, sc, err := n.begin(ctx, "UpdateRouter")
	if err != nil {
		return nil, err
	}
	return routers.Update(ctx, sc, id, opts).Extract()
}

func (n network) DeleteRouter(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteRouter")
	if err != nil {
		return err
	}
	return routers.Delete(ctx, sc, id).ExtractErr()
}

func (n network) AddRouterInterface(ctx context.Context, id string, opts routers.AddInterfaceOptsBuilder) (*routers.InterfaceInfo, error) {
	ctx, sc, err := n.begin(ctx, "AddRouterInterface")
	if err != nil {
		return nil, err
	}
	return routers.AddInterface(ctx, sc, id, opts).Extract()
}

func (n network) RemoveRouterInterface(ctx context.Context, id string, opts routers.RemoveInterfaceOptsBuilder) (*routers.InterfaceInfo, error) {
	ctx, sc, err := n.begin(ctx, "RemoveRouterInterface")
	if err != nil {
		return nil, err
	}
	return routers.RemoveInterface(ctx, sc, id, opts).Extract()
}

func (n network) CreateFloatingIP(ctx context.Context, opts floatingips.CreateOptsBuilder) (*floatingips.FloatingIP, error) {
	ctx, sc, err := n.begin(ctx, "CreateFloatingIP")
	if err != nil {
		return nil, err
	}
	return floatingips.Create(ctx, sc, opts).Extract()
}

func (n network) GetFloatingIP(ctx context.Context, id string) (*floatingips.FloatingIP, error) {
	ctx, sc, err := n.begin(ctx, "GetFloatingIP")
	if err != nil {
		return nil, err
	}
	return floatingips.Get(ctx, sc, id).Extract()
}

func (n network) ListFloatingIPs(ctx context.Context, opts floatingips.ListOptsBuilder) ([]floatingips.FloatingIP, error) {
	ctx, sc, err := n.begin(ctx, "ListFloatingIPs")
	if err != nil {
		return nil, err
	}
	return all(ctx, floatingips.List(sc, opts), floatingips.ExtractFloatingIPs)
}

func (n network) UpdateFloatingIP(ctx context.Context, id string, opts floatingips.UpdateOptsBuilder) (*floatingips.FloatingIP, error) {
	ctx, sc, err := n.begin(ctx, "UpdateFloatingIP")
	if err != nil {
		return nil, err
	}
	return floatingips.Update(ctx, sc, id, opts).Extract()
}

func (n network) DeleteFloatingIP(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteFloatingIP")
	if err != nil {
		return err
	}
	return floatingips.Delete(ctx, sc, id).ExtractErr()
}

func (n network) CreateTrunk(ctx context.Context, opts trunks.CreateOptsBuilder) (*trunks.Trunk, error) {
	ctx, sc, err := n.begin(ctx, "CreateTrunk")
	if err != nil {
		return nil, err
	}
	return trunks.Create(ctx, sc, opts).Extract()
}

func (n network) GetTrunk(ctx context.Context, id string) (*trunks.Trunk, error) {
	ctx, sc, err := n.begin(ctx, "GetTrunk")
	if err != nil {
		return nil, err
	}
	return trunks.Get(ctx, sc, id).Extract()
}

func (n network) ListTrunks(ctx context.Context, opts trunks.ListOptsBuilder) ([]trunks.Trunk, error) {
	ctx, sc, err := n.begin(ctx, "ListTrunks")
	if err != nil {
		return nil, err
	}
	return all(ctx, trunks.List(sc, opts), trunks.ExtractTrunks)
}

func (n network) DeleteTrunk(ctx context.Context, id string) error {
	ctx, sc, err := n.begin(ctx, "DeleteTrunk")
	if err != nil {
		return err
	}
	return trunks.Delete(ctx, sc, id).ExtractErr()
}

func (n network) ListTrunkSubports(ctx context.Context, trunkID string) ([]trunks.Subport, error) {
	ctx, sc, err := n.begin(ctx, "ListTrunkSubports")
	if err != nil {
		return nil, err
	}
	return trunks.GetSubports(ctx, sc, trunkID).Extract()
}

func (n network) AddTrunkSubports(ctx context.Context, trunkID string, opts trunks.AddSubportsOptsBuilder) (*trunks.Trunk, error) {
	ctx, sc, err := n.begin(ctx, "AddTrunkSubports")
	if err != nil {
		return nil, err
	}
	return trunks.AddSubports(ctx, sc, trunkID, opts).Extract()
}

func (n network) RemoveTrunkSubports(ctx context.Context, trunkID string, opts trunks.RemoveSubportsOptsBuilder) (*trunks.Trunk, error) {
	ctx, sc, err := n.begin(ctx, "RemoveTrunkSubports")
	if err != nil {
		return nil, err
	}
	return trunks.RemoveSubports(ctx, sc, trunkID, opts).Extract()
}
