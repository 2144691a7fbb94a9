package simulator

import "time"

// FaultStat says how often one fault rule (in the order added) matched a request and how often
// it was applied.
type FaultStat struct {
	Fault   Fault
	Matches int
	Applied int
}

// FaultStats lists every fault rule with its counters.
func (s *Simulator) FaultStats() []FaultStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultStat, len(s.faults))
	for i, f := range s.faults {
		out[i] = FaultStat{Fault: f.Fault, Matches: f.matches, Applied: f.applied}
	}
	return out
}

// SetLoadBalancerLatencies changes how long load balancer operations started from now on stay
// PENDING: create, update (members, listeners' parents) and child (listener, pool, member,
// monitor) changes. Operations already started keep the deadline they were given. A fault
// campaign uses it to leave load balancers stuck in PENDING_* for a while.
func (s *Simulator) SetLoadBalancerLatencies(create, update, child time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat.LoadBalancerCreate, s.lat.LoadBalancerUpdate, s.lat.LoadBalancerChild = create, update, child
}

// LoadBalancerLatencies returns the current create, update and child latencies.
func (s *Simulator) LoadBalancerLatencies() (create, update, child time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lat.LoadBalancerCreate, s.lat.LoadBalancerUpdate, s.lat.LoadBalancerChild
}

// IssuedTokenIDs lists the IDs of the tokens Keystone issued that are still remembered, so a
// test can check that none of them shows in a log.
func (s *Simulator) IssuedTokenIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for id := range s.tokens {
		out = append(out, id)
	}
	return out
}

// Password is the seeded user's password (Options.Password or DefaultPassword).
func (s *Simulator) Password() string { return s.opts.Password }
