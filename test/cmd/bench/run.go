package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
)

func run(ctx context.Context, c config) (*report, error) {
	step("starting kube-apiserver, etcd, Cluster API's controllers and the simulator; building and starting bin/manager")
	env, err := fleet.Start(ctx, fleet.Options{Latencies: c.Latencies, ManagerArgs: c.managerArgs()})
	if err != nil {
		return nil, err
	}
	defer func() { _ = env.Stop() }()
	r := newReport(c)
	if err := phases12(ctx, env, c, r); err != nil {
		return r, err
	}
	r.floors(c)
	refs := clusters(c)
	sim := env.F.Sim
	total := c.Clusters * c.Machines

	sim.ResetCounts()
	before, _ := env.Manager.Metrics(ctx, "controller_runtime_reconcile")
	window := time.Duration(c.Resyncs) * c.SyncPeriod
	step("phase 3: steady state for %s (%d sync periods of %s)", window, c.Resyncs, c.SyncPeriod)
	select {
	case <-ctx.Done():
		return r, ctx.Err()
	case <-time.After(window):
	}
	after, _ := env.Manager.Metrics(ctx, "controller_runtime_reconcile")
	r.steady(sim.Counts(), sim.TokensIssued(), total, c.Resyncs, before, after)
	r.TokensIssued = r.ClusterPhase.Tokens + r.MachinePhase.Tokens + r.SteadyTokens
	cpu, rss := env.Manager.Usage()
	r.ManagerCPUSeconds, r.ManagerPeakRSSMiB = cpu.Seconds(), float64(rss)/(1<<20)
	r.Reconciles = reconciles(after)

	sim.ResetCounts()
	step("phase 4: deleting the %d clusters", c.Clusters)
	start := time.Now()
	for _, ref := range refs {
		if err := env.DeleteCluster(ctx, ref); err != nil {
			return r, err
		}
	}
	if err := fleet.Poll(ctx, time.Second, c.Timeout, func() (bool, error) {
		cl := &clusterv1.ClusterList{}
		if err := env.F.Client.List(ctx, cl); err != nil {
			return false, err
		}
		return len(cl.Items) == 0 && len(sim.Leaks("")) == 0, nil
	}); err != nil {
		return r, fmt.Errorf("deletion: %w (%d resources left)", err, len(sim.Leaks("")))
	}
	r.DeletePhase = phase(time.Since(start), sim.Counts(), sim.TokensIssued(), c.Clusters)
	cpu, rss = env.Manager.Usage()
	r.ManagerCPUSeconds, r.ManagerPeakRSSMiB = cpu.Seconds(), float64(rss)/(1<<20)
	m, _ := env.Manager.Metrics(ctx, "controller_runtime_reconcile")
	r.Reconciles = reconciles(m)
	r.TokensIssued = r.ClusterPhase.Tokens + r.MachinePhase.Tokens + r.SteadyTokens + sim.TokensIssued()
	step("everything deleted in %s; %d resources left", r.DeletePhase.Duration, len(sim.Leaks("")))
	return r, nil
}

// phases12 creates the clusters with no workers and waits for them (phase 1), then scales every
// MachineDeployment and waits for every Machine to be provisioned (phase 2).
func phases12(ctx context.Context, env *fleet.Env, c config, r *report) error {
	refs := clusters(c)
	sim := env.F.Sim
	sim.ResetCounts()

	step("phase 1: creating %d clusters (network, router, security groups, Octavia load balancer) with no workers", c.Clusters)
	start := time.Now()
	for _, ref := range refs {
		if err := env.CreateCluster(ctx, ref, 0, true); err != nil {
			return err
		}
	}
	if err := fleet.Poll(ctx, time.Second, c.Timeout, func() (bool, error) {
		n, err := readyClusters(ctx, env)
		return n == c.Clusters, err
	}); err != nil {
		return fmt.Errorf("clusters not ready: %w", err)
	}
	r.ClusterPhase = phase(time.Since(start), sim.Counts(), sim.TokensIssued(), c.Clusters)
	step("%d clusters ready in %s", c.Clusters, r.ClusterPhase.Duration)

	sim.ResetCounts()
	total := c.Clusters * c.Machines
	step("phase 2: scaling %d MachineDeployments to %d (%d machines)", c.Clusters, c.Machines, total)
	start = time.Now()
	for _, ref := range refs {
		if err := env.Scale(ctx, ref, int32(c.Machines)); err != nil {
			return err
		}
	}
	last := -1
	if err := fleet.Poll(ctx, time.Second, c.Timeout, func() (bool, error) {
		n, err := provisioned(ctx, env)
		if n/100 != last/100 {
			step("  %d/%d machines provisioned", n, total)
			last = n
		}
		return n == total, err
	}); err != nil {
		return fmt.Errorf("machines not provisioned: %w", err)
	}
	r.MachinePhase = phase(time.Since(start), sim.Counts(), sim.TokensIssued(), total)
	step("%d machines provisioned in %s", total, r.MachinePhase.Duration)

	return nil
}

func readyClusters(ctx context.Context, env *fleet.Env) (int, error) {
	l := &infrav1.OpenStackClusterList{}
	if err := env.F.Client.List(ctx, l); err != nil {
		return 0, err
	}
	n := 0
	for i := range l.Items {
		if meta.IsStatusConditionTrue(l.Items[i].Status.Conditions, infrav1.ReadyCondition) {
			n++
		}
	}
	return n, nil
}

func provisioned(ctx context.Context, env *fleet.Env) (int, error) {
	l := &clusterv1.MachineList{}
	if err := env.F.Client.List(ctx, l); err != nil {
		return 0, err
	}
	n := 0
	for i := range l.Items {
		if fleet.Provisioned(&l.Items[i]) {
			n++
		}
	}
	return n, nil
}

// service is the OpenStack service of a Counts key ("POST /networking/v2.0/ports").
func service(key string) string {
	_, path, _ := strings.Cut(key, " ")
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch first {
	case "compute", "networking", "image", "volume", "load-balancer":
		return first
	}
	return "identity"
}

func isWrite(key string) bool {
	return !strings.HasPrefix(key, "GET ") && !strings.HasPrefix(key, "HEAD ")
}

// isList says whether a GET is a collection read (a list) rather than one resource's.
func isList(key string) bool {
	if !strings.HasPrefix(key, "GET ") {
		return false
	}
	return !strings.HasSuffix(key, "}") && !strings.Contains(key, "/identity")
}

func writesOf(c simulator.Counts, svc string) int {
	n := 0
	for k, v := range c {
		if isWrite(k) && service(k) == svc {
			n += v
		}
	}
	return n
}
