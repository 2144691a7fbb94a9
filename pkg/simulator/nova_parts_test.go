package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/attachinterfaces"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/quotasets"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/tags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

func TestServerMetadataAndTags(t *testing.T) {
	e := newEnv(t, fast())
	srv := e.newServer(servers.CreateOpts{Name: "m", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: "none", Metadata: map[string]string{"a": "1"}})
	md, err := servers.UpdateMetadata(ctx, e.compute, srv.ID, servers.MetadataOpts{"b": "2"}).Extract()
	ok(t, err)
	if len(md) != 2 {
		t.Errorf("merged metadata %v", md)
	}
	md, err = servers.ResetMetadata(ctx, e.compute, srv.ID, servers.MetadataOpts{"c": "3"}).Extract()
	ok(t, err)
	if len(md) != 1 || md["c"] != "3" {
		t.Errorf("reset metadata %v", md)
	}
	_, err = servers.CreateMetadatum(ctx, e.compute, srv.ID, servers.MetadatumOpts{"d": "4"}).Extract()
	ok(t, err)
	one, err := servers.Metadatum(ctx, e.compute, srv.ID, "d").Extract()
	ok(t, err)
	if one["d"] != "4" {
		t.Errorf("metadatum %v", one)
	}
	ok(t, servers.DeleteMetadatum(ctx, e.compute, srv.ID, "d").ExtractErr())
	wantStatus(t, servers.Metadatum(ctx, e.compute, srv.ID, "d").Err, 404)
	wantStatus(t, servers.DeleteMetadatum(ctx, e.compute, srv.ID, "d").ExtractErr(), 404)
	all, err := servers.Metadata(ctx, e.compute, srv.ID).Extract()
	ok(t, err)
	if len(all) != 1 {
		t.Errorf("metadata %v", all)
	}

	got, err := tags.ReplaceAll(ctx, e.compute, srv.ID, tags.ReplaceAllOpts{Tags: []string{"b", "a", "b"}}).Extract()
	ok(t, err)
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("tags %v", got)
	}
	ok(t, tags.Add(ctx, e.compute, srv.ID, "c").ExtractErr())
	ok(t, tags.Add(ctx, e.compute, srv.ID, "c").ExtractErr())
	exists, err := tags.Check(ctx, e.compute, srv.ID, "c").Extract()
	ok(t, err)
	if !exists {
		t.Error("tag c missing")
	}
	ok(t, tags.Delete(ctx, e.compute, srv.ID, "c").ExtractErr())
	wantStatus(t, tags.Delete(ctx, e.compute, srv.ID, "c").ExtractErr(), 404)
	if exists, _ := tags.Check(ctx, e.compute, srv.ID, "c").Extract(); exists {
		t.Error("tag c still there")
	}
	list, err := tags.List(ctx, e.compute, srv.ID).Extract()
	ok(t, err)
	if len(list) != 2 {
		t.Errorf("tags %v", list)
	}
	ok(t, tags.DeleteAll(ctx, e.compute, srv.ID).ExtractErr())
	e.compute.Microversion = "2.1"
	wantStatus(t, tags.List(ctx, e.compute, srv.ID).Err, 404)
	wantStatus(t, servers.Get(ctx, e.compute, "missing").Err, 404)
}

