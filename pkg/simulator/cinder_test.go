package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/availabilityzones"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/quotasets"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

func TestVolumes(t *testing.T) {
	e := newEnv(t, Options{})
	v, err := volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 10, Name: "etcd", AvailabilityZone: "az2", Metadata: map[string]string{"k": "v"}}, nil).Extract()
	ok(t, err)
	if v.Status != "creating" || v.AvailabilityZone != "az2" || v.Bootable != "false" {
		t.Fatalf("created %+v", v)
	}
	e.clock.Advance(3 * time.Second)
	v, err = volumes.Get(ctx, e.volume, v.ID).Extract()
	ok(t, err)
	if v.Status != "available" || v.Metadata["k"] != "v" || v.CreatedAt.IsZero() {
		t.Fatalf("after 3s %+v", v)
	}
	fromImage, err := volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 20, ImageID: e.imageID("ubuntu-2404-kube-v1.36"), VolumeType: "ssd"}, nil).Extract()
	ok(t, err)
	if fromImage.Bootable != "true" || fromImage.VolumeType != "ssd" {
		t.Errorf("from image %+v", fromImage)
	}
	// Cinder copies the image's metadata while it builds the volume: shows have it, the create answer not.
	if got, err := volumes.Get(ctx, e.volume, fromImage.ID).Extract(); err != nil || got.VolumeImageMetadata["image_name"] != "ubuntu-2404-kube-v1.36" {
		t.Errorf("from image, shown: %+v, %v", got, err)
	}
	for _, bad := range []volumes.CreateOpts{{Size: 0}, {Size: 1, AvailabilityZone: "nope"}, {Size: 1, ImageID: "missing"}} {
		_, err := volumes.Create(ctx, e.volume, bad, nil).Extract()
		wantStatus(t, err, 400)
	}
	// Pagination over volumes/detail.
	for range 3 {
		_, err := volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 1, Name: "small"}, nil).Extract()
		ok(t, err)
	}
	pages, count := 0, 0
	ok(t, volumes.List(e.volume, volumes.ListOpts{Limit: 2}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		pages++
		all, err := volumes.ExtractVolumes(p)
		count += len(all)
		return true, err
	}))
	if pages != 3 || count != 5 {
		t.Errorf("%d volumes in %d pages", count, pages)
	}
	page, err := volumes.List(e.volume, volumes.ListOpts{Name: "small", Status: "creating"}).AllPages(ctx)
	ok(t, err)
	if all, _ := volumes.ExtractVolumes(page); len(all) != 3 {
		t.Errorf("filtered %d", len(all))
	}
	summary, err := e.volume.Get(ctx, e.volume.ServiceURL("volumes"), nil, nil)
	ok(t, err)
	summary.Body.Close()
	up, err := volumes.Update(ctx, e.volume, v.ID, volumes.UpdateOpts{Name: new("etcd-0"), Metadata: map[string]string{"a": "b"}}).Extract()
	ok(t, err)
	if up.Name != "etcd-0" || up.Metadata["a"] != "b" {
		t.Errorf("update %+v", up)
	}
	// Deleting a creating volume fails; an available one goes through deleting.
	wantStatus(t, volumes.Delete(ctx, e.volume, fromImage.ID, nil).ExtractErr(), 400)
	ok(t, volumes.Delete(ctx, e.volume, v.ID, nil).ExtractErr())
	v, err = volumes.Get(ctx, e.volume, v.ID).Extract()
	ok(t, err)
	if v.Status != "deleting" {
		t.Errorf("status %s", v.Status)
	}
	e.clock.Advance(2 * time.Second)
	wantStatus(t, volumes.Get(ctx, e.volume, v.ID).Err, 404)
	wantStatus(t, volumes.Delete(ctx, e.volume, v.ID, nil).ExtractErr(), 404)

	zpage, err := availabilityzones.List(e.volume).AllPages(ctx)
	ok(t, err)
	if zones, _ := availabilityzones.ExtractAvailabilityZones(zpage); len(zones) != 3 {
		t.Errorf("zones %+v", zones)
	}
}

func TestCinderQuota(t *testing.T) {
	e := newEnv(t, fast())
	q := DefaultQuota()
	q.Volumes, q.Gigabytes = 2, 15
	ok(t, e.sim.SetQuota("demo", q))
	_, err := volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 10}, nil).Extract()
	ok(t, err)
	_, err = volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 10}, nil).Extract()
	wantStatus(t, err, http.StatusRequestEntityTooLarge)
	if want := "Requested 10G, quota is 15G and 10G has been consumed."; !strings.Contains(body(t, err), want) || !strings.Contains(body(t, err), "overLimit") {
		t.Errorf("body %s", body(t, err))
	}
	_, err = volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 1}, nil).Extract()
	ok(t, err)
	_, err = volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 1}, nil).Extract()
	wantStatus(t, err, http.StatusRequestEntityTooLarge)
	if !strings.Contains(body(t, err), "VolumeLimitExceeded") {
		t.Errorf("body %s", body(t, err))
	}
	usage, err := quotasets.GetUsage(ctx, e.volume, e.projectID("demo")).Extract()
	ok(t, err)
	if usage.Volumes.InUse != 2 || usage.Gigabytes.Limit != 15 {
		t.Errorf("usage %+v", usage)
	}
	set, err := quotasets.Get(ctx, e.volume, "demo").Extract()
	ok(t, err)
	if set.Volumes != 2 {
		t.Errorf("quota set %+v", set)
	}
	wantStatus(t, quotasets.Get(ctx, e.volume, "nope").Err, 404)
	// An accept-then-error fault leaves the volume in error.
	q.Volumes = 10
	ok(t, e.sim.SetQuota("demo", q))
	ok(t, e.sim.AddFault(Fault{Method: "POST", Path: "/volumes$", Action: FaultAcceptThenError}))
	v, err := volumes.Create(ctx, e.volume, volumes.CreateOpts{Size: 1}, nil).Extract()
	ok(t, err)
	e.clock.Advance(time.Millisecond)
	if v, _ = volumes.Get(ctx, e.volume, v.ID).Extract(); v.Status != "error" {
		t.Errorf("status %s", v.Status)
	}
}
