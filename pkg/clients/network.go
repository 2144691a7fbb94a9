package clients

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/mtu"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/trunks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

//go:generate go -C ../../hack/tools tool mockgen -typed -source=../../pkg/clients/network.go -destination=../../pkg/clients/mock/network.go -package=mock

// Network is the part of Neutron the provider uses. Neutron's name filters match exactly.
// Option builders may be wrapped in gophercloud's extension options (external, portsecurity...).
type Network interface {
	CreateNetwork(ctx context.Context, opts networks.CreateOptsBuilder) (*NetworkExt, error)
	GetNetwork(ctx context.Context, id string) (*NetworkExt, error)
	ListNetworks(ctx context.Context, opts networks.ListOptsBuilder) ([]NetworkExt, error)
	UpdateNetwork(ctx context.Context, id string, opts networks.UpdateOptsBuilder) (*NetworkExt, error)
	DeleteNetwork(ctx context.Context, id string) error

	CreateSubnet(ctx context.Context, opts subnets.CreateOptsBuilder) (*subnets.Subnet, error)
	GetSubnet(ctx context.Context, id string) (*subnets.Subnet, error)
	ListSubnets(ctx context.Context, opts subnets.ListOptsBuilder) ([]subnets.Subnet, error)
	UpdateSubnet(ctx context.Context, id string, opts subnets.UpdateOptsBuilder) (*subnets.Subnet, error)
	DeleteSubnet(ctx context.Context, id string) error

	CreateRouter(ctx context.Context, opts routers.CreateOptsBuilder) (*routers.Router, error)
	GetRouter(ctx context.Context, id string) (*routers.Router, error)
	ListRouters(ctx context.Context, opts routers.ListOptsBuilder) ([]routers.Router, error)
	UpdateRouter(ctx context.Context, id string, opts routers.UpdateOptsBuilder) (*routers.Router, error)
	DeleteRouter(ctx context.Context, id string) error
	AddRouterInterface(ctx context.Context, id string, opts routers.AddInterfaceOptsBuilder) (*routers.InterfaceInfo, error)
	RemoveRouterInterface(ctx context.Context, id string, opts routers.RemoveInterfaceOptsBuilder) (*routers.InterfaceInfo, error)

	CreatePort(ctx context.Context, opts ports.CreateOptsBuilder) (*ports.Port, error)
	GetPort(ctx context.Context, id string) (*ports.Port, error)
	ListPorts(ctx context.Context, opts ports.ListOptsBuilder) ([]ports.Port, error)
	UpdatePort(ctx context.Context, id string, opts ports.UpdateOptsBuilder) (*ports.Port, error)
	DeletePort(ctx context.Context, id string) error

	CreateSecurityGroup(ctx context.Context, opts groups.CreateOptsBuilder) (*groups.SecGroup, error)
	GetSecurityGroup(ctx context.Context, id string) (*groups.SecGroup, error)
	ListSecurityGroups(ctx context.Context, opts groups.ListOpts) ([]groups.SecGroup, error)
	UpdateSecurityGroup(ctx context.Context, id string, opts groups.UpdateOptsBuilder) (*groups.SecGroup, error)
	DeleteSecurityGroup(ctx context.Context, id string) error
	// CreateSecurityGroupRules creates all rules in one request; Neutron creates all or none.
	CreateSecurityGroupRules(ctx context.Context, opts []rules.CreateOpts) ([]rules.SecGroupRule, error)
	ListSecurityGroupRules(ctx context.Context, opts rules.ListOptsBuilder) ([]rules.SecGroupRule, error)
	DeleteSecurityGroupRule(ctx context.Context, id string) error

	CreateFloatingIP(ctx context.Context, opts floatingips.CreateOptsBuilder) (*floatingips.FloatingIP, error)
	GetFloatingIP(ctx context.Context, id string) (*floatingips.FloatingIP, error)
	ListFloatingIPs(ctx context.Context, opts floatingips.ListOptsBuilder) ([]floatingips.FloatingIP, error)
	// UpdateFloatingIP associates (PortID set) or disassociates (PortID nil) a floating IP.
	UpdateFloatingIP(ctx context.Context, id string, opts floatingips.UpdateOptsBuilder) (*floatingips.FloatingIP, error)
	DeleteFloatingIP(ctx context.Context, id string) error

	CreateTrunk(ctx context.Context, opts trunks.CreateOptsBuilder) (*trunks.Trunk, error)
	GetTrunk(ctx context.Context, id string) (*trunks.Trunk, error)
	ListTrunks(ctx context.Context, opts trunks.ListOptsBuilder) ([]trunks.Trunk, error)
	DeleteTrunk(ctx context.Context, id string) error
	ListTrunkSubports(ctx context.Context, trunkID string) ([]trunks.Subport, error)
	AddTrunkSubports(ctx context.Context, trunkID string, opts trunks.AddSubportsOptsBuilder) (*trunks.Trunk, error)
	RemoveTrunkSubports(ctx context.Context, trunkID string, opts trunks.RemoveSubportsOptsBuilder) (*trunks.Trunk, error)

	// ListExtensions returns the Neutron API extensions, to check for trunk or port security support.
	ListExtensions(ctx context.Context) ([]extensions.Extension, error)
	// ReplaceTags sets the tags of a resource; resourceType is the plural collection name
	// ("networks", "subnets", "ports", "routers", "security-groups", "floatingips", "trunks").
	ReplaceTags(ctx context.Context, resourceType, id string, tags []string) ([]string, error)
}

// NetworkExt is a Neutron network with the extension attributes the provider reads.
type NetworkExt struct {
	networks.Network
	external.NetworkExternalExt
	mtu.NetworkMTUExt
	portsecurity.PortSecurityExt
}

type network struct{ service }

// NewNetwork builds the Neutron client once from the provider's catalog. If the catalog has no
// network endpoint, every call returns that error.
func NewNetwork(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) Network {
	sc, err := newServiceClient(provider, eo, "network")
	if err == nil {
		sc.ResourceBase = sc.Endpoint + "v2.0/"
	}
	return network{newService(ServiceNetwork, sc, eo, err)}
}

func (n network) ListExtensions(ctx context.Context) ([]extensions.Extension, error) {
	ctx, sc, err := n.begin(ctx, "ListExtensions")
	if err != nil {
		return nil, err
	}
	return all(ctx, extensions.List(sc), extensions.ExtractExtensions)
}

func (n network) ReplaceTags(ctx context.Context, resourceType, id string, tags []string) ([]string, error) {
	ctx, sc, err := n.begin(ctx, "ReplaceTags")
	if err != nil {
		return nil, err
	}
	return attributestags.ReplaceAll(ctx, sc, resourceType, id, attributestags.ReplaceAllOpts{Tags: tags}).Extract()
}
