package cloud

import (
	"strings"
	"testing"
)

func TestClusterTag(t *testing.T) {
	if got := ClusterTag("default", "dev"); got != "capo-cluster=default.dev" {
		t.Fatalf("short tag = %q", got)
	}
	long := ClusterTag("a-very-long-namespace-name", "and-an-equally-long-cluster-name-x")
	other := ClusterTag("a-very-long-namespace-name", "and-an-equally-long-cluster-name-y")
	if len(long) > maxTagLength || long == other || strings.ContainsAny(long, "/,") {
		t.Fatalf("long tags %q and %q must be distinct, short and free of / and ,", long, other)
	}
}

func TestTags(t *testing.T) {
	got := Tags([]string{"b", "a", "b"}, "owner")
	if strings.Join(got, ",") != "a,b,owner" {
		t.Fatalf("Tags = %v", got)
	}
}

func TestExactlyOne(t *testing.T) {
	id := func(s string) string { return s }
	if v, err := ExactlyOne([]string{"x"}, "network", id); err != nil || v != "x" {
		t.Fatalf("one match: %v %v", v, err)
	}
	_, err := ExactlyOne(nil, "network", id)
	if !IsInvalidSpec(err) || !strings.Contains(err.Error(), "no network matches") {
		t.Fatalf("no match: %v", err)
	}
	_, err = ExactlyOne([]string{"a", "b"}, "network", id)
	if !IsInvalidSpec(err) || !strings.Contains(err.Error(), "2 networks match (a, b)") {
		t.Fatalf("two matches: %v", err)
	}
}
