package simulator

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
)

// TestHandler serves the simulator from the caller's own server: the
// catalog follows whatever host the client used.
func TestHandler(t *testing.T) {
	sim, err := New(Options{})
	ok(t, err)
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	if sim.URL() != "" {
		t.Errorf("URL before Start: %q", sim.URL())
	}
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: srv.URL + "/identity", Username: "demo", Password: DefaultPassword, DomainName: "Default", TenantName: "demo",
	})
	ok(t, err)
	compute, err := openstack.NewComputeV2(p, gophercloud.EndpointOpts{})
	ok(t, err)
	if !strings.HasPrefix(compute.Endpoint, srv.URL) {
		t.Errorf("compute endpoint %s", compute.Endpoint)
	}
	_, err = flavors.Get(ctx, compute, "1").Extract()
	ok(t, err)
	if e := errf(409, "Conflict", "in use"); e.Error() != "409 Conflict: in use" {
		t.Errorf("Error() = %q", e.Error())
	}
}
