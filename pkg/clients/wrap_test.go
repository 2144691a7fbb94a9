package clients_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

type seen struct {
	mu    sync.Mutex
	paths []string
}

func (s *seen) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			s.mu.Lock()
			s.paths = append(s.paths, req.Method+" "+req.URL.Path)
			s.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// WrapTransport sees every request, the token request included.
func TestWrapTransportSeesEveryRequest(t *testing.T) {
	sim, err := simulator.New(simulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sim.Start()
	t.Cleanup(sim.Close)
	var s seen
	cfg := clients.Config{
		Auth: gophercloud.AuthOptions{
			IdentityEndpoint: sim.URL() + "/identity", Username: "demo", Password: simulator.DefaultPassword, DomainName: "Default",
			Scope: &gophercloud.AuthScope{ProjectName: "demo", DomainName: "Default"},
		},
		Endpoint: gophercloud.EndpointOpts{Region: "RegionOne"},
	}
	set, err := clients.NewClientSet(context.Background(), cfg, clients.NewLimiter(clients.RateLimits{}), clients.Options{WrapTransport: s.wrap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	if _, err := set.Compute.ListAvailabilityZones(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /identity/v3/auth/tokens", "GET /compute/v2.1/os-availability-zone"}
	if len(s.paths) != len(want) || s.paths[0] != want[0] || s.paths[1] != want[1] {
		t.Errorf("the wrapper saw %q, want %q", s.paths, want)
	}
}
