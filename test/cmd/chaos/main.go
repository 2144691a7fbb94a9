// Command chaos is the fault campaign: RUNS runs from SEED on, each creating clusters, scaling
// and deleting machines and deleting the clusters while the simulator injects faults and the
// manager process is killed and restarted; it prints a summary line per run and the totals,
// and exits non-zero when an invariant failed in any run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/test/chaos"
	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

func main() {
	seed := flag.Uint64("seed", 1, "first seed")
	runs := flag.Int("runs", 10, "runs (seeds seed, seed+1, ...)")
	rate := flag.Float64("rate", 0.02, "probability that a request gets one of the generic faults")
	clusters := flag.Int("clusters", 3, "most clusters per run")
	replicas := flag.Int("max-replicas", 4, "most workers per cluster")
	bound := flag.Duration("bound", 6*time.Minute, "how long each step may take to converge")
	kills := flag.Bool("kills", true, "kill and restart the manager at random points")
	quota := flag.Bool("quota", true, "exhaust the instance quota for a while at random points")
	verbose := flag.Bool("v", false, "print each step")
	logFile := flag.String("manager-log", "", "write the manager's log here at the end")
	budget := flag.Duration("duration", 0, "start no new run after this long (0: no limit); runs started finish")
	parallel := flag.Int("parallel", 1, "runs going on at once; above 1 they share the faults and the monkey (seeded by -seed)")
	flag.Parse()
	if err := testenv.CheckAssets(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := chaos.StartEnv(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting:", err)
		os.Exit(1)
	}
	logf := func(string, ...any) {}
	if *verbose {
		logf = func(format string, args ...any) { fmt.Printf("  "+time.Now().Format("15:04:05 ")+format+"\n", args...) }
	}
	fmt.Printf("fault campaign: seeds %d..%d, rate %.3f, ≤%d clusters × ≤%d workers, kills %v, quota %v, bound %s per step, manager flags %v\n",
		*seed, *seed+uint64(*runs)-1, *rate, *clusters, *replicas, *kills, *quota, *bound, chaos.ManagerArgs)
	var t chaos.Totals
	opts := chaos.Options{Rate: *rate, Clusters: *clusters, MaxReplicas: *replicas, Kills: *kills, Quota: *quota, Bound: *bound, Logf: logf}
	var shared *chaos.Disturbance
	if *parallel > 1 {
		if shared, err = chaos.Disturb(ctx, env, *seed, *rate, *kills, *quota); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		opts.Disturbance = shared
	}
	seeds := make(chan uint64)
	results := make(chan *chaos.Result)
	var wg sync.WaitGroup
	for range max(*parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range seeds {
				o := opts
				o.Seed = s
				results <- chaos.Run(ctx, env, o)
			}
		}()
	}
	started := time.Now()
	go func() {
		for i := range *runs {
			if ctx.Err() != nil || *budget > 0 && time.Since(started) > *budget {
				break
			}
			seeds <- *seed + uint64(i)
		}
		close(seeds)
		wg.Wait()
		close(results)
	}()
	for r := range results {
		t.Add(r)
		fmt.Println(r.Summary())
		for _, l := range append(append(append(r.Duplicates, r.Finalizers...), r.LogFindings...), leaks(r)...) {
			fmt.Println("    " + l)
		}
	}
	if shared != nil {
		faults, events, errs := shared.Stop()
		t.AddDisturbance(faults, events)
		for _, e := range errs {
			fmt.Println("manager:", e)
			t.Failed++
		}
	}
	// Every run checked what carries its clusters' tags; what nobody tagged (a create that
	// Neutron carried out after the manager had given up on it) shows only here.
	for _, l := range env.F.Sim.Leaks("") {
		fmt.Printf("leak after every run: %s %s %q (%s) tags %v\n", l.Type, l.ID, l.Name, l.Status, l.Tags)
		t.Leaks++
		t.Failed++
	}
	fmt.Println("TOTAL:", t.String())
	if *logFile != "" {
		_ = os.WriteFile(*logFile, []byte(env.Manager.Log()), 0o600)
	}
	_ = env.Stop()
	if t.Failed > 0 {
		os.Exit(1)
	}
}

func leaks(r *chaos.Result) []string {
	var out []string
	for _, l := range r.Leaks {
		out = append(out, fmt.Sprintf("leak: %s %s %q (%s)", l.Type, l.ID, l.Name, l.Status))
	}
	return out
}