func TestInterfaces(t *testing.T) {
	e := newEnv(t, fast())
	n, _ := e.netWithSubnet("a", "10.1.0.0/24")
	n2, _ := e.netWithSubnet("b", "10.2.0.0/24")
	srv := e.newServer(servers.CreateOpts{Name: "i", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: []servers.Network{{UUID: n.ID}}})
	_, err := attachinterfaces.Create(ctx, e.compute, srv.ID, attachinterfaces.CreateOpts{NetworkID: n2.ID}).Extract()
	wantStatus(t, err, http.StatusConflict) // still building
	e.clock.Advance(time.Millisecond)
	iface, err := attachinterfaces.Create(ctx, e.compute, srv.ID, attachinterfaces.CreateOpts{NetworkID: n2.ID}).Extract()
	ok(t, err)
	if iface.NetID != n2.ID || iface.FixedIPs[0].IPAddress != "10.2.0.2" {
		t.Errorf("interface %+v", iface)
	}
	own, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n2.ID}).Extract()
	ok(t, err)
	_, err = attachinterfaces.Create(ctx, e.compute, srv.ID, attachinterfaces.CreateOpts{PortID: own.ID}).Extract()
	ok(t, err)
	_, err = attachinterfaces.Create(ctx, e.compute, srv.ID, attachinterfaces.CreateOpts{PortID: own.ID}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = attachinterfaces.Create(ctx, e.compute, srv.ID, attachinterfaces.CreateOpts{PortID: "missing"}).Extract()
	wantStatus(t, err, 404)
	page, err := attachinterfaces.List(e.compute, srv.ID).AllPages(ctx)
	ok(t, err)
	ifaces, err := attachinterfaces.ExtractInterfaces(page)
	ok(t, err)
	if len(ifaces) != 3 {
		t.Fatalf("interfaces %+v", ifaces)
	}
	one, err := attachinterfaces.Get(ctx, e.compute, srv.ID, own.ID).Extract()
	ok(t, err)
	if one.PortID != own.ID || one.PortState != "ACTIVE" {
		t.Errorf("get %+v", one)
	}
	ok(t, attachinterfaces.Delete(ctx, e.compute, srv.ID, iface.PortID).ExtractErr())
	ok(t, attachinterfaces.Delete(ctx, e.compute, srv.ID, own.ID).ExtractErr())
	wantStatus(t, attachinterfaces.Get(ctx, e.compute, srv.ID, own.ID).Err, 404)
	wantStatus(t, attachinterfaces.Delete(ctx, e.compute, srv.ID, own.ID).ExtractErr(), 404)
	wantStatus(t, ports.Get(ctx, e.network, iface.PortID).Err, 404) // Nova's own port is deleted
	kept, err := ports.Get(ctx, e.network, own.ID).Extract()
	ok(t, err)
	if kept.DeviceID != "" {
		t.Errorf("user port still bound to %s", kept.DeviceID)
	}
}

