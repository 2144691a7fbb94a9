package cloud

import "testing"

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
