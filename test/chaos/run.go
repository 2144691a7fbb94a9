package chaos

import (
	"context"

	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
)

// Options of one run.
type Options struct {
	Seed uint64
	// Rate is the probability that a request gets one of the generic faults; the faults
	// aimed at server creation are more likely (see kinds).
	Rate float64
	// Clusters is the most clusters created (at least 1), MaxReplicas the most workers each.
	Clusters, MaxReplicas int
	// Kills kills and restarts the manager at random points.
	Kills bool
	// Quota exhausts the instance quota for a while at random points (the provider then waits
	// two minutes before retrying: runs take longer).
	Quota bool
	// Bound is how long each step may take to converge.
	Bound time.Duration
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...any)
	// Disturbance, when set, is shared by runs going on at once (see Disturb): the run then
	// neither installs faults nor starts its own monkey, and its Result has no fault counts.
	Disturbance *Disturbance
}

// Result is what a run saw.
type Result struct {
	Seed           uint64
	Duration       time.Duration
	Faults         map[string]int
	Events         map[string]int // kills, restarts, stuck load balancers, exhausted quota
	Remediated     int            // failed Machines deleted, as a MachineHealthCheck would
	MaxConvergence time.Duration
	Leaks          []simulator.Resource
	Duplicates     []string
	Finalizers     []string
	LogFindings    []string
	Errors         []string
}

// OK says whether every invariant held.
func (r *Result) OK() bool {
	return len(r.Leaks) == 0 && len(r.Duplicates) == 0 && len(r.Finalizers) == 0 && len(r.LogFindings) == 0 && len(r.Errors) == 0
}

// Summary is one line.
func (r *Result) Summary() string {
	status := "ok"
	if !r.OK() {
		status = "FAILED"
	}
	return fmt.Sprintf("seed %d: %s in %s; faults %d %v; events %v; remediated %d; max convergence %s; leaks %d, duplicates %d, finalizers %d, log findings %d, errors %v",
		r.Seed, status, r.Duration.Round(time.Second), total(r.Faults), r.Faults, r.Events, r.Remediated,
		r.MaxConvergence.Round(time.Second), len(r.Leaks), len(r.Duplicates), len(r.Finalizers), len(r.LogFindings), r.Errors)
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

type runner struct {
	env      *fleet.Env
	opts     Options
	rng      *rand.Rand
	res      *Result
	clusters []fleet.ClusterRef
	replicas map[fleet.ClusterRef]int32
}

// Run runs one seed against env (shared between runs: every run has namespaces of its own).
func Run(ctx context.Context, env *fleet.Env, opts Options) *Result {
	start := time.Now()
	r := &runner{env: env, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x5eed)), replicas: map[fleet.ClusterRef]int32{},
		res: &Result{Seed: opts.Seed}}
	if r.opts.Logf == nil {
		r.opts.Logf = func(string, ...any) {}
	}
	sim := env.F.Sim
	n := 1 + r.rng.IntN(max(opts.Clusters, 1))
	var tags []string
	for i := range n {
		c := fleet.ClusterRef{Namespace: fmt.Sprintf("chaos-%d-%d", opts.Seed, i), Name: fmt.Sprintf("s%dc%d", opts.Seed, i)}
		r.clusters = append(r.clusters, c)
		tags = append(tags, cloud.ClusterTag(c.Namespace, c.Name))
	}
	watch := newServerWatch(tags)
	wctx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() { watch.run(wctx, sim); close(watchDone) }()

	d := opts.Disturbance
	if d == nil {
		var err error
		if d, err = Disturb(ctx, env, opts.Seed, opts.Rate, opts.Kills, opts.Quota); err != nil {
			r.errorf("%v", err)
		}
	}
	if err := r.scenario(ctx); err != nil {
		r.errorf("%v", err)
	}
	if opts.Disturbance == nil && d != nil {
		var errs []error
		r.res.Faults, r.res.Events, errs = d.Stop()
		for _, e := range errs {
			r.errorf("manager: %v", e)
		}
	}
	// Whatever the scenario left (it stopped early on an error), delete it (without faults
	// when the run owns them).
	for _, c := range r.clusters {
		_ = env.DeleteCluster(ctx, c)
	}
	if err := r.converge(ctx, "cleanup", r.gone); err != nil {
		r.errorf("cleanup: %v", err)
	}
	stopWatch()
	<-watchDone

	for _, t := range tags {
		r.res.Leaks = append(r.res.Leaks, sim.Leaks(t)...)
	}
	r.res.Duplicates = watch.duplicates()
	r.res.Finalizers = r.leftovers(ctx)
	secrets := append([]string{sim.Password()}, sim.IssuedTokenIDs()...)
	r.res.LogFindings = scanLog(env.Manager.Log(), secrets)
	r.res.Duration = time.Since(start)
	return r.res
}

func (r *runner) errorf(format string, args ...any) {
	r.res.Errors = append(r.res.Errors, fmt.Sprintf(format, args...))
}

