package networking

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"go.uber.org/mock/gomock"
)

// TestEnsurePrunesUntaggedDuplicates: creates that timed out on our side and that Neutron
// carried out anyway never got their tags; the fault campaign found them stuck ("2 routers
// share the name") or left behind. Beside at most one tagged resource, they are deleted.
func TestEnsurePrunesUntaggedDuplicates(t *testing.T) {
	list := func(found ...routers.Router) func() ([]routers.Router, error) {
		return func() ([]routers.Router, error) { return found, nil }
	}
	create := func() (*routers.Router, error) { return nil, errors.New("no create expected") }
	id := func(r routers.Router) string { return r.ID }
	tags := func(r routers.Router) []string { return r.Tags }

	t.Run("the tagged one is kept", func(t *testing.T) {
		e := newEnv(t)
		e.net.EXPECT().DeleteRouter(gomock.Any(), "r-late").Return(nil)
		got, err := ensure(ctx, e.svc, "router", "routers", list(routers.Router{ID: "r-late"}, routers.Router{ID: "r-1", Tags: testTags}), create, id, tags)
		if err != nil || got.ID != "r-1" {
			t.Fatalf("ensure = %+v, %v", got, err)
		}
		if want := []string{"DuplicateDeleted: deleted router r-late, a second one named like r-1"}; !reflect.DeepEqual(e.events, want) {
			t.Errorf("events %q, want %q", e.events, want)
		}
	})
	t.Run("none tagged: the first is kept and tagged", func(t *testing.T) {
		e := newEnv(t)
		gomock.InOrder(
			e.net.EXPECT().DeleteRouter(gomock.Any(), "r-b").Return(notFound),
			e.net.EXPECT().ReplaceTags(gomock.Any(), "routers", "r-a", testTags).Return(testTags, nil),
		)
		got, err := ensure(ctx, e.svc, "router", "routers", list(routers.Router{ID: "r-a"}, routers.Router{ID: "r-b"}), create, id, tags)
		if err != nil || got.ID != "r-a" {
			t.Fatalf("ensure = %+v, %v", got, err)
		}
	})
	t.Run("a duplicate that cannot be deleted is an error", func(t *testing.T) {
		e := newEnv(t)
		e.net.EXPECT().DeleteRouter(gomock.Any(), "r-b").Return(boom)
		_, err := ensure(ctx, e.svc, "router", "routers", list(routers.Router{ID: "r-a", Tags: testTags}, routers.Router{ID: "r-b"}), create, id, tags)
		wantErr(t, err, "deleting router r-b, a duplicate of r-a", "boom")
	})
}