func TestKeypairs(t *testing.T) {
	e := newEnv(t, Options{})
	gen, err := keypairs.Create(ctx, e.compute, keypairs.CreateOpts{Name: "generated"}).Extract()
	ok(t, err)
	if !strings.HasPrefix(gen.PublicKey, "ssh-ed25519 ") || !strings.Contains(gen.PrivateKey, "PRIVATE KEY") || strings.Count(gen.Fingerprint, ":") != 15 {
		t.Errorf("generated %+v", gen)
	}
	imported, err := keypairs.Create(ctx, e.compute, keypairs.CreateOpts{Name: "imported", PublicKey: gen.PublicKey}).Extract()
	ok(t, err)
	if imported.Fingerprint != gen.Fingerprint || imported.PrivateKey != "" {
		t.Errorf("imported %+v", imported)
	}
	_, err = keypairs.Create(ctx, e.compute, keypairs.CreateOpts{Name: "imported", PublicKey: gen.PublicKey}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = keypairs.Create(ctx, e.compute, keypairs.CreateOpts{Name: "bad", PublicKey: "garbage"}).Extract()
	wantStatus(t, err, 400)
	page, err := keypairs.List(e.compute, nil).AllPages(ctx)
	ok(t, err)
	all, err := keypairs.ExtractKeyPairs(page)
	ok(t, err)
	if len(all) != 2 {
		t.Errorf("keypairs %+v", all)
	}
	got, err := keypairs.Get(ctx, e.compute, "imported", nil).Extract()
	ok(t, err)
	if got.PublicKey != gen.PublicKey {
		t.Errorf("get %+v", got)
	}
	srv := e.newServer(keypairs.CreateOptsExt{CreateOptsBuilder: servers.CreateOpts{Name: "k", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: "none"}, KeyName: "imported"})
	if e.server(srv.ID).KeyName != "imported" {
		t.Error("key_name not kept")
	}
	_, err = servers.Create(ctx, e.compute, keypairs.CreateOptsExt{CreateOptsBuilder: servers.CreateOpts{Name: "k", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: "none"}, KeyName: "missing"}, nil).Extract()
	wantStatus(t, err, 400)
	ok(t, keypairs.Delete(ctx, e.compute, "imported", nil).ExtractErr())
	wantStatus(t, keypairs.Get(ctx, e.compute, "imported", nil).Err, 404)
	wantStatus(t, keypairs.Delete(ctx, e.compute, "imported", nil).ExtractErr(), 404)
	e.compute.Microversion = "2.92"
	_, err = keypairs.Create(ctx, e.compute, keypairs.CreateOpts{Name: "needs-key"}).Extract()
	wantStatus(t, err, 400)
}

func TestServerGroups(t *testing.T) {
	e := newEnv(t, fast())
	g, err := servergroups.Create(ctx, e.compute, servergroups.CreateOpts{Name: "cp", Policies: []string{"anti-affinity"}}).Extract()
	ok(t, err)
	_, err = servergroups.Create(ctx, e.compute, servergroups.CreateOpts{Name: "bad", Policies: []string{"nonsense"}}).Extract()
	wantStatus(t, err, 400)
	srv, err := servers.Create(ctx, e.compute, servers.CreateOpts{Name: "g", FlavorRef: "1", ImageRef: e.imageID("ubuntu-2404-kube-v1.36"), Networks: "none"},
		servers.SchedulerHintOpts{Group: g.ID}).Extract()
	ok(t, err)
	got, err := servergroups.Get(ctx, e.compute, g.ID).Extract()
	ok(t, err)
	if len(got.Members) != 1 || got.Members[0] != srv.ID || got.Policies[0] != "anti-affinity" {
		t.Errorf("group %+v", got)
	}
	e.compute.Microversion = "2.64"
	g2, err := servergroups.Create(ctx, e.compute, servergroups.CreateOpts{Name: "soft", Policy: "soft-anti-affinity"}).Extract()
	ok(t, err)
	if g2.Policy == nil || *g2.Policy != "soft-anti-affinity" {
		t.Errorf("2.64 group %+v", g2)
	}
	e.compute.Microversion = "2.71"
	if sg := e.server(srv.ID).ServerGroups; sg == nil || (*sg)[0] != g.ID {
		t.Errorf("server_groups %v", sg)
	}
	page, err := servergroups.List(e.compute, nil).AllPages(ctx)
	ok(t, err)
	all, err := servergroups.ExtractServerGroups(page)
	ok(t, err)
	if len(all) != 2 {
		t.Errorf("groups %d", len(all))
	}
	ok(t, servers.Delete(ctx, e.compute, srv.ID).ExtractErr())
	e.clock.Advance(time.Millisecond)
	got, err = servergroups.Get(ctx, e.compute, g.ID).Extract()
	ok(t, err)
	if len(got.Members) != 0 {
		t.Errorf("members after delete %v", got.Members)
	}
	ok(t, servergroups.Delete(ctx, e.compute, g.ID).ExtractErr())
	wantStatus(t, servergroups.Get(ctx, e.compute, g.ID).Err, 404)
	wantStatus(t, servergroups.Delete(ctx, e.compute, g.ID).ExtractErr(), 404)
}

func TestNovaQuota(t *testing.T) {
	e := newEnv(t, fast())
	q := DefaultQuota()
	q.Cores, q.Instances, q.KeyPairs, q.ServerGroups = 20, 10, 0, 0
	ok(t, e.sim.SetQuota("demo", q))
	img := e.imageID("ubuntu-2404-kube-v1.36")
	for range 2 {
		e.newServer(servers.CreateOpts{Name: "big", FlavorRef: "5", ImageRef: img, Networks: "none"})
	}
	_, err := servers.Create(ctx, e.compute, servers.CreateOpts{Name: "big", FlavorRef: "5", ImageRef: img, Networks: "none"}, nil).Extract()
	wantStatus(t, err, http.StatusForbidden)
	if want := "Quota exceeded for cores: Requested 8, but already used 16 of 20 cores"; !strings.Contains(body(t, err), want) || !strings.Contains(body(t, err), `"forbidden"`) {
		t.Errorf("body %s", body(t, err))
	}
	_, err = keypairs.Create(ctx, e.compute, keypairs.CreateOpts{Name: "k"}).Extract()
	wantStatus(t, err, http.StatusForbidden)
	_, err = servergroups.Create(ctx, e.compute, servergroups.CreateOpts{Name: "g", Policies: []string{"affinity"}}).Extract()
	wantStatus(t, err, http.StatusForbidden)
	detail, err := quotasets.GetDetail(ctx, e.compute, e.projectID("demo")).Extract()
	ok(t, err)
	if detail.Cores.Limit != 20 || detail.Cores.InUse != 16 || detail.Instances.InUse != 2 {
		t.Errorf("quota detail %+v", detail)
	}
	set, err := quotasets.Get(ctx, e.compute, "demo").Extract()
	ok(t, err)
	if set.Cores != 20 {
		t.Errorf("quota set %+v", set)
	}
	wantStatus(t, quotasets.Get(ctx, e.compute, "nope").Err, 404)
}
