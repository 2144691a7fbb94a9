package simulator

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// rawImageQuery lists images with an arbitrary query string (property
// filters have no field in images.ListOpts).
type rawImageQuery string

func (q rawImageQuery) ToImageListQuery() (string, error) { return "?" + string(q), nil }

func imageNames(t *testing.T, e *env, opts images.ListOptsBuilder) (names string, pages int) {
	t.Helper()
	var out []string
	ok(t, images.List(e.image, opts).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		pages++
		all, err := images.ExtractImages(p)
		for _, img := range all {
			out = append(out, img.Name)
		}
		return true, err
	}))
	return strings.Join(out, ","), pages
}

func TestImages(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 30 {
		e.sim.AddImage(Image{Name: fmt.Sprintf("bulk-%02d", i), Tags: []string{"bulk"}})
	}
	e.sim.AddImage(Image{Name: "private-one", Visibility: "private", Tags: []string{"capi", "v1.36"}})
	e.sim.AddImage(Image{Name: "community-one", Visibility: "community"})
	names, pages := imageNames(t, e, images.ListOpts{})
	if pages != 2 || strings.Count(names, ",") != 32 || !strings.HasPrefix(names, "bulk-29,") {
		t.Errorf("default listing: %d pages: %s", pages, names)
	}
	if _, pages := imageNames(t, e, images.ListOpts{Limit: 10, Tags: []string{"bulk"}}); pages != 3 {
		t.Errorf("limit 10: %d pages", pages)
	}
	for _, tc := range []struct {
		opts images.ListOptsBuilder
		want string
	}{
		{images.ListOpts{Name: "ubuntu-2404-kube-v1.36"}, "ubuntu-2404-kube-v1.36"},
		{images.ListOpts{Tags: []string{"capi", "v1.36"}, Visibility: "all"}, ""},
		{images.ListOpts{Visibility: images.ImageVisibilityCommunity}, "community-one"},
		{images.ListOpts{Visibility: images.ImageVisibilityPrivate}, ""},
		{rawImageQuery("os_type=linux&architecture=aarch64"), "ubuntu-2404-kube-v1.36-arm64"},
		{rawImageQuery("architecture=x86_64&name=cirros-0.6.3-x86_64-disk"), "cirros-0.6.3-x86_64-disk"},
	} {
		if got, _ := imageNames(t, e, tc.opts); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.opts, got, tc.want)
		}
	}
	id := e.imageID("ubuntu-2404-kube-v1.36")
	img, err := images.Get(ctx, e.image, id).Extract()
	ok(t, err)
	if img.Properties["os_type"] != "linux" || img.Properties["architecture"] != "x86_64" || img.Visibility != "public" || img.Status != "active" || img.SizeBytes != 2<<30 {
		t.Errorf("image %+v", img)
	}
	err = images.Get(ctx, e.image, "missing").Err
	wantStatus(t, err, 404)
	if !strings.HasPrefix(body(t, err), "404 Not Found") {
		t.Errorf("body %q", body(t, err))
	}
	// Private images of other projects are invisible.
	wantStatus(t, images.Get(ctx, e.image, e.imageID("private-one")).Err, 404)
	_, err = images.List(e.image, images.ListOpts{Marker: "missing"}).AllPages(ctx)
	wantStatus(t, err, 400)
	if resp := get(t, e.sim.URL()+"/image/"); resp.StatusCode != 300 {
		t.Errorf("GET /image/: %d", resp.StatusCode)
	}
}
