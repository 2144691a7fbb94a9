package networking

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// Service finds and creates the Neutron resources of one cluster.
type Service struct {
	Net clients.Network
	// Name is the base name of the resources created for the cluster.
	Name string
	// Owner is the ownership tag; Tags are all tags set on created resources (Owner included).
	Owner string
	Tags  []string
	// Save persists the status right after a created resource's ID is recorded in it.
	Save func(context.Context) error
	// Event, when set, reports each resource created, for the object's events.
	Event func(reason, message string)
}

// ensure returns the single resource a lookup by deterministic name finds, tagging it if a
// crash left it untagged, or creates and tags a new one. Of several matches, untagged ones
// beside at most one tagged are deleted (see pruneUntagged); two tagged are an error that
// names them: the provider never picks one of its own silently.
func ensure[T any](ctx context.Context, s *Service, kind, collection string,
	list func() ([]T, error), create func() (*T, error), id func(T) string, tags func(T) []string,
) (*T, error) {
	found, err := list()
	if err != nil {
		return nil, fmt.Errorf("looking up %s: %w", kind, err)
	}
	switch len(found) {
	case 0:
		created, err := create()
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", kind, err)
		}
		if s.Event != nil {
			s.Event(createdReason(kind), fmt.Sprintf("created %s %s", kind, id(*created)))
		}
		return created, s.tag(ctx, collection, id(*created), nil)
	case 1:
		return &found[0], s.tag(ctx, collection, id(found[0]), tags(found[0]))
	}
	keep, err := pruneUntagged(ctx, s, kind, collection, found, id, tags)
	if err != nil {
		return nil, err
	}
	if keep >= 0 {
		return &found[keep], s.tag(ctx, collection, id(found[keep]), tags(found[keep]))
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = id(f)
	}
	return nil, fmt.Errorf("%d %ss share the name this cluster uses (%s): delete the ones that are not in use", len(found), kind, strings.Join(ids, ", "))
}

// pruneUntagged keeps one of several resources under the cluster's name (cloud.KeepOwned) and
// deletes the others; -1 when two or more are tagged, which the user must sort out.
func pruneUntagged[T any](ctx context.Context, s *Service, kind, collection string, found []T, id func(T) string, tags func(T) []string) (int, error) {
	keep, ok := cloud.KeepOwned(found, s.Owner, tags)
	if !ok {
		return -1, nil
	}
	for i, f := range found {
		if i == keep {
			continue
		}
		if err := clients.IgnoreNotFound(s.deleteIn(ctx, collection, id(f))); err != nil {
			return -1, fmt.Errorf("deleting %s %s, a duplicate of %s: %w", kind, id(f), id(found[keep]), err)
		}
		if s.Event != nil {
			s.Event("DuplicateDeleted", fmt.Sprintf("deleted %s %s, a second one named like %s", kind, id(f), id(found[keep])))
		}
	}
	return keep, nil
}

// deleteIn deletes a resource of one of the collections ensure creates in.
func (s *Service) deleteIn(ctx context.Context, collection, id string) error {
	switch collection {
	case "networks":
		return s.Net.DeleteNetwork(ctx, id)
	case "subnets":
		return s.Net.DeleteSubnet(ctx, id)
	case "routers":
		return s.Net.DeleteRouter(ctx, id)
	case "security-groups":
		return s.Net.DeleteSecurityGroup(ctx, id)
	case "floatingips":
		return s.Net.DeleteFloatingIP(ctx, id)
	}
	return fmt.Errorf("deleting in %s: unknown collection", collection)
}

// tag sets the cluster's tags on a resource unless it already carries the ownership tag. Tags
// the resource already has are kept: an adopted resource may be the user's (their own floating IP).
func (s *Service) tag(ctx context.Context, collection, id string, have []string) error {
	if cloud.HasTag(have, s.Owner) {
		return nil
	}
	tags := s.Tags
	if len(have) > 0 {
		tags = cloud.Tags(append(slices.Clone(have), s.Tags...), s.Owner)
	}
	if _, err := s.Net.ReplaceTags(ctx, collection, id, tags); err != nil {
		return fmt.Errorf("tagging %s %s: %w", collection, id, err)
	}
	return nil
}

func (s *Service) save(ctx context.Context) error {
	if s.Save == nil {
		return nil
	}
	return s.Save(ctx)
}

// createdReason is the event reason of a creation, one per kind ("security group" →
// "SecurityGroupCreated"): events of one object with the same reason merge into one series.
func createdReason(kind string) string {
	var b strings.Builder
	for _, w := range strings.Fields(kind) {
		if w == "IP" {
			b.WriteString(w)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String() + "Created"
}
