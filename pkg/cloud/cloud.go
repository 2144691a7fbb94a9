// Package cloud holds what the OpenStack services of the provider share: resource names and
// tags that make every resource findable again, and the error a user must fix in the spec.
package cloud

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// maxTagLength is Nova's limit on a server tag (Neutron allows 255; the smaller one wins).
const maxTagLength = 60

// ClusterResourceName is the base name of the resources created for a cluster; it embeds the
// namespace so two clusters of the same name in different namespaces never collide.
func ClusterResourceName(namespace, name string) string {
	return fmt.Sprintf("k8s-clusterapi-cluster-%s-%s", namespace, name)
}

// ClusterTag is the ownership tag on every resource created for a cluster. Tags may not contain
// "/" or "," (Nova) and are at most 60 characters; a namespace has no ".", so "<ns>.<name>"
// is unambiguous. Longer identities are shortened with a hash.
func ClusterTag(namespace, name string) string {
	tag := "capo-cluster=" + namespace + "." + name
	if len(tag) <= maxTagLength {
		return tag
	}
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	h := hex.EncodeToString(sum[:])[:16]
	return tag[:maxTagLength-len(h)-1] + "-" + h
}

// Tags returns the user's tags plus the ownership tag, sorted and without duplicates.
func Tags(userTags []string, owner string) []string {
	out := append(slices.Clone(userTags), owner)
	sort.Strings(out)
	return slices.Compact(out)
}

// HasTag reports whether tags contains tag.
func HasTag(tags []string, tag string) bool { return slices.Contains(tags, tag) }

// KeepOwned picks, of several resources found under one deterministic name, the one to keep:
// the one carrying the ownership tag owner, else the first. The others are creates that timed
// out on our side and that the cloud carried out anyway; tags are set by a second call, which
// they never got, and whatever the provider recorded or attached was tagged first. ok is
// false when two or more carry the tag: not the provider's to choose.
func KeepOwned[T any](found []T, owner string, tags func(T) []string) (keep int, ok bool) {
	keep = -1
	for i, f := range found {
		if HasTag(tags(f), owner) {
			if keep >= 0 {
				return -1, false
			}
			keep = i
		}
	}
	return max(keep, 0), true
}

// Oldest picks, of several resources that got their ownership in the create call itself (load
// balancers' tags, volumes' metadata) under one deterministic name, the one to keep: the first
// created, ties broken by ID, so that every reconcile picks the same. The others are creates
// that timed out on our side and that the cloud carried out anyway. -1 when found is empty.
func Oldest[T any](found []T, created func(T) time.Time, id func(T) string) int {
	keep := -1
	for i, f := range found {
		if keep < 0 {
			keep = i
			continue
		}
		k := found[keep]
		if c := created(f).Compare(created(k)); c < 0 || c == 0 && id(f) < id(k) {
			keep = i
		}
	}
	return keep
}

// InvalidSpecError is a problem the user must fix in the spec (a filter that matches nothing
// or several resources, a reference to something that does not exist). Retrying does not help.
type InvalidSpecError struct{ msg string }

func (e *InvalidSpecError) Error() string { return e.msg }

// Invalid returns an InvalidSpecError with a formatted message.
func Invalid(format string, args ...any) error {
	return &InvalidSpecError{msg: fmt.Sprintf(format, args...)}
}

// IsInvalidSpec reports whether err is, or wraps, an InvalidSpecError.
func IsInvalidSpec(err error) bool {
	var e *InvalidSpecError
	return errors.As(err, &e)
}

// ExactlyOne returns the only element of found, or an InvalidSpecError naming what was searched
// and, for several matches, their IDs so the user can tell them apart.
func ExactlyOne[T any](found []T, what string, id func(T) string) (T, error) {
	var zero T
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return zero, Invalid("no %s matches: check the name, ID or tags in the spec", what)
	}
	ids := make([]string, 0, len(found))
	for _, f := range found {
		ids = append(ids, id(f))
	}
	return zero, Invalid("%d %ss match (%s): make the filter match exactly one, or use its ID", len(found), what, strings.Join(ids, ", "))
}