// scenario: create the clusters, scale their workers up and down, delete some machines, delete
// the clusters; every step waits for convergence.
func (r *runner) scenario(ctx context.Context) error {
	env := r.env
	for _, c := range r.clusters {
		n := int32(1 + r.rng.IntN(r.opts.MaxReplicas))
		r.replicas[c] = n
		if err := env.CreateCluster(ctx, c, n, r.rng.IntN(2) == 0); err != nil {
			return err
		}
	}
	r.opts.Logf("seed %d: created %d clusters %v", r.opts.Seed, len(r.clusters), r.replicaList())
	if err := r.converge(ctx, "create", r.provisioned); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	for _, c := range r.clusters {
		n := int32(r.rng.IntN(r.opts.MaxReplicas + 3))
		r.replicas[c] = n
		if err := env.Scale(ctx, c, n); err != nil {
			return err
		}
	}
	r.opts.Logf("seed %d: scaled to %v", r.opts.Seed, r.replicaList())
	if err := r.converge(ctx, "scale", r.provisioned); err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	if err := r.deleteSomeMachines(ctx); err != nil {
		return err
	}
	if err := r.converge(ctx, "replace deleted machines", r.provisioned); err != nil {
		return fmt.Errorf("replace deleted machines: %w", err)
	}
	for _, c := range r.clusters {
		r.replicas[c] = int32(r.rng.IntN(int(r.replicas[c]) + 1))
		if err := env.Scale(ctx, c, r.replicas[c]); err != nil {
			return err
		}
	}
	r.opts.Logf("seed %d: scaled down to %v; deleting the clusters without waiting", r.opts.Seed, r.replicaList())
	time.Sleep(time.Duration(r.rng.IntN(3000)) * time.Millisecond)
	for _, c := range r.clusters {
		if err := env.DeleteCluster(ctx, c); err != nil {
			return err
		}
	}
	if err := r.converge(ctx, "delete", r.gone); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

func (r *runner) replicaList() []int32 {
	out := make([]int32, len(r.clusters))
	for i, c := range r.clusters {
		out[i] = r.replicas[c]
	}
	return out
}

// converge waits for done within the bound, remediating failed machines meanwhile, and
// records how long it took.
func (r *runner) converge(ctx context.Context, what string, done func(context.Context) (bool, string, error)) error {
	start, remediated := time.Now(), r.res.Remediated
	var last string
	err := fleet.Poll(ctx, time.Second, r.opts.Bound, func() (bool, error) {
		ok, why, err := done(ctx)
		last = why
		if err != nil || ok {
			return ok, err
		}
		return false, r.remediate(ctx)
	})
	d := time.Since(start)
	r.res.MaxConvergence = max(r.res.MaxConvergence, d)
	r.opts.Logf("seed %d: %s converged in %s", r.opts.Seed, what, d.Round(time.Second))
	if err != nil {
		return fmt.Errorf("%w: %s (%d Machines remediated in this step)", err, last, r.res.Remediated-remediated)
	}
	return nil
}

// provisioned: every OpenStackCluster Ready and every MachineDeployment's replicas are
// provisioned Machines, with no other Machine.
func (r *runner) provisioned(ctx context.Context) (bool, string, error) {
	c := r.env.F.Client
	for _, ref := range r.clusters {
		osc := &infrav1.OpenStackCluster{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, osc); err != nil {
			return false, "", err
		}
		if !meta.IsStatusConditionTrue(osc.Status.Conditions, infrav1.ReadyCondition) {
			return false, fmt.Sprintf("%s not ready: %v", ref.Name, conditionText(osc.Status.Conditions)), nil
		}
		ms := &clusterv1.MachineList{}
		if err := c.List(ctx, ms, client.InNamespace(ref.Namespace)); err != nil {
			return false, "", err
		}
		prov := 0
		var waiting []string
		for i := range ms.Items {
			m := &ms.Items[i]
			if fleet.Provisioned(m) && m.DeletionTimestamp.IsZero() {
				prov++
				continue
			}
			osm := &infrav1.OpenStackMachine{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: m.Namespace, Name: m.Spec.InfrastructureRef.Name}, osm); err == nil {
				waiting = append(waiting, m.Name+": "+conditionText(osm.Status.Conditions))
			}
		}
		if prov != int(r.replicas[ref]) || len(ms.Items) != int(r.replicas[ref]) {
			return false, fmt.Sprintf("%s: %d Machines, %d provisioned, want %d; not provisioned: %q", ref.Name, len(ms.Items), prov, r.replicas[ref], waiting), nil
		}
	}
	return true, "", nil
}

// gone: nothing of the run's clusters is left, in Kubernetes or in the cloud.
func (r *runner) gone(ctx context.Context) (bool, string, error) {
	left := r.leftovers(ctx)
	var leaks int
	for _, c := range r.clusters {
		leaks += len(r.env.F.Sim.Leaks(cloud.ClusterTag(c.Namespace, c.Name)))
	}
	return len(left) == 0 && leaks == 0, fmt.Sprintf("left %v, %d OpenStack resources", left, leaks), nil
}

