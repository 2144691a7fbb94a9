package simulator

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// routedNet creates a network and subnet behind a router with a gateway on
// the public network.
func (e *env) routedNet(name, cidr string) (netID string, sn *subnets.Subnet, router *routers.Router) {
	e.t.Helper()
	n, sn := e.netWithSubnet(name, cidr)
	r, err := routers.Create(ctx, e.network, routers.CreateOpts{Name: name, GatewayInfo: &routers.GatewayInfo{NetworkID: e.publicNet()}}).Extract()
	ok(e.t, err)
	_, err = routers.AddInterface(ctx, e.network, r.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	ok(e.t, err)
	return n.ID, sn, r
}

func TestServerOnExistingPortWithFloatingIP(t *testing.T) {
	e := newEnv(t, fast())
	netID, _, _ := e.routedNet("cluster", "10.0.0.0/24")
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: netID, Name: "control-plane-0"}).Extract()
	ok(t, err)
	fip, err := floatingips.Create(ctx, e.network, floatingips.CreateOpts{FloatingNetworkID: e.publicNet(), PortID: p.ID}).Extract()
	ok(t, err)
	srv := e.newServer(servers.CreateOpts{Name: "cp-0", FlavorRef: "2", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: []servers.Network{{Port: p.ID}}})
	e.clock.Advance(time.Millisecond)
	got := e.server(srv.ID)
	var kinds []string
	for _, a := range got.Addresses["cluster"].([]any) {
		m := a.(map[string]any)
		kinds = append(kinds, m["OS-EXT-IPS:type"].(string)+"="+m["addr"].(string))
	}
	if strings.Join(kinds, ",") != "fixed="+p.FixedIPs[0].IPAddress+",floating="+fip.FloatingIP {
		t.Errorf("addresses %v", kinds)
	}
	// The port is in use now.
	_, err = servers.Create(ctx, e.compute, servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: []servers.Network{{Port: p.ID}}}, nil).Extract()
	wantStatus(t, err, http.StatusConflict)

	ok(t, servers.Delete(ctx, e.compute, srv.ID).ExtractErr())
	e.clock.Advance(time.Millisecond)
	// A port the user created survives, unbound, with its floating IP.
	p2, err := ports.Get(ctx, e.network, p.ID).Extract()
	ok(t, err)
	if p2.DeviceID != "" || p2.DeviceOwner != "" {
		t.Errorf("port still bound: %+v", p2)
	}
}

func TestServerListFiltersAndPagination(t *testing.T) {
	e := newEnv(t, fast())
	img := e.imageID("ubuntu-2404-kube-v1.36")
	for _, name := range []string{"worker-1", "worker-2", "control-1", "bastion", "worker-3"} {
		tags := []string{"cluster-a"}
		if strings.HasPrefix(name, "worker") {
			tags = append(tags, "worker")
		}
		e.newServer(servers.CreateOpts{Name: name, FlavorRef: "1", ImageRef: img, Networks: "none", Tags: tags})
	}
	names := func(opts servers.ListOpts) string {
		t.Helper()
		page, err := servers.List(e.compute, opts).AllPages(ctx)
		ok(t, err)
		all, err := servers.ExtractServers(page)
		ok(t, err)
		var out []string
		for _, s := range all {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		opts servers.ListOpts
		want string
	}{
		{servers.ListOpts{}, "worker-3,bastion,control-1,worker-2,worker-1"},
		{servers.ListOpts{Limit: 2}, "worker-3,bastion,control-1,worker-2,worker-1"},
		{servers.ListOpts{Name: "ork"}, "worker-3,worker-2,worker-1"},
		{servers.ListOpts{Name: "^w.*-[12]$"}, "worker-2,worker-1"},
		{servers.ListOpts{Tags: "cluster-a,worker"}, "worker-3,worker-2,worker-1"},
		{servers.ListOpts{TagsAny: "worker,nothing"}, "worker-3,worker-2,worker-1"},
		{servers.ListOpts{NotTags: "worker"}, "bastion,control-1"},
		{servers.ListOpts{NotTagsAny: "cluster-a"}, ""},
		{servers.ListOpts{Status: "BUILD"}, "worker-3,bastion,control-1,worker-2,worker-1"},
		{servers.ListOpts{Status: "ACTIVE"}, ""},
		{servers.ListOpts{AvailabilityZone: "az1", Flavor: "1", Image: img}, "worker-3,bastion,control-1,worker-2,worker-1"},
	} {
		if got := names(tc.opts); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.opts, got, tc.want)
		}
	}
	// Short listing too.
	page, err := servers.ListSimple(e.compute, servers.ListOpts{Limit: 4}).AllPages(ctx)
	ok(t, err)
	all, err := servers.ExtractServers(page)
	ok(t, err)
	if len(all) != 5 {
		t.Errorf("simple list: %d", len(all))
	}
	_, err = servers.List(e.compute, servers.ListOpts{Name: "("}).AllPages(ctx)
	wantStatus(t, err, 400)
}

