// Package webhooks holds the validating admission webhooks of the provider's kinds.
package webhooks

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// changedPaths returns the JSON paths, below base, of the leaf-most fields that differ
// between a and b. Structs (and pointers to structs set on both sides) and lists of structs of
// the same length are compared field by field so the error can name the exact field; anything
// else is compared as a whole.
func changedPaths(base *field.Path, a, b any) []*field.Path {
	return diffValues(base, reflect.ValueOf(a), reflect.ValueOf(b))
}

func diffValues(path *field.Path, a, b reflect.Value) []*field.Path {
	if a.Kind() == reflect.Pointer && b.Kind() == reflect.Pointer && !a.IsNil() && !b.IsNil() &&
		a.Elem().Kind() == reflect.Struct {
		return diffValues(path, a.Elem(), b.Elem())
	}
	if a.Kind() == reflect.Slice && b.Kind() == reflect.Slice && a.Len() == b.Len() && a.Type().Elem().Kind() == reflect.Struct {
		var out []*field.Path
		for i := range a.Len() {
			out = append(out, diffValues(path.Index(i), a.Index(i), b.Index(i))...)
		}
		return out
	}
	if a.Kind() != reflect.Struct {
		if equality.Semantic.DeepEqual(a.Interface(), b.Interface()) {
			return nil
		}
		return []*field.Path{path}
	}
	var out []*field.Path
	t := a.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, inline := jsonName(f)
		next := path
		if !inline {
			next = path.Child(name)
		}
		out = append(out, diffValues(next, a.Field(i), b.Field(i))...)
	}
	return out
}

// jsonName returns the JSON name of a struct field and whether it is inlined.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" && (strings.Contains(opts, "inline") || f.Anonymous) {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

// forbidChanges turns each changed path into a Forbidden error with the same explanation.
func forbidChanges(paths []*field.Path, explanation string) field.ErrorList {
	var errs field.ErrorList
	for _, p := range paths {
		errs = append(errs, field.Forbidden(p, explanation))
	}
	return errs
}
