package cloud

import (
	"testing"
	"time"
)

func TestKeepOwned(t *testing.T) {
	tags := func(ts []string) []string { return ts }
	for _, tt := range []struct {
		found [][]string
		keep  int
		ok    bool
	}{
		{[][]string{nil, {"x", "own"}, nil}, 1, true},
		{[][]string{nil, nil}, 0, true},
		{[][]string{{"own"}, {"own"}}, -1, false},
	} {
		keep, ok := KeepOwned(tt.found, "own", tags)
		if keep != tt.keep || ok != tt.ok {
			t.Errorf("KeepOwned(%v) = %d, %v; want %d, %v", tt.found, keep, ok, tt.keep, tt.ok)
		}
	}
}

func TestOldest(t *testing.T) {
	type r struct {
		id string
		at int
	}
	created := func(x r) time.Time { return time.Unix(int64(x.at), 0) }
	id := func(x r) string { return x.id }
	for _, tt := range []struct {
		found []r
		keep  int
	}{
		{nil, -1},
		{[]r{{"a", 5}}, 0},
		{[]r{{"a", 5}, {"b", 3}, {"c", 4}}, 1},
		{[]r{{"z", 3}, {"b", 3}, {"c", 4}}, 1}, // same second: the smaller ID
	} {
		if got := Oldest(tt.found, created, id); got != tt.keep {
			t.Errorf("Oldest(%v) = %d; want %d", tt.found, got, tt.keep)
		}
	}
}
