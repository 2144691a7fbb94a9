package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/availabilityzones"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

func TestNovaMicroversions(t *testing.T) {
	e := newEnv(t, Options{})
	mv, err := utils.GetSupportedMicroversions(ctx, e.compute)
	ok(t, err)
	if mv.MinMajor != 2 || mv.MinMinor != 1 || mv.MaxMinor != novaMaxMinor {
		t.Fatalf("microversions %+v", mv)
	}
	resp := get(t, e.sim.URL()+"/compute/")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /compute/: %d", resp.StatusCode)
	}
	for version, code := range map[string]int{"2.60": 200, "latest": 200, "2.999": 406, "3.1": 400, "bogus": 400} {
		req, _ := http.NewRequest("GET", e.sim.URL()+novaPrefix+"/flavors", nil)
		req.Header.Set("X-Auth-Token", e.provider.TokenID)
		req.Header.Set("X-OpenStack-Nova-API-Version", version)
		resp, err := http.DefaultClient.Do(req)
		ok(t, err)
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("version %s: %d, want %d", version, resp.StatusCode, code)
		}
		if code == 200 && !strings.HasPrefix(resp.Header.Get("OpenStack-API-Version"), "compute 2.") {
			t.Errorf("version %s: header %q", version, resp.Header.Get("OpenStack-API-Version"))
		}
	}
}

func TestFlavorsAndZones(t *testing.T) {
	e := newEnv(t, Options{})
	pages := 0
	var all []flavors.Flavor
	ok(t, flavors.ListDetail(e.compute, flavors.ListOpts{Limit: 2}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		pages++
		fs, err := flavors.ExtractFlavors(p)
		all = append(all, fs...)
		return true, err
	}))
	if len(all) != 5 || pages != 3 {
		t.Fatalf("%d flavors in %d pages", len(all), pages)
	}
	f, err := flavors.Get(ctx, e.compute, "5").Extract()
	ok(t, err)
	if f.Name != "m1.xlarge" || f.VCPUs != 8 || f.RAM != 16384 || f.Disk != 160 {
		t.Errorf("flavor %+v", f)
	}
	wantStatus(t, flavors.Get(ctx, e.compute, "nope").Err, 404)
	specs, err := flavors.ListExtraSpecs(ctx, e.compute, "1").Extract()
	ok(t, err)
	if specs == nil || len(specs) != 0 {
		t.Errorf("extra specs %v", specs)
	}
	wantStatus(t, flavors.ListExtraSpecs(ctx, e.compute, "nope").Err, 404)
	// keystoneauth asks for version documents without the trailing slash.
	for _, path := range []string{"/identity", "/compute", "/networking", "/image", "/volume", "/load-balancer"} {
		if code := get(t, e.sim.URL()+path).StatusCode; code != 200 && code != 300 {
			t.Errorf("GET %s: %d", path, code)
		}
	}

	page, err := availabilityzones.ListDetail(e.compute).AllPages(ctx)
	ok(t, err)
	zones, err := availabilityzones.ExtractAvailabilityZones(page)
	ok(t, err)
	if len(zones) != 3 || zones[2].ZoneName != "az3" || !zones[0].ZoneState.Available || len(zones[0].Hosts) != 1 {
		t.Errorf("zones %+v", zones)
	}
}

func (e *env) newServer(opts servers.CreateOptsBuilder) *servers.Server {
	e.t.Helper()
	srv, err := servers.Create(ctx, e.compute, opts, nil).Extract()
	ok(e.t, err)
	return srv
}

func (e *env) server(id string) *servers.Server {
	e.t.Helper()
	srv, err := servers.Get(ctx, e.compute, id).Extract()
	ok(e.t, err)
	return srv
}

func TestServerLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	n, sn := e.netWithSubnet("cluster", "10.6.0.0/24")
	userData := []byte("#cloud-config\n")
	srv := e.newServer(servers.CreateOpts{
		Name: "worker-0", FlavorRef: "3", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), AvailabilityZone: "az2",
		Networks: []servers.Network{{UUID: n.ID}}, UserData: userData, Metadata: map[string]string{"role": "worker"},
		Tags: []string{"cluster-a"}, ConfigDrive: new(true),
	})
	got := e.server(srv.ID)
	if got.Status != "BUILD" || got.AvailabilityZone != "az2" || got.Metadata["role"] != "worker" || !got.ConfigDrive {
		t.Fatalf("after create: %+v", got)
	}
	if got.Tags == nil || (*got.Tags)[0] != "cluster-a" {
		t.Errorf("tags %v", got.Tags)
	}
	if got.Flavor["original_name"] != "m1.medium" {
		t.Errorf("flavor %v", got.Flavor)
	}
	e.clock.Advance(9 * time.Second)
	if s := e.server(srv.ID).Status; s != "BUILD" {
		t.Fatalf("at 9s: %s", s)
	}
	e.clock.Advance(time.Second)
	got = e.server(srv.ID)
	if got.Status != "ACTIVE" || got.LaunchedAt.IsZero() || got.PowerState != servers.RUNNING {
		t.Fatalf("at 10s: %s %v %v", got.Status, got.LaunchedAt, got.PowerState)
	}
	addrs := got.Addresses["cluster"].([]any)
	addr := addrs[0].(map[string]any)
	if addr["addr"] != "10.6.0.2" || addr["OS-EXT-IPS:type"] != "fixed" {
		t.Errorf("addresses %v", got.Addresses)
	}
	portList, err := ports.List(e.network, ports.ListOpts{DeviceID: srv.ID}).AllPages(ctx)
	ok(t, err)
	ps, err := ports.ExtractPorts(portList)
	ok(t, err)
	if len(ps) != 1 || ps[0].DeviceOwner != "compute:az2" || ps[0].FixedIPs[0].SubnetID != sn.ID || ps[0].Status != "ACTIVE" {
		t.Fatalf("ports %+v", ps)
	}
	ok(t, servers.Delete(ctx, e.compute, srv.ID).ExtractErr())
	got = e.server(srv.ID)
	if got.TaskState != "deleting" {
		t.Errorf("task state %q", got.TaskState)
	}
	e.clock.Advance(2 * time.Second)
	wantStatus(t, servers.Get(ctx, e.compute, srv.ID).Err, 404)
	wantStatus(t, ports.Get(ctx, e.network, ps[0].ID).Err, 404)
}
