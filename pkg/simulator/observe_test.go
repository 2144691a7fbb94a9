package simulator

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

func TestCountsInventoryLeaks(t *testing.T) {
	e := newEnv(t, Options{})
	if leaks := e.sim.Leaks(""); len(leaks) != 0 {
		t.Fatalf("fresh simulator leaks %+v", leaks)
	}
	seeded := len(e.sim.Inventory())
	e.sim.ResetCounts()
	n, _ := e.netWithSubnet("n", "10.0.0.0/24")
	srv := e.newServer(servers.CreateOpts{Name: "s", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: []servers.Network{{UUID: n.ID}}, Tags: []string{"cluster-a"}})
	for range 3 {
		e.server(srv.ID)
	}
	_, err := flavors.Get(ctx, e.compute, "1").Extract()
	ok(t, err)
	c := e.sim.Counts()
	if c["GET /compute/v2.1/servers/{id}"] != 3 || c["POST /compute/v2.1/servers"] != 1 || c["POST /networking/v2.0/networks"] != 1 {
		t.Errorf("counts %v", c)
	}
	if c.Writes() != 3 || c.Total() < 7 {
		t.Errorf("writes %d total %d", c.Writes(), c.Total())
	}
	if by := c.ByService(); by["compute"] < 5 || by["network"] != 2 {
		t.Errorf("by service %v", by)
	}
	resp := get(t, e.sim.URL()+"/no/such/path")
	if resp.StatusCode != 404 || e.sim.Counts()["GET (unmatched)"] != 1 {
		t.Errorf("unmatched: %d %v", resp.StatusCode, e.sim.Counts())
	}

	types := map[string]int{}
	for _, r := range e.sim.Inventory() {
		if !r.Seeded {
			types[r.Type]++
		}
	}
	if len(types) != 4 || types["network"] != 1 || types["subnet"] != 1 || types["port"] != 1 || types["server"] != 1 {
		t.Errorf("inventory %v", types)
	}
	tagged := e.sim.Leaks("cluster-a")
	if len(tagged) != 1 || tagged[0].Type != "server" || tagged[0].Status != "BUILD" || tagged[0].Project != "demo" {
		t.Errorf("tagged leaks %+v", tagged)
	}
	deleteServerNow(t, e, srv.ID)
	ok(t, networks.Delete(ctx, e.network, n.ID).ExtractErr())
	if leaks := e.sim.Leaks(""); len(leaks) != 0 {
		t.Errorf("leaks after teardown %+v", leaks)
	}

	// The same through the control API.
	var counters struct {
		Counts       map[string]int `json:"counts"`
		Total        int            `json:"total"`
		TokensIssued int            `json:"tokens_issued"`
	}
	decodeGet(t, e.sim.URL()+"/_sim/counters", &counters)
	if counters.Total == 0 || counters.Counts["DELETE /compute/v2.1/servers/{id}"] != 1 {
		t.Errorf("counters %+v", counters)
	}
	var inventory struct {
		Resources []Resource `json:"resources"`
	}
	decodeGet(t, e.sim.URL()+"/_sim/inventory", &inventory)
	if len(inventory.Resources) != seeded {
		t.Errorf("inventory %d, want %d", len(inventory.Resources), seeded)
	}
	decodeGet(t, e.sim.URL()+"/_sim/leaks?tag=cluster-a", &inventory)
	if len(inventory.Resources) != 0 {
		t.Errorf("leaks %+v", inventory.Resources)
	}
	req, _ := http.NewRequest("DELETE", e.sim.URL()+"/_sim/counters", nil)
	r, err := http.DefaultClient.Do(req)
	ok(t, err)
	r.Body.Close()
	if e.sim.Counts().Total() != 0 || e.sim.TokensIssued() != 0 {
		t.Error("counters not reset")
	}
}

func decodeGet(t *testing.T, url string, v any) {
	t.Helper()
	ok(t, json.NewDecoder(get(t, url).Body).Decode(v))
}

func TestRealClockAndLatency(t *testing.T) {
	sim, err := New(Options{Latency: Latencies{ServerBuild: 20 * time.Millisecond, NeutronCRUD: 5 * time.Millisecond}})
	ok(t, err)
	sim.Start()
	defer sim.Close()
	e := &env{t: t, sim: sim}
	e.provider = e.authenticate(gophercloudAuth(sim))
	e.compute, e.network = computeClient(t, e), networkClient(t, e)
	start := time.Now()
	_, err = networks.Create(ctx, e.network, networks.CreateOpts{Name: "slow"}).Extract()
	ok(t, err)
	if time.Since(start) < 5*time.Millisecond {
		t.Error("Neutron latency not applied")
	}
	srv := e.newServer(servers.CreateOpts{Name: "s", FlavorRef: "1", ImageRef: e.imageID("cirros-0.6.3-x86_64-disk"), Networks: "none"})
	deadline := time.Now().Add(5 * time.Second)
	for e.server(srv.ID).Status != "ACTIVE" {
		if time.Now().After(deadline) {
			t.Fatal("server never became ACTIVE")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
