package fidelity

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
)

func shape(t *testing.T, doc string) *Shape {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return ShapeOf(v)
}

func TestDiff(t *testing.T) {
	real := shape(t, `{"server": {"id": "a", "tags": ["x"], "fault": null, "addresses": {"net-a": [{"addr": "1"}]}}, "links": [{"href": "h"}]}`)
	sim := shape(t, `{"server": {"id": 1, "tags": [], "fault": {"message": "m"}, "addresses": {"net-b": [{"addr": "1", "extra": true}]}, "more": "x"}}`)
	got := Diff(real, sim)
	want := []string{
		"extra in the simulator: server.addresses.*[].extra",
		"type of server.id: real string, simulator number",
		"extra in the simulator: server.more",
		"missing in the simulator: links (array)",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Diff:\n%q\nwant\n%q", got, want)
	}
	if d := Diff(real, real); len(d) != 0 {
		t.Errorf("a shape differs from itself: %q", d)
	}
}

func TestCallKey(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8774/v2.1/servers/5f0e7a52-4b7e-4f57-9b39-3f1c0f1e2d3a?name=x&tags=y": "GET compute /v2.1/servers/{id} ?name&tags",
		"http://127.0.0.1:40123/compute/v2.1/servers/5f0e7a52-4b7e-4f57-9b39-3f1c0f1e2d3a":      "GET compute /v2.1/servers/{id} ?",
		"http://127.0.0.1:8776/v3/0123456789abcdef0123456789abcdef/volumes/detail":              "GET volume /v3/{id}/volumes/detail ?",
		"http://127.0.0.1:40123/volume/v3/0123456789abcdef0123456789abcdef/volumes/detail":      "GET volume /v3/{id}/volumes/detail ?",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := CallKey("GET", u); got != want {
			t.Errorf("CallKey(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestCompare(t *testing.T) {
	real := Recording{"GET compute /v2.1/flavors ?": {"200": {Count: 1, Shape: shape(t, `{"flavors": [{"id": "1"}]}`)}},
		"POST compute /v2.1/servers ?": {"403": {Count: 1}}}
	sim := Recording{"GET compute /v2.1/flavors ?": {"200": {Count: 3, Shape: shape(t, `{"flavors": [{"id": "1"}]}`)}},
		"POST compute /v2.1/servers ?": {"202": {Count: 1}}}
	got := Compare(real, sim)
	if len(got) != 2 || got[0].Status != "403" || got[1].Status != "202" {
		t.Errorf("Compare: %+v", got)
	}
	if len(Compare(real, real)) != 0 {
		t.Error("a recording differs from itself")
	}
}