func TestServerBuildErrorFault(t *testing.T) {
	e := newEnv(t, Options{})
	ok(t, e.sim.AddFault(Fault{Method: "POST", Path: `/servers$`, Body: `"name":"doomed`, Action: FaultAcceptThenError,
		Message: "No valid host was found. There are not enough hosts available."}))
	img := e.imageID("ubuntu-2404-kube-v1.36")
	doomed := e.newServer(servers.CreateOpts{Name: "doomed-1", FlavorRef: "1", ImageRef: img, Networks: "none"})
	fine := e.newServer(servers.CreateOpts{Name: "fine", FlavorRef: "1", ImageRef: img, Networks: "none"})
	if s := e.server(doomed.ID).Status; s != "BUILD" {
		t.Fatalf("doomed starts %s", s)
	}
	e.clock.Advance(10 * time.Second)
	got := e.server(doomed.ID)
	if got.Status != "ERROR" || got.Fault.Code != 500 || !strings.HasPrefix(got.Fault.Message, "No valid host") {
		t.Fatalf("doomed: %s %+v", got.Status, got.Fault)
	}
	if s := e.server(fine.ID).Status; s != "ACTIVE" {
		t.Fatalf("fine: %s", s)
	}
}

func TestServerValidation(t *testing.T) {
	e := newEnv(t, fast())
	img := e.imageID("ubuntu-2404-kube-v1.36")
	n1, _ := e.netWithSubnet("a", "10.1.0.0/24")
	e.netWithSubnet("b", "10.2.0.0/24")
	for name, tc := range map[string]struct {
		opts servers.CreateOpts
		code int
	}{
		"flavor":       {servers.CreateOpts{Name: "x", FlavorRef: "99", ImageRef: img, Networks: "none"}, 400},
		"image":        {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: "missing", Networks: "none"}, 400},
		"zone":         {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: "none", AvailabilityZone: "az9"}, 400},
		"network":      {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: []servers.Network{{UUID: "missing"}}}, 400},
		"port":         {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: []servers.Network{{Port: "missing"}}}, 400},
		"ambiguous":    {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img}, 409},
		"secgroup":     {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: "none", SecurityGroups: []string{"nope"}}, 400},
		"no network":   {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: "none"}, 0},
		"fixed ip":     {servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: []servers.Network{{UUID: n1.ID, FixedIP: "10.1.0.50"}}}, 0},
		"no name":      {servers.CreateOpts{FlavorRef: "1", ImageRef: img, Networks: "none"}, -1},
		"bdm no size":  {servers.CreateOpts{Name: "x", FlavorRef: "1", Networks: "none", BlockDevice: []servers.BlockDevice{{SourceType: "image", UUID: img, DestinationType: "volume"}}}, 400},
		"bdm snapshot": {servers.CreateOpts{Name: "x", FlavorRef: "1", Networks: "none", BlockDevice: []servers.BlockDevice{{SourceType: "snapshot", UUID: img, DestinationType: "volume", VolumeSize: 1}}}, 400},
	} {
		_, err := servers.Create(ctx, e.compute, tc.opts, nil).Extract()
		switch tc.code {
		case 0:
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case -1:
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
		default:
			if !strings.Contains(body(t, err), "message") {
				t.Errorf("%s: body %s", name, body(t, err))
			}
			wantStatus(t, err, tc.code)
		}
	}
	// Tags in the create body need microversion 2.52; user_data must be base64.
	e.compute.Microversion = "2.1"
	_, err := servers.Create(ctx, e.compute, servers.CreateOpts{Name: "x", FlavorRef: "1", ImageRef: img, Networks: "none", Tags: []string{"a"}}, nil).Extract()
	wantStatus(t, err, 400)
	raw := map[string]any{"server": map[string]any{"name": "x", "flavorRef": "1", "imageRef": img, "networks": "none", "user_data": "%%%"}}
	_, err = e.compute.Post(ctx, e.compute.ServiceURL("servers"), raw, nil, nil)
	wantStatus(t, err, 400)
	_, err = e.compute.Post(ctx, e.compute.ServiceURL("servers"), map[string]any{"server": map[string]any{"name": "x", "flavorRef": "1", "imageRef": img, "networks": "none"}, "os:scheduler_hints": map[string]any{"group": "nope"}}, nil, nil)
	wantStatus(t, err, 400)
	e.compute.Microversion = "2.60"
	got := e.newServer(servers.CreateOpts{Name: "ud", FlavorRef: "1", ImageRef: img, Networks: "none", UserData: []byte("hello")})
	if ud := e.server(got.ID).Userdata; ud == nil || *ud != base64.StdEncoding.EncodeToString([]byte("hello")) {
		t.Errorf("user data %v", ud)
	}
}

