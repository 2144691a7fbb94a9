package chaos

import (
	"context"
	"testing"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// TestShortCampaign is the fault campaign's fixed-seed run in make test: one or two clusters,
// a few workers, faults on every endpoint and the manager killed and restarted. `make chaos`
// runs many seeds.
func TestShortCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server, Cluster API's controllers and the manager")
	}
	if err := testenv.CheckAssets(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env, err := StartEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("manager log:\n%s", tail(env.Manager.Log(), 200))
		}
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	}()
	r := Run(ctx, env, Options{Seed: 1, Rate: 0.02, Clusters: 2, MaxReplicas: 2, Kills: true, Bound: 4 * time.Minute, Logf: t.Logf})
	t.Log(r.Summary())
	if !r.OK() {
		t.Errorf("invariants broken: leaks %+v; duplicates %v; left %v; log %v; errors %v", r.Leaks, r.Duplicates, r.Finalizers, r.LogFindings, r.Errors)
	}
	// The run checked what carries its clusters' tags; nothing untagged may be left either.
	if left := env.F.Sim.Leaks(""); len(left) > 0 {
		t.Errorf("left in the cloud after the run: %+v", left)
	}
	if len(r.Faults) == 0 || r.Events["kill"]+r.Events["kill-after-server-post"] == 0 {
		t.Errorf("the run injected no fault (%v) or never killed the manager (%v): it tested nothing", r.Faults, r.Events)
	}
}

func tail(s string, lines int) string {
	n := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			if n++; n > lines {
				return s[i+1:]
			}
		}
	}
	return s
}
