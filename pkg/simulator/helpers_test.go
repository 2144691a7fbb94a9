package simulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// env is a started simulator on a fake clock with gophercloud clients for
// the demo project.
type env struct {
	t        testing.TB
	sim      *Simulator
	clock    *FakeClock
	provider *gophercloud.ProviderClient
	compute  *gophercloud.ServiceClient
	network  *gophercloud.ServiceClient
	image    *gophercloud.ServiceClient
	volume   *gophercloud.ServiceClient
	lb       *gophercloud.ServiceClient
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	clock := NewFakeClock(epoch)
	opts.Clock = clock
	sim, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sim.Start()
	t.Cleanup(sim.Close)
	e := &env{t: t, sim: sim, clock: clock}
	e.provider = e.authenticate(gophercloudAuth(sim))
	eo := gophercloud.EndpointOpts{Region: sim.opts.Region}
	e.compute = computeClient(t, e)
	e.network = networkClient(t, e)
	e.image = must(t)(openstack.NewImageV2(e.provider, eo))
	e.volume = must(t)(openstack.NewBlockStorageV3(e.provider, eo))
	e.lb = must(t)(openstack.NewLoadBalancerV2(e.provider, eo))
	return e
}

func gophercloudAuth(sim *Simulator) gophercloud.AuthOptions {
	return gophercloud.AuthOptions{
		IdentityEndpoint: sim.URL() + "/identity", Username: "demo", Password: DefaultPassword,
		DomainName: "Default", TenantName: "demo", AllowReauth: true,
	}
}

func must(t testing.TB) func(*gophercloud.ServiceClient, error) *gophercloud.ServiceClient {
	return func(c *gophercloud.ServiceClient, err error) *gophercloud.ServiceClient {
		t.Helper()
		ok(t, err)
		return c
	}
}

// computeClient uses microversion 2.60, as the provider does.
func computeClient(t testing.TB, e *env) *gophercloud.ServiceClient {
	c := must(t)(openstack.NewComputeV2(e.provider, gophercloud.EndpointOpts{Region: e.sim.opts.Region}))
	c.Microversion = "2.60"
	return c
}

func networkClient(t testing.TB, e *env) *gophercloud.ServiceClient {
	return must(t)(openstack.NewNetworkV2(e.provider, gophercloud.EndpointOpts{Region: e.sim.opts.Region}))
}

func (e *env) authenticate(ao gophercloud.AuthOptions) *gophercloud.ProviderClient {
	e.t.Helper()
	p, err := openstack.AuthenticatedClient(context.Background(), ao)
	if err != nil {
		e.t.Fatalf("authenticate: %v", err)
	}
	return p
}

// fast returns options whose latencies are all one nanosecond, so a single
// clock tick completes every transition.
func fast() Options {
	return Options{Latency: Latencies{
		ServerBuild: 1, ServerDelete: 1, VolumeCreate: 1, VolumeDelete: 1,
		LoadBalancerCreate: 1, LoadBalancerUpdate: 1, LoadBalancerDelete: 1, LoadBalancerChild: 1,
	}}
}

var ctx = context.Background()

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantStatus fails unless err is an HTTP error with the given status code.
func wantStatus(t testing.TB, err error, code int) {
	t.Helper()
	if !gophercloud.ResponseCodeIs(err, code) {
		t.Fatalf("want HTTP %d, got %v", code, err)
	}
}

// body returns the response body of an HTTP error.
func body(t testing.TB, err error) string {
	t.Helper()
	var e gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &e) {
		t.Fatalf("not an HTTP error: %v", err)
	}
	return string(e.Body)
}

func get(t testing.TB, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	ok(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// netWithSubnet creates a network with one subnet in the demo project.
func (e *env) netWithSubnet(name, cidr string) (*networks.Network, *subnets.Subnet) {
	e.t.Helper()
	n, err := networks.Create(ctx, e.network, networks.CreateOpts{Name: name}).Extract()
	ok(e.t, err)
	sn, err := subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: cidr, IPVersion: 4, Name: name + "-subnet"}).Extract()
	ok(e.t, err)
	return n, sn
}

// imageID returns the ID of a seeded image by name.
func (e *env) imageID(name string) string {
	e.t.Helper()
	for _, r := range e.sim.Inventory() {
		if r.Type == "image" && r.Name == name {
			return r.ID
		}
	}
	e.t.Fatalf("no image %q", name)
	return ""
}

// publicNet returns the seeded external network's ID.
func (e *env) publicNet() string {
	e.t.Helper()
	for _, r := range e.sim.Inventory() {
		if r.Type == "network" && r.Name == "public" {
			return r.ID
		}
	}
	e.t.Fatal("no public network")
	return ""
}

func (e *env) projectID(name string) string {
	e.sim.mu.Lock()
	defer e.sim.mu.Unlock()
	return e.sim.projectByName(name).project.ID
}

func serverOnPort(name, image, portID string) servers.CreateOpts {
	return servers.CreateOpts{Name: name, FlavorRef: "1", ImageRef: image, Networks: []servers.Network{{Port: portID}}}
}

// deleteServerNow deletes a server and advances the clock until it is gone.
func deleteServerNow(t testing.TB, e *env, id string) {
	t.Helper()
	ok(t, servers.Delete(ctx, e.compute, id).ExtractErr())
	e.clock.Advance(e.sim.lat.ServerDelete)
	wantStatus(t, servers.Get(ctx, e.compute, id).Err, 404)
}

// errorsAsTLS finds a certificate error wrapped by url.Error and gophercloud.
func errorsAsTLS(err error, target *x509.UnknownAuthorityError) bool {
	if errors.As(err, target) {
		return true
	}
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv) && errors.As(cv.Err, target)
}
