package chaos

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// serverWatch polls the simulator's inventory and remembers every server ID seen under each
// name, for the servers carrying one of tags: a name with two IDs is a duplicate server, at
// the same time or one after the other (Machine names are unique, so a server is never
// legitimately created twice for one). A server lives at least the simulated delete latency,
// longer than the polling interval, so none goes unseen.
type serverWatch struct {
	mu    sync.Mutex
	ids   map[string]map[string]bool
	tags  []string
	polls int
}

func newServerWatch(tags []string) *serverWatch {
	return &serverWatch{ids: map[string]map[string]bool{}, tags: tags}
}

func (w *serverWatch) run(ctx context.Context, sim *simulator.Simulator) {
	for {
		w.poll(sim)
		select {
		case <-ctx.Done():
			w.poll(sim)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (w *serverWatch) poll(sim *simulator.Simulator) {
	inv := sim.Inventory()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.polls++
	for _, r := range inv {
		if r.Type != "server" || !slices.ContainsFunc(r.Tags, func(t string) bool { return slices.Contains(w.tags, t) }) {
			continue
		}
		if w.ids[r.Name] == nil {
			w.ids[r.Name] = map[string]bool{}
		}
		w.ids[r.Name][r.ID] = true
	}
}

// duplicates lists "name: id, id" for every name that had more than one server.
func (w *serverWatch) duplicates() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for name, ids := range w.ids {
		if len(ids) > 1 {
			l := make([]string, 0, len(ids))
			for id := range ids {
				l = append(l, id)
			}
			sort.Strings(l)
			out = append(out, fmt.Sprintf("%s: %s", name, strings.Join(l, ", ")))
		}
	}
	sort.Strings(out)
	return out
}

// scanLog returns the lines of log that hold one of secrets, or a panic.
func scanLog(log string, secrets []string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "panic") || strings.Contains(l, "goroutine ") && strings.Contains(l, "[running]") {
			out = append(out, "panic: "+trim(l))
			continue
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(l, s) {
				out = append(out, "secret: "+trim(strings.ReplaceAll(l, s, "<REDACTED>")))
				break
			}
		}
	}
	return out
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
