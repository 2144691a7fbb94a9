package chaos

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"

	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
)

// Disturbance is the faults installed in the simulator and the monkey acting on the manager
// and the simulator, for one run or for several runs going on at once.
type Disturbance struct {
	env    *fleet.Env
	names  []string
	m      *monkey
	cancel context.CancelFunc
	done   chan struct{}
}

// Disturb replaces the simulator's faults with the campaign's at rate and starts the monkey
// (kills of the manager when kills, quota exhaustion when quota), drawn from seed.
func Disturb(ctx context.Context, env *fleet.Env, seed uint64, rate float64, kills, quota bool) (*Disturbance, error) {
	sim := env.F.Sim
	sim.ClearFaults()
	names, err := install(sim, rate)
	if err != nil {
		return nil, fmt.Errorf("installing faults: %w", err)
	}
	d := &Disturbance{env: env, names: names, done: make(chan struct{}),
		m: &monkey{env: env, rng: rand.New(rand.NewPCG(seed, 0x6d6f6e)), counts: map[string]int{}}}
	mctx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	go func() { d.m.run(mctx, kills, quota); close(d.done) }()
	return d, nil
}

// Stop stops the monkey (leaving a manager running), removes the faults and returns the faults
// applied by kind, the monkey's events and its errors.
func (d *Disturbance) Stop() (faults, events map[string]int, errs []error) {
	d.cancel()
	<-d.done
	faults = applied(d.env.F.Sim, d.names)
	d.env.F.Sim.ClearFaults()
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	return faults, maps.Clone(d.m.counts), d.m.errs
}
