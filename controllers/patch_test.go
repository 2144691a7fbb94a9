package controllers

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// The patcher sends one request per part that changed (object, status with its conditions)
// and none when nothing did; an object-only patch leaves the status changes for the next.
func TestPatcherWritesEachChangedPartOnce(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	if err := infrav1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	stored := &infrav1.OpenStackMachine{ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "ns"}}
	objectPatches, statusPatches := 0, 0
	c := interceptor.NewClient(fake.NewClientBuilder().WithScheme(scheme).WithObjects(stored).WithStatusSubresource(stored).Build(), interceptor.Funcs{
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			objectPatches++
			return c.Patch(ctx, obj, p, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			statusPatches++
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
	read := func() *infrav1.OpenStackMachine {
		got := &infrav1.OpenStackMachine{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(stored), got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	expect := func(step string, objects, statuses int) {
		t.Helper()
		if objectPatches != objects || statusPatches != statuses {
			t.Fatalf("%s: %d object and %d status patches, want %d and %d", step, objectPatches, statusPatches, objects, statuses)
		}
	}

	osm := read()
	p := newPatcher(c, osm)
	if err := p.patch(ctx, osm, false); err != nil {
		t.Fatal(err)
	}
	expect("nothing changed", 0, 0)

	osm.Finalizers = []string{infrav1.MachineFinalizer}
	osm.Status.InstanceID = ptr.To("srv")
	if err := p.patch(ctx, osm, true); err != nil {
		t.Fatal(err)
	}
	expect("finalizer only", 1, 0)
	if got := read(); len(got.Finalizers) != 1 || got.Status.InstanceID != nil || ptr.Deref(osm.Status.InstanceID, "") != "srv" {
		t.Fatalf("after the object-only patch: stored %v %v, in memory %v", got.Finalizers, got.Status.InstanceID, osm.Status.InstanceID)
	}

	markFalse(osm, infrav1.InstanceReadyCondition, infrav1.ProvisioningReason, "building")
	if err := p.patch(ctx, osm, false); err != nil {
		t.Fatal(err)
	}
	expect("status and a condition", 1, 1)
	got := read()
	if ptr.Deref(got.Status.InstanceID, "") != "srv" || len(got.Status.Conditions) != 1 || got.ResourceVersion != osm.ResourceVersion {
		t.Fatalf("stored status %+v (rv %s, in memory %s)", got.Status, got.ResourceVersion, osm.ResourceVersion)
	}

	if err := p.patch(ctx, osm, false); err != nil {
		t.Fatal(err)
	}
	expect("written already", 1, 1)

	// What the API server holds that the reconcile did not change is never sent back: an
	// annotation added by someone else survives the next patches.
	other := read()
	other.Annotations = map[string]string{"someone": "else"}
	if err := c.Update(ctx, other); err != nil {
		t.Fatal(err)
	}
	osm.Labels = map[string]string{"a": "b"}
	if err := p.patch(ctx, osm, true); err != nil {
		t.Fatal(err)
	}
	osm.Status.InstanceID = ptr.To("srv-2")
	if err := p.patch(ctx, osm, false); err != nil {
		t.Fatal(err)
	}
	expect("label then status", 2, 2)
	if got := read(); got.Annotations["someone"] != "else" || got.Labels["a"] != "b" || ptr.Deref(got.Status.InstanceID, "") != "srv-2" {
		t.Fatalf("stored %v %v %v", got.Annotations, got.Labels, got.Status.InstanceID)
	}
}
