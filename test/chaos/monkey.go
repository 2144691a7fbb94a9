package chaos

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
)

// monkey kills and restarts the manager, leaves load balancers PENDING for a while and
// exhausts the instance quota for a while, at random points drawn from the run's seed.
type monkey struct {
	env  *fleet.Env
	rng  *rand.Rand
	mu   sync.Mutex
	errs []error
	// counts by event: "kill", "kill-after-server-post", "lb-stuck", "quota-exhausted",
	// "unexpected-exit".
	counts map[string]int
}

const serverPost = "POST /compute/v2.1/servers"

func (m *monkey) count(what string) {
	m.mu.Lock()
	m.counts[what]++
	m.mu.Unlock()
}

func (m *monkey) fail(err error) {
	m.mu.Lock()
	m.errs = append(m.errs, err)
	m.mu.Unlock()
}

// run acts every few seconds until ctx ends, then restores the simulator and a running manager.
func (m *monkey) run(ctx context.Context, kills, quota bool) {
	sim := m.env.F.Sim
	lbCreate, lbUpdate, lbChild := sim.LoadBalancerLatencies()
	defer func() {
		sim.SetLoadBalancerLatencies(lbCreate, lbUpdate, lbChild)
		_ = sim.SetQuota("demo", simulator.DefaultQuota())
		m.ensureRunning()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(2000+m.rng.IntN(6000)) * time.Millisecond):
		}
		m.ensureRunning()
		switch n := m.rng.IntN(10); {
		case n < 3 && kills:
			m.kill(time.Duration(m.rng.IntN(2000)) * time.Millisecond)
			m.count("kill")
		case n < 5 && kills:
			// Between a server POST and the status patch that records it.
			if m.afterServerPost(ctx, 10*time.Second) {
				m.kill(time.Duration(m.rng.IntN(500)) * time.Millisecond)
				m.count("kill-after-server-post")
			}
		case n < 7:
			sim.SetLoadBalancerLatencies(10*lbCreate+20*time.Second, 10*lbUpdate+10*time.Second, 10*lbChild+10*time.Second)
			m.count("lb-stuck")
			m.sleep(ctx, time.Duration(5+m.rng.IntN(15))*time.Second)
			sim.SetLoadBalancerLatencies(lbCreate, lbUpdate, lbChild)
		case n < 9 && quota:
			q := simulator.DefaultQuota()
			q.Instances = servers(sim)
			_ = sim.SetQuota("demo", q)
			m.count("quota-exhausted")
			m.sleep(ctx, time.Duration(5+m.rng.IntN(15))*time.Second)
			_ = sim.SetQuota("demo", simulator.DefaultQuota())
		}
	}
}

func (m *monkey) sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// afterServerPost waits for the next server creation request (true) or gives up.
func (m *monkey) afterServerPost(ctx context.Context, timeout time.Duration) bool {
	sim := m.env.F.Sim
	before := sim.Counts()[serverPost]
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if sim.Counts()[serverPost] > before {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// kill SIGKILLs the manager and starts a new one after down.
func (m *monkey) kill(down time.Duration) {
	if err := m.env.Manager.Kill(); err != nil {
		m.fail(err)
	}
	time.Sleep(down)
	if err := m.env.Manager.Start(); err != nil {
		m.fail(err)
	}
}

// ensureRunning restarts a manager that exited without being killed (a crash: counted).
func (m *monkey) ensureRunning() {
	mp := m.env.Manager
	if mp.Exited() {
		m.count("unexpected-exit")
		_ = mp.Kill()
	}
	if !mp.Running() {
		if err := mp.Start(); err != nil {
			m.fail(err)
		}
	}
}

func servers(sim *simulator.Simulator) int {
	n := 0
	for _, r := range sim.Inventory() {
		if r.Type == "server" && r.Project == "demo" {
			n++
		}
	}
	return n
}
