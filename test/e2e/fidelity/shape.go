// Package fidelity records the shape of an OpenStack cloud's answers to the provider's
// calls (method, templated path, status, JSON field names and types) and compares two
// recordings: the simulator's and a real cloud's, for the same scenarios.
package fidelity

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// Shape is the type of one JSON value: its kinds ("object", "array", "string", "number",
// "bool", "null"; several when values differ between answers), an object's fields and an
// array's element (every element merged).
type Shape struct {
	Kinds  []string          `json:"kinds"`
	Fields map[string]*Shape `json:"fields,omitempty"`
	Elem   *Shape            `json:"elem,omitempty"`
}

// dynamicKeys are objects whose keys are data (network names, metadata keys), not fields:
// their values merge into one field "*".
var dynamicKeys = map[string]bool{
	"addresses": true, "metadata": true, "properties": true, "extra_specs": true, "volume_image_metadata": true,
}

// ShapeOf describes a decoded JSON value.
func ShapeOf(v any) *Shape { return shapeOf(v, "") }

func shapeOf(v any, key string) *Shape {
	switch x := v.(type) {
	case map[string]any:
		s := &Shape{Kinds: []string{"object"}, Fields: map[string]*Shape{}}
		for k, fv := range x {
			name := k
			if dynamicKeys[key] {
				name = "*"
			}
			s.Fields[name] = Merge(s.Fields[name], shapeOf(fv, k))
		}
		return s
	case []any:
		s := &Shape{Kinds: []string{"array"}}
		for _, e := range x {
			s.Elem = Merge(s.Elem, shapeOf(e, key))
		}
		return s
	case string:
		return &Shape{Kinds: []string{"string"}}
	case json.Number, float64:
		return &Shape{Kinds: []string{"number"}}
	case bool:
		return &Shape{Kinds: []string{"bool"}}
	case nil:
		return &Shape{Kinds: []string{"null"}}
	}
	return &Shape{Kinds: []string{"unknown"}}
}

// Merge unites two shapes (either may be nil) into a new one.
func Merge(a, b *Shape) *Shape {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &Shape{Kinds: union(a.Kinds, b.Kinds)}
	if a.Fields != nil || b.Fields != nil {
		out.Fields = map[string]*Shape{}
		for k, v := range a.Fields {
			out.Fields[k] = v
		}
		for k, v := range b.Fields {
			out.Fields[k] = Merge(out.Fields[k], v)
		}
	}
	out.Elem = Merge(a.Elem, b.Elem)
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Diff lists the differences of got (the simulator) from want (the real cloud), one line each,
// paths written as a.b[].c.
func Diff(want, got *Shape) []string {
	var out []string
	diff(collapse(want, ""), collapse(got, ""), "", &out)
	return out
}

// collapse merges the fields of dynamicKeys objects into "*", as ShapeOf does, so that
// recordings made before a key was known to be dynamic compare the same.
func collapse(s *Shape, key string) *Shape {
	if s == nil {
		return nil
	}
	out := &Shape{Kinds: s.Kinds, Elem: collapse(s.Elem, key)}
	if s.Fields != nil {
		out.Fields = map[string]*Shape{}
		for k, v := range s.Fields {
			name := k
			if dynamicKeys[key] {
				name = "*"
			}
			out.Fields[name] = Merge(out.Fields[name], collapse(v, k))
		}
	}
	return out
}

func diff(want, got *Shape, path string, out *[]string) {
	at := path
	if at == "" {
		at = "(body)"
	}
	switch {
	case want == nil && got == nil:
		return
	case want == nil:
		*out = append(*out, "extra in the simulator: "+at)
		return
	case got == nil:
		*out = append(*out, "missing in the simulator: "+at+" ("+strings.Join(want.Kinds, "|")+")")
		return
	}
	if k := kindsDiffer(want.Kinds, got.Kinds); k {
		*out = append(*out, "type of "+at+": real "+strings.Join(want.Kinds, "|")+", simulator "+strings.Join(got.Kinds, "|"))
	}
	if want.Elem != nil && got.Elem != nil {
		diff(want.Elem, got.Elem, path+"[]", out)
	}
	if want.Fields == nil || got.Fields == nil {
		// One side was never an object (null, or another type reported above).
		return
	}
	keys := map[string]bool{}
	for k := range want.Fields {
		keys[k] = true
	}
	for k := range got.Fields {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		p := k
		if path != "" {
			p = path + "." + k
		}
		diff(want.Fields[k], got.Fields[k], p, out)
	}
}

// kindsDiffer compares kinds ignoring "null": a field that happened to be null in one
// recording and set in the other is the same field. Empty arrays have no element shape.
func kindsDiffer(a, b []string) bool {
	strip := func(k []string) []string {
		return slices.DeleteFunc(slices.Clone(k), func(s string) bool { return s == "null" })
	}
	x, y := strip(a), strip(b)
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	return !slices.Equal(x, y)
}
