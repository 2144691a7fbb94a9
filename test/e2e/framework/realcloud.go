package framework

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"sigs.k8s.io/yaml"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// Environment variables that point the framework at a real OpenStack instead of the simulator.
const (
	// EnvCloudsYAML is the path of a clouds.yaml; when set, the framework starts no simulator.
	EnvCloudsYAML = "E2E_CLOUDS_YAML"
	// EnvCloud is the entry of that clouds.yaml to use (default "openstack").
	EnvCloud = "E2E_CLOUD"
	// EnvExternalNetwork is the name of the external network (default "public").
	EnvExternalNetwork = "E2E_EXTERNAL_NETWORK"
)

// RealCloud is a real OpenStack the scenarios run against. It must have what the simulator
// seeds: the image Image, the flavors ControlPlaneFlavor, NodeFlavor and OverQuotaFlavor, and
// an external network (hack/openstack/up.sh creates them).
type RealCloud struct {
	// CloudsYAML holds the chosen cloud only, renamed CloudName: what the templates and the
	// clusters' identityRef name.
	CloudsYAML []byte
	// ExternalNetwork is the external network's name.
	ExternalNetwork string

	auth     gophercloud.AuthOptions
	endpoint gophercloud.EndpointOpts
	sweep    sweeper
}

// RealCloudFromEnv reads EnvCloudsYAML and EnvCloud; it returns nil when EnvCloudsYAML is unset.
func RealCloudFromEnv() (*RealCloud, error) {
	path := os.Getenv(EnvCloudsYAML)
	if path == "" {
		return nil, nil
	}
	name := os.Getenv(EnvCloud)
	if name == "" {
		name = CloudName
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return NewRealCloud(data, name, os.Getenv(EnvExternalNetwork))
}

// NewRealCloud uses the entry name of cloudsYAML; externalNetwork "" means "public".
func NewRealCloud(cloudsYAML []byte, name, externalNetwork string) (*RealCloud, error) {
	var doc struct {
		Clouds map[string]any `json:"clouds"`
	}
	if err := yaml.Unmarshal(cloudsYAML, &doc); err != nil {
		return nil, fmt.Errorf("clouds.yaml: %w", err)
	}
	entry, ok := doc.Clouds[name]
	if !ok {
		return nil, fmt.Errorf("clouds.yaml has no cloud %q", name)
	}
	out, err := yaml.Marshal(map[string]any{"clouds": map[string]any{CloudName: entry}})
	if err != nil {
		return nil, err
	}
	auth, endpoint, _, err := clouds.Parse(clouds.WithCloudsYAML(bytes.NewReader(out)), clouds.WithCloudName(CloudName))
	if err != nil {
		return nil, fmt.Errorf("clouds.yaml cloud %q: %w", name, err)
	}
	auth.AllowReauth = true
	if externalNetwork == "" {
		externalNetwork = "public"
	}
	return &RealCloud{CloudsYAML: out, ExternalNetwork: externalNetwork, auth: auth, endpoint: endpoint}, nil
}

// provider authenticates a client of the cloud's project for tests, separate from the
// manager's clients.
func (c *RealCloud) provider(ctx context.Context) (*gophercloud.ProviderClient, error) {
	return openstack.AuthenticatedClient(ctx, c.auth)
}

// externalNetworkID finds the external network by name.
func (c *RealCloud) externalNetworkID(ctx context.Context) (string, error) {
	p, err := c.provider(ctx)
	if err != nil {
		return "", err
	}
	sc, err := openstack.NewNetworkV2(p, c.endpoint)
	if err != nil {
		return "", err
	}
	pages, err := networks.List(sc, networks.ListOpts{Name: c.ExternalNetwork}).AllPages(ctx)
	if err != nil {
		return "", err
	}
	found, err := networks.ExtractNetworks(pages)
	if err != nil {
		return "", err
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%d networks named %q, want one external network", len(found), c.ExternalNetwork)
	}
	return found[0].ID, nil
}

// IsRealCloud tells whether the framework runs against a real OpenStack (no simulator).
func (f *Framework) IsRealCloud() bool { return f.Real != nil }

// OverQuotaFlavor is a flavor with more vCPUs than the demo project's quota admits: the
// harness of hack/openstack creates it in the real cloud, Start adds it to the simulator.
const OverQuotaFlavor = "e2e.overquota"

// overQuotaVCPUs exceed the simulator's default quota (and the harness's demo quota).
const overQuotaVCPUs = 40000

// ProviderClient authenticates a new client of the demo project (the simulator's or the real
// cloud's) for tests that create resources themselves, such as a network a cluster brings.
func (f *Framework) ProviderClient(ctx context.Context) (*gophercloud.ProviderClient, gophercloud.EndpointOpts, error) {
	if f.Real != nil {
		p, err := f.Real.provider(ctx)
		return p, f.Real.endpoint, err
	}
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: f.Sim.URL() + "/identity", Username: "demo", Password: f.Sim.Password(),
		DomainName: "Default", TenantName: "demo", AllowReauth: true,
	})
	return p, gophercloud.EndpointOpts{Region: "RegionOne"}, err
}

// Leaks lists the resources tagged tag (any tag of the provider's when "") left in the cloud.
func (f *Framework) Leaks(ctx context.Context, tag string) ([]simulator.Resource, error) {
	if f.Real != nil {
		return f.Real.Sweep(ctx, tag)
	}
	return f.Sim.Leaks(tag), nil
}

// HasVolumes tells whether the cloud has Cinder (the simulator always has).
func (f *Framework) HasVolumes(ctx context.Context) bool {
	if f.Real == nil {
		return true
	}
	s, err := f.Real.clients(ctx)
	return err == nil && s.blockStorage != nil
}
