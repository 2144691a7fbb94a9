// Package chaos is the fault campaign: from a seed, it creates clusters, scales their
// MachineDeployments up and down, deletes machines and then the clusters, while the simulator
// injects faults on every endpoint and the manager process is killed and restarted at random
// points; then it checks the invariants (converged within a bound, no duplicate server, nothing
// left in the cloud, no finalizer left, no panic, no secret or token in the manager's log).
package chaos

import (
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// kind is one kind of fault the simulator injects.
type kind struct {
	name string
	// weight scales the campaign's rate for this kind (1 for the faults spread over every
	// endpoint; more for the ones that match a single operation).
	weight float64
	fault  simulator.Fault
}

// RequestTimeout is the manager's --openstack-request-timeout in the campaign; "slow" faults
// answer after it.
const RequestTimeout = 3 * time.Second

// kinds are the faults injected. The generic ones match every endpoint (Keystone included).
func kinds() []kind {
	serverCreate := `^/compute/v2\.1/servers$`
	return []kind{
		// A fifth of server creates at the default rate: each costs a remediation and a new
		// Machine, so a higher share makes a step's time a long tail of bad luck.
		{"server-error", 10, simulator.Fault{Method: "POST", Path: serverCreate, Action: simulator.FaultAcceptThenError,
			Message: "No valid host was found. There are not enough hosts available."}},
		{"503-but-created", 20, simulator.Fault{Method: "POST", Path: serverCreate, Action: simulator.FaultApplyThenError, Status: 503}},
		{"503-but-applied", 1, simulator.Fault{Method: "POST", Action: simulator.FaultApplyThenError, Status: 503}},
		{"500", 1, simulator.Fault{Action: simulator.FaultError, Status: 500}},
		{"502", 1, simulator.Fault{Action: simulator.FaultError, Status: 502}},
		{"503", 1, simulator.Fault{Action: simulator.FaultError, Status: 503}},
		{"504", 1, simulator.Fault{Action: simulator.FaultError, Status: 504}},
		{"409-delete", 3, simulator.Fault{Method: "DELETE", Action: simulator.FaultError, Status: 409}},
		{"409-put", 3, simulator.Fault{Method: "PUT", Action: simulator.FaultError, Status: 409}},
		{"429-retry-after", 1, simulator.Fault{Action: simulator.FaultRateLimit, RetryAfter: 1}},
		{"429", 1, simulator.Fault{Action: simulator.FaultRateLimit}},
		{"slow", 0.5, simulator.Fault{Action: simulator.FaultLatency, Delay: RequestTimeout + time.Second}},
		{"drop", 1, simulator.Fault{Action: simulator.FaultDrop}},
	}
}

// install adds every kind with probability rate×weight (at most 0.5).
func install(sim *simulator.Simulator, rate float64) ([]string, error) {
	var names []string
	for _, k := range kinds() {
		f := k.fault
		f.Probability = min(rate*k.weight, 0.5)
		if err := sim.AddFault(f); err != nil {
			return nil, err
		}
		names = append(names, k.name)
	}
	return names, nil
}

// applied counts the faults applied by kind, the rules being those install added.
func applied(sim *simulator.Simulator, names []string) map[string]int {
	out := map[string]int{}
	for i, st := range sim.FaultStats() {
		if i < len(names) && st.Applied > 0 {
			out[names[i]] += st.Applied
		}
	}
	return out
}
