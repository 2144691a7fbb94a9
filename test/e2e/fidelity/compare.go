package fidelity

import (
	"fmt"
	"sort"
	"strings"
)

// Difference is one way the simulator answered a call unlike the real cloud.
type Difference struct {
	Call, Status, What string
}

func (d Difference) String() string {
	if d.Status == "" {
		return d.Call + ": " + d.What
	}
	return d.Call + " → " + d.Status + ": " + d.What
}

// Compare lists how sim differs from real for the calls both recorded (field names and types
// by status), then the calls and statuses only one of them saw.
func Compare(real, sim Recording) []Difference {
	var out []Difference
	for _, call := range sortedKeys(real) {
		simAnswers, ok := sim[call]
		if !ok {
			out = append(out, Difference{Call: call, What: "only the real cloud saw this call"})
			continue
		}
		realAnswers := real[call]
		for _, status := range sortedKeys(realAnswers) {
			s, ok := simAnswers[status]
			if !ok {
				out = append(out, Difference{Call: call, Status: status, What: fmt.Sprintf("the simulator never answered %s (it answered %s)", status, strings.Join(sortedKeys(simAnswers), ", "))})
				continue
			}
			for _, d := range Diff(realAnswers[status].Shape, s.Shape) {
				out = append(out, Difference{Call: call, Status: status, What: d})
			}
		}
		for _, status := range sortedKeys(simAnswers) {
			if _, ok := realAnswers[status]; !ok {
				out = append(out, Difference{Call: call, Status: status, What: "the real cloud never answered " + status})
			}
		}
	}
	for _, call := range sortedKeys(sim) {
		if _, ok := real[call]; !ok {
			out = append(out, Difference{Call: call, What: "only the simulator saw this call"})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Report is the differences as markdown; explained maps a difference (its String) or a call
// to why it is deliberate, and such differences are listed apart.
func Report(real, sim Recording, explained map[string]string) string {
	var open, known []string
	for _, d := range Compare(real, sim) {
		why, ok := explained[d.String()]
		if !ok {
			why, ok = explained[d.Call]
		}
		if ok {
			known = append(known, "- "+d.String()+"  \n  deliberate: "+why)
		} else {
			open = append(open, "- "+d.String())
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Simulator fidelity report\n\nCalls recorded: %d on the real cloud, %d on the simulator.\n\n", len(real), len(sim))
	fmt.Fprintf(&b, "## Differences (%d)\n\n", len(open))
	for _, l := range open {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "\n## Deliberate differences (%d)\n\n", len(known))
	for _, l := range known {
		b.WriteString(l + "\n")
	}
	return b.String()
}