func TestServerBootFromVolume(t *testing.T) {
	e := newEnv(t, fast())
	img := e.imageID("ubuntu-2404-kube-v1.36")
	existing, err := volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 5, Name: "data"}, nil).Extract()
	ok(t, err)
	e.clock.Advance(time.Millisecond)
	boot := 0
	srv := e.newServer(servers.CreateOpts{Name: "bfv", FlavorRef: "2", Networks: "none", BlockDevice: []servers.BlockDevice{
		{SourceType: servers.SourceImage, UUID: img, DestinationType: servers.DestinationVolume, VolumeSize: 30, BootIndex: boot, DeleteOnTermination: true},
		{SourceType: servers.SourceVolume, UUID: existing.ID, DestinationType: servers.DestinationVolume, BootIndex: -1},
		{SourceType: servers.SourceBlank, DestinationType: servers.DestinationLocal, BootIndex: -1, VolumeSize: 1},
	}})
	e.clock.Advance(time.Millisecond)
	got := e.server(srv.ID)
	if got.Status != "ACTIVE" || got.Image != nil || len(got.AttachedVolumes) != 2 {
		t.Fatalf("server %s image %v volumes %v", got.Status, got.Image, got.AttachedVolumes)
	}
	root, err := volumes.Get(ctx, e.volume, got.AttachedVolumes[0].ID).Extract()
	ok(t, err)
	if root.Status != "in-use" || root.Size != 30 || root.Bootable != "true" || root.Attachments[0].ServerID != srv.ID ||
		root.VolumeImageMetadata["image_id"] != img || root.Attachments[0].Device != "/dev/vda" {
		t.Fatalf("root volume %+v", root)
	}
	ok(t, servers.Delete(ctx, e.compute, srv.ID).ExtractErr())
	e.clock.Advance(time.Millisecond)
	wantStatus(t, volumes.Get(ctx, e.volume, root.ID).Err, 404)
	data, err := volumes.Get(ctx, e.volume, existing.ID).Extract()
	ok(t, err)
	if data.Status != "available" {
		t.Errorf("data volume %s", data.Status)
	}
	// An in-use volume cannot be used again.
	if err := e.sim.SetQuota("demo", Quota{Instances: -1, Cores: -1, RAM: -1, Volumes: 10, Gigabytes: 10, Ports: -1}); err != nil {
		t.Fatal(err)
	}
	// Over the gigabytes quota Nova accepts, then the build fails.
	srv = e.newServer(servers.CreateOpts{Name: "too-big", FlavorRef: "1", Networks: "none", BlockDevice: []servers.BlockDevice{
		{SourceType: servers.SourceImage, UUID: img, DestinationType: servers.DestinationVolume, VolumeSize: 50, BootIndex: boot},
	}})
	e.clock.Advance(time.Millisecond)
	if got := e.server(srv.ID); got.Status != "ERROR" || !strings.Contains(got.Fault.Message, "VolumeSizeExceedsAvailableQuota") {
		t.Fatalf("over quota: %s %+v", got.Status, got.Fault)
	}
}
