package scope

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// startSimulator starts a simulator and a Factory reading a Secret "cloud-config" in
// namespace "ns" with its clouds.yaml (clouds "sim" and "sim-appcred").
func startSimulator(t *testing.T, opts simulator.Options, limits clients.RateLimits) (*simulator.Simulator, *Factory) {
	t.Helper()
	sim, err := simulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sim.Start()
	t.Cleanup(sim.Close)
	reader := newSecrets()
	reader.set("ns", "cloud-config", map[string][]byte{CloudsYAMLKey: sim.CloudsYAML("sim"), CACertKey: sim.CACert()})
	if limits == (clients.RateLimits{}) {
		limits = clients.RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 1e6, WriteBurst: 1e6}
	}
	f, err := NewFactory(reader, clients.Options{RateLimits: limits, Retry: clients.Retry{BaseDelay: 10 * time.Millisecond}}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return sim, f
}

var simRef = IdentityRef{Name: "cloud-config", CloudName: "sim"}

func simScope(t *testing.T, f *Factory) *Scope {
	t.Helper()
	s, err := f.ForIdentity(context.Background(), "ns", simRef)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSimulatorOneTokenAndNoDiscovery(t *testing.T) {
	sim, f := startSimulator(t, simulator.Options{}, clients.RateLimits{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 5 {
				s, err := f.ForIdentity(ctx, "ns", simRef)
				if err == nil {
					_, err = s.Compute.ListServers(ctx, clients.ServerFilter{Name: "worker-1"})
				}
				if err == nil {
					_, err = s.Network.ListNetworks(ctx, networks.ListOpts{Name: "public"})
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := sim.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued for 50 reconciles, want 1", n)
	}
	counts := sim.Counts()
	for key, n := range counts {
		if strings.HasPrefix(key, "GET ") && (strings.HasSuffix(key, "/") || strings.HasSuffix(key, "{$}")) {
			t.Errorf("%d version discovery requests %q", n, key)
		}
	}
	if counts.Total() != 1+2*50 {
		t.Errorf("%d requests, want 101: %v", counts.Total(), counts)
	}
}

func TestSimulatorReauthAfterExpiry(t *testing.T) {
	clock := simulator.NewFakeClock(time.Now())
	sim, f := startSimulator(t, simulator.Options{Clock: clock, TokenTTL: time.Hour}, clients.RateLimits{})
	ctx := context.Background()
	if _, err := simScope(t, f).Compute.ListFlavors(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	flavors, err := simScope(t, f).Compute.ListFlavors(ctx)
	if err != nil || len(flavors) == 0 {
		t.Fatalf("after expiry: %v, %v", flavors, err)
	}
	if n := sim.TokensIssued(); n != 2 {
		t.Errorf("%d tokens, want 2", n)
	}
}

func TestSimulatorRetryAfterOnReads(t *testing.T) {
	sim, f := startSimulator(t, simulator.Options{}, clients.RateLimits{})
	s := simScope(t, f)
	ctx := context.Background()
	if err := sim.AddFault(simulator.Fault{Method: "GET", Path: "/servers/detail", First: 1, Action: simulator.FaultRateLimit, RetryAfter: 1}); err != nil {
		t.Fatal(err)
	}
	sim.ResetCounts()
	start := time.Now()
	if _, err := s.Compute.ListServers(ctx, clients.ServerFilter{}); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %v, want the 1s of Retry-After", elapsed)
	}
	if n := sim.Counts().Total(); n != 2 {
		t.Errorf("%d requests, want 2: %v", n, sim.Counts())
	}

	sim.ClearFaults()
	if err := sim.AddFault(simulator.Fault{Method: "GET", Path: "/servers/detail", First: 1, Action: simulator.FaultRateLimit, RetryAfter: 90}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Compute.ListServers(ctx, clients.ServerFilter{})
	if clients.Classify(err) != clients.KindTransient || clients.RetryAfter(err) != 90*time.Second {
		t.Errorf("got %v, want transient with a 90s requeue", err)
	}
}

func TestSimulatorWriteNotRetriedAndFoundByName(t *testing.T) {
	sim, f := startSimulator(t, simulator.Options{}, clients.RateLimits{})
	s := simScope(t, f)
	ctx := context.Background()
	nets, err := s.Network.ListNetworks(ctx, networks.ListOpts{Name: "public"})
	if err != nil || len(nets) != 1 || !nets[0].External {
		t.Fatalf("public network: %+v, %v", nets, err)
	}
	if err := sim.AddFault(simulator.Fault{Method: "POST", Path: "/servers$", First: 1, Action: simulator.FaultApplyThenError, Status: 503}); err != nil {
		t.Fatal(err)
	}
	sim.ResetCounts()
	create := servers.CreateOpts{Name: "worker.1", FlavorRef: "1", ImageRef: imageID(t, s, "cirros-0.6.3-x86_64-disk"),
		Networks: []servers.Network{{UUID: nets[0].ID}}, Tags: []string{"cluster-a"}}
	_, err = s.Compute.CreateServer(ctx, create, nil)
	if clients.Classify(err) != clients.KindTransient {
		t.Fatalf("got %v, want a transient error", err)
	}
	if n := sim.Counts().Writes(); n != 1 {
		t.Errorf("%d writes, want 1: the POST must not be retried", n)
	}
	create.Name = "worker-1"
	if _, err := s.Compute.CreateServer(ctx, create, nil); err != nil {
		t.Fatal(err)
	}
	found, err := s.Compute.ListServers(ctx, clients.ServerFilter{Name: "worker.1", Tags: []string{"cluster-a"}})
	if err != nil || len(found) != 1 || found[0].Name != "worker.1" {
		t.Errorf("exact-name lookup found %d servers (%v), want the one created despite the 503", len(found), err)
	}
}

func imageID(t *testing.T, s *Scope, name string) string {
	t.Helper()
	found, err := s.Image.ListImages(context.Background(), images.ListOpts{Name: name})
	if err != nil || len(found) != 1 {
		t.Fatalf("image %q: %v, %v", name, found, err)
	}
	return found[0].ID
}

func TestSimulatorPagination(t *testing.T) {
	sim, f := startSimulator(t, simulator.Options{}, clients.RateLimits{})
	for i := range 30 {
		sim.AddImage(simulator.Image{Name: fmt.Sprintf("img-%02d", i), Tags: []string{"paged"}})
	}
	s := simScope(t, f)
	ctx := context.Background()
	sim.ResetCounts()
	found, err := s.Image.ListImages(ctx, images.ListOpts{Tags: []string{"paged"}})
	if err != nil || len(found) != 30 {
		t.Fatalf("got %d images, %v; want 30", len(found), err)
	}
	if n := sim.Counts().Total(); n < 2 {
		t.Errorf("%d requests: the list did not span pages", n)
	}
	net, err := s.Network.CreateNetwork(ctx, networks.CreateOpts{Name: "paging"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Network.CreatePort(ctx, ports.CreateOpts{NetworkID: net.ID, Name: fmt.Sprintf("p%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Network.ListPorts(ctx, ports.ListOpts{NetworkID: net.ID, Limit: 2})
	if err != nil || len(all) != 5 {
		t.Errorf("got %d ports, %v; want 5 across pages of 2", len(all), err)
	}
}

func TestSimulatorErrorClassification(t *testing.T) {
	sim, f := startSimulator(t, simulator.Options{}, clients.RateLimits{})
	s := simScope(t, f)
	ctx := context.Background()

	_, err := s.Compute.GetServer(ctx, "0b6a5e4e-0000-0000-0000-000000000000")
	if !clients.IsNotFound(err) || clients.UserMessage(err) == "" {
		t.Errorf("missing server: %v", err)
	}
	net, err := s.Network.CreateNetwork(ctx, networks.CreateOpts{Name: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Network.CreateSubnet(ctx, subnets.CreateOpts{NetworkID: net.ID, CIDR: "10.0.0.0/33", IPVersion: 4})
	if clients.Classify(err) != clients.KindBadRequest || clients.UserMessage(err) == "" {
		t.Errorf("bad CIDR: %v (%v)", err, clients.Classify(err))
	}
	if _, err := s.Network.CreatePort(ctx, ports.CreateOpts{NetworkID: net.ID}); err != nil {
		t.Fatal(err)
	}
	err = s.Network.DeleteNetwork(ctx, net.ID)
	if !clients.IsConflict(err) {
		t.Errorf("deleting a network with ports: %v (%v)", err, clients.Classify(err))
	}
	q := simulator.DefaultQuota()
	q.Networks = 1
	if err := sim.SetQuota(s.ProjectID, q); err != nil {
		t.Fatal(err)
	}
	_, err = s.Network.CreateNetwork(ctx, networks.CreateOpts{Name: "one-too-many"})
	if clients.Classify(err) != clients.KindOverQuota || !strings.Contains(strings.ToLower(clients.UserMessage(err)), "quota") {
		t.Errorf("over quota: %v (%v)", err, clients.Classify(err))
	}
}

func TestSimulatorTLSAndApplicationCredential(t *testing.T) {
	sim, f := startSimulator(t, simulator.Options{TLS: true}, clients.RateLimits{})
	ctx := context.Background()
	for _, cloud := range []string{"sim", "sim-appcred"} {
		s, err := f.ForIdentity(ctx, "ns", IdentityRef{Name: "cloud-config", CloudName: cloud})
		if err != nil {
			t.Fatalf("%s: %v", cloud, err)
		}
		if _, err := s.Compute.ListAvailabilityZones(ctx); err != nil {
			t.Errorf("%s: %v", cloud, err)
		}
	}
	noCA := newSecrets()
	noCA.set("ns", "cloud-config", map[string][]byte{CloudsYAMLKey: sim.CloudsYAML("sim")})
	plain, err := NewFactory(noCA, clients.Options{}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.ForIdentity(ctx, "ns", simRef); !errors.Is(err, ErrInvalidIdentity) {
		t.Errorf("without cacert: %v, want an invalid identity", err)
	}
}

func TestSimulatorClientRateLimit(t *testing.T) {
	_, f := startSimulator(t, simulator.Options{}, clients.RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 20, WriteBurst: 1})
	s := simScope(t, f)
	ctx := context.Background()
	start := time.Now()
	for i := range 6 {
		if _, err := s.Network.CreateNetwork(ctx, networks.CreateOpts{Name: fmt.Sprintf("n%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Errorf("6 writes at 20/s took %v, want >= 250ms", elapsed)
	}
}
