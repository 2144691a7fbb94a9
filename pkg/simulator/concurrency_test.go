package simulator

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

func TestConcurrentServers(t *testing.T) {
	e := newEnv(t, fast())
	n, _ := e.netWithSubnet("n", "10.0.0.0/16")
	img := e.imageID("ubuntu-2404-kube-v1.36")
	const workers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				srv, err := servers.Create(ctx, e.compute, servers.CreateOpts{
					Name: fmt.Sprintf("w%d-%d", w, i), FlavorRef: "1", ImageRef: img,
					Networks: []servers.Network{{UUID: n.ID}}, Tags: []string{"load"},
				}, nil).Extract()
				if err == nil {
					_, err = servers.Get(ctx, e.compute, srv.ID).Extract()
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() { // readers racing the writers
		for range 10 {
			if _, err := servers.List(e.compute, servers.ListOpts{Limit: 25}).AllPages(ctx); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := len(e.sim.Leaks("load")); got != workers*each {
		t.Fatalf("%d servers, want %d", got, workers*each)
	}
	// Every port got a distinct address.
	page, err := ports.List(e.network, ports.ListOpts{NetworkID: n.ID}).AllPages(ctx)
	ok(t, err)
	all, err := ports.ExtractPorts(page)
	ok(t, err)
	seen := map[string]bool{}
	for _, p := range all {
		seen[p.FixedIPs[0].IPAddress] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct addresses for %d ports", len(seen), len(all))
	}
}