// leftovers lists the Cluster API and provider objects left in the run's namespaces.
func (r *runner) leftovers(ctx context.Context) []string {
	var left []string
	for _, ref := range r.clusters {
		for _, l := range []client.ObjectList{
			&clusterv1.ClusterList{}, &clusterv1.MachineDeploymentList{}, &clusterv1.MachineSetList{}, &clusterv1.MachineList{},
			&infrav1.OpenStackClusterList{}, &infrav1.OpenStackMachineList{},
		} {
			if err := r.env.F.Client.List(ctx, l, client.InNamespace(ref.Namespace)); err != nil {
				left = append(left, err.Error())
				continue
			}
			items, _ := meta.ExtractList(l)
			for _, o := range items {
				obj := o.(client.Object)
				left = append(left, fmt.Sprintf("%T %s/%s finalizers %v", o, obj.GetNamespace(), obj.GetName(), obj.GetFinalizers()))
			}
		}
	}
	return left
}

// remediate deletes the Machines whose server failed (ERROR, or gone), as a
// MachineHealthCheck would: the provider reports them and does not replace servers itself.
func (r *runner) remediate(ctx context.Context) error {
	c := r.env.F.Client
	for _, ref := range r.clusters {
		osms := &infrav1.OpenStackMachineList{}
		if err := c.List(ctx, osms, client.InNamespace(ref.Namespace)); err != nil {
			return err
		}
		for _, osm := range osms.Items {
			cond := meta.FindStatusCondition(osm.Status.Conditions, infrav1.InstanceReadyCondition)
			if cond == nil || (cond.Reason != infrav1.InstanceErrorReason && cond.Reason != infrav1.InstanceNotFoundReason) || !osm.DeletionTimestamp.IsZero() {
				continue
			}
			for _, o := range osm.OwnerReferences {
				if o.Kind == "Machine" {
					m := &clusterv1.Machine{}
					m.Namespace, m.Name = osm.Namespace, o.Name
					if err := c.Delete(ctx, m); client.IgnoreNotFound(err) != nil {
						return err
					}
					r.res.Remediated++
				}
			}
		}
	}
	return nil
}

// deleteSomeMachines deletes one or two Machines of the run at random (their MachineSet
// replaces them).
func (r *runner) deleteSomeMachines(ctx context.Context) error {
	c := r.env.F.Client
	var all []clusterv1.Machine
	for _, ref := range r.clusters {
		ms := &clusterv1.MachineList{}
		if err := c.List(ctx, ms, client.InNamespace(ref.Namespace)); err != nil {
			return err
		}
		all = append(all, ms.Items...)
	}
	k := min(len(all), 1+r.rng.IntN(2))
	for _, i := range r.rng.Perm(len(all))[:k] {
		if err := c.Delete(ctx, &all[i]); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	r.opts.Logf("seed %d: deleted %d machines", r.opts.Seed, k)
	return nil
}

func conditionText(cs []metav1.Condition) string {
	var b strings.Builder
	for _, c := range cs {
		if c.Status != "True" {
			fmt.Fprintf(&b, "%s=%s(%s) ", c.Type, c.Reason, trim(c.Message))
		}
	}
	return b.String()
}

// Totals sums results.
type Totals struct {
	Runs, Failed, Restarts, Leaks, Duplicates int
	Faults, Events                            map[string]int
	MaxConvergence                            time.Duration
}

// Add adds one result.
func (t *Totals) Add(r *Result) {
	if t.Faults == nil {
		t.Faults, t.Events = map[string]int{}, map[string]int{}
	}
	t.Runs++
	if !r.OK() {
		t.Failed++
	}
	t.AddDisturbance(r.Faults, r.Events)
	t.Leaks += len(r.Leaks)
	t.Duplicates += len(r.Duplicates)
	t.MaxConvergence = max(t.MaxConvergence, r.MaxConvergence)
}

// AddDisturbance adds the faults and events of a disturbance shared by several runs.
func (t *Totals) AddDisturbance(faults, events map[string]int) {
	if t.Faults == nil {
		t.Faults, t.Events = map[string]int{}, map[string]int{}
	}
	for k, v := range faults {
		t.Faults[k] += v
	}
	for k, v := range events {
		t.Events[k] += v
	}
	t.Restarts += events["kill"] + events["kill-after-server-post"] + events["unexpected-exit"]
}

// String is the totals line.
func (t *Totals) String() string {
	return fmt.Sprintf("runs %d, failed %d; faults %d by kind %v; manager restarts %d; events %v; leaks %d; duplicates %d; max convergence %s",
		t.Runs, t.Failed, total(t.Faults), sortedMap(t.Faults), t.Restarts, sortedMap(t.Events), t.Leaks, t.Duplicates, t.MaxConvergence.Round(time.Second))
}

func sortedMap(m map[string]int) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%d ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}
