package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// patcher writes what a reconcile changed in an object since its snapshot: one JSON merge
// patch of the object when its metadata or spec changed, one of its status subresource when
// its status did, conditions included. Cluster API's patch.Helper sends the conditions in a
// request of their own, under optimistic locking, to merge them with other writers; nothing
// else writes our objects' conditions, and the scale benchmark counted 4.7 status writes per
// machine created with it (each one also wakes Cluster API's Machine controller).
// The objects are pointers to structs with a Status field (OpenStackMachine, OpenStackCluster).
type patcher struct {
	client client.Client
	before client.Object
}

func newPatcher(c client.Client, obj client.Object) *patcher {
	return &patcher{client: c, before: obj.DeepCopyObject().(client.Object)}
}

// patch writes obj's metadata and spec changes, then, unless onlyObject, its status changes.
// obj takes what the API server answered (our status kept while it is still to be written).
// The status is written after the spec, so that the conditions can observe the generation
// that a spec change of the reconcile's own made.
func (p *patcher) patch(ctx context.Context, obj client.Object, onlyObject bool) error {
	fields, err := p.changes(obj)
	if err != nil {
		return err
	}
	_, statusChanged := fields["status"]
	delete(fields, "status")
	if len(fields) > 0 {
		body, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		// Patch a copy: the answer carries the stored status, which would overwrite obj's.
		written := obj.DeepCopyObject().(client.Object)
		if err := p.client.Patch(ctx, written, client.RawPatch(types.MergePatchType, body)); err != nil {
			return err
		}
		before := written.DeepCopyObject().(client.Object)
		setStatus(before, p.before)
		p.before = before
		pending := obj.DeepCopyObject().(client.Object)
		replace(obj, written)
		setStatus(obj, pending)
		if c, ok := obj.(conditionsObject); ok && pending.GetGeneration() != written.GetGeneration() {
			observe(c, pending.GetGeneration(), written.GetGeneration())
		}
	}
	if onlyObject || !statusChanged {
		return nil
	}
	if fields, err = p.changes(obj); err != nil { // again: observe may have moved conditions
		return err
	}
	body, err := json.Marshal(map[string]json.RawMessage{"status": fields["status"]})
	if err != nil {
		return err
	}
	written := obj.DeepCopyObject().(client.Object)
	if err := p.client.Status().Patch(ctx, written, client.RawPatch(types.MergePatchType, body)); err != nil {
		return err
	}
	replace(obj, written)
	p.before = written
	return nil
}

// changes is the merge patch from the snapshot to obj, by top-level field.
func (p *patcher) changes(obj client.Object) (map[string]json.RawMessage, error) {
	data, err := client.MergeFrom(p.before).Data(obj)
	if err != nil {
		return nil, fmt.Errorf("computing the patch of %s: %w", obj.GetName(), err)
	}
	var fields map[string]json.RawMessage
	return fields, json.Unmarshal(data, &fields)
}

// observe moves the conditions computed for generation from to generation to: the spec change
// that made it was this reconcile's own (a providerID), so they describe the new spec too.
func observe(obj conditionsObject, from, to int64) {
	conds := obj.GetConditions()
	for i := range conds {
		if conds[i].ObservedGeneration == from {
			conds[i].ObservedGeneration = to
		}
	}
	obj.SetConditions(conds)
}

// replace makes dst a copy of src, of the same type.
func replace(dst, src client.Object) {
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src.DeepCopyObject()).Elem())
}

// setStatus sets dst's Status to a copy of src's.
func setStatus(dst, src client.Object) {
	reflect.ValueOf(dst).Elem().FieldByName("Status").Set(reflect.ValueOf(src.DeepCopyObject()).Elem().FieldByName("Status"))
}
