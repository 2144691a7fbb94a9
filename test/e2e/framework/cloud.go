package framework

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// Resources lists the simulator's live resources of one type ("server", "loadbalancer",
// "member", "network", ...) carrying tag (any when tag is ""), seeded ones excluded.
// Against a real cloud it sweeps the project through the OpenStack APIs (see Sweep), and
// panics when the cloud does not answer: no answer must not read as "nothing left".
func (f *Framework) Resources(typ, tag string) []simulator.Resource {
	if f.Real != nil {
		found, err := f.Real.Sweep(context.Background(), tag, typ)
		if err != nil {
			panic(fmt.Sprintf("sweeping the cloud's %ss tagged %q: %v", typ, tag, err))
		}
		return found
	}
	var out []simulator.Resource
	for _, r := range f.Sim.Inventory() {
		if r.Type == typ && !r.Seeded && (tag == "" || slices.Contains(r.Tags, tag)) {
			out = append(out, r)
		}
	}
	return out
}

// Server is what Nova says about one server, as an operator would see it.
type Server struct {
	ID, Name, Status, AvailabilityZone string
	// UserData is the decoded user data the server was created with.
	UserData []byte
	Tags     []string
}

// computeClient is a Nova client of the simulator's demo project for tests, separate from the
// manager's clients (and their rate limits). Its calls show in the simulator's counters.
type computeClient struct {
	once sync.Once
	sc   *gophercloud.ServiceClient
	err  error
}

func (f *Framework) compute(ctx context.Context) (*gophercloud.ServiceClient, error) {
	f.nova.once.Do(func() {
		if f.Real != nil {
			s, err := f.Real.clients(ctx)
			f.nova.sc, f.nova.err = s.compute, err
			return
		}
		provider, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
			IdentityEndpoint: f.Sim.URL() + "/identity", Username: "demo", Password: f.Sim.Password(),
			DomainName: "Default", TenantName: "demo", AllowReauth: true,
		})
		if err != nil {
			f.nova.err = err
			return
		}
		f.nova.sc, f.nova.err = openstack.NewComputeV2(provider, gophercloud.EndpointOpts{Region: "RegionOne"})
		if f.nova.err == nil {
			f.nova.sc.Microversion = "2.52" // user data (2.3), tags (2.26)
		}
	})
	return f.nova.sc, f.nova.err
}

// GetServer reads one server from Nova.
func (f *Framework) GetServer(ctx context.Context, id string) (*Server, error) {
	sc, err := f.compute(ctx)
	if err != nil {
		return nil, err
	}
	var body struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		Status   string   `json:"status"`
		AZ       string   `json:"OS-EXT-AZ:availability_zone"`
		UserData *string  `json:"OS-EXT-SRV-ATTR:user_data"`
		Tags     []string `json:"tags"`
	}
	if err := servers.Get(ctx, sc, id).ExtractInto(&body); err != nil {
		return nil, err
	}
	s := &Server{ID: body.ID, Name: body.Name, Status: body.Status, AvailabilityZone: body.AZ, Tags: body.Tags}
	if body.UserData != nil {
		if s.UserData, err = base64.StdEncoding.DecodeString(*body.UserData); err != nil {
			return nil, fmt.Errorf("server %s user data: %w", id, err)
		}
	}
	return s, nil
}
