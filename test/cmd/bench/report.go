package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// report is what the benchmark measured; it is also the JSON file.
type report struct {
	Machine  string         `json:"machine"`
	Settings map[string]any `json:"settings"`

	ClusterPhase phaseReport `json:"clusterPhase"`
	MachinePhase phaseReport `json:"machinePhase"`
	DeletePhase  phaseReport `json:"deletePhase"`

	// The floors are the sums of the simulated latencies on each phase's critical path: what
	// the phase would take if every request were answered at once and nothing waited.
	ClusterFloorSeconds float64 `json:"clusterFloorSeconds"`
	MachineFloorSeconds float64 `json:"machineFloorSeconds"`
	// ProvisionSeconds is the time from creating the clusters to every Machine provisioned
	// (phase 1 + phase 2); ProvisionRatio divides it by the sum of the floors.
	ProvisionSeconds float64 `json:"provisionSeconds"`
	ProvisionRatio   float64 `json:"provisionRatio"`

	// SteadyCalls are the OpenStack calls during the steady state, by operation.
	SteadyCalls map[string]int `json:"steadyCalls"`
	// Per machine per resync period.
	SteadyReadsPerMachineResync float64 `json:"steadyReadsPerMachinePerResync"`
	SteadyWrites                int     `json:"steadyWrites"`
	SteadyLists                 int     `json:"steadyLists"`
	SteadyTokens                int     `json:"steadyTokens"`
	// SteadyMachineReconciles is how many OpenStackMachine reconciles ran in the steady state.
	SteadyMachineReconciles float64 `json:"steadyMachineReconciles"`

	TokensIssued      int                `json:"tokensIssued"`
	Credentials       int                `json:"distinctCredentials"`
	ManagerPeakRSSMiB float64            `json:"managerPeakRSSMiB"`
	ManagerCPUSeconds float64            `json:"managerCPUSeconds"`
	Reconciles        map[string]float64 `json:"reconciles"`
}

type phaseReport struct {
	Seconds  float64        `json:"seconds"`
	Duration time.Duration  `json:"-"`
	Units    int            `json:"units"`
	Calls    map[string]int `json:"calls"`
	Total    int            `json:"total"`
	Writes   int            `json:"writes"`
	Tokens   int            `json:"tokens"`
}

func phase(d time.Duration, c simulator.Counts, tokens, units int) phaseReport {
	return phaseReport{Seconds: d.Seconds(), Duration: d.Round(100 * time.Millisecond), Units: units,
		Calls: c, Total: c.Total(), Writes: c.Writes(), Tokens: tokens}
}

func newReport(c config) *report {
	host, _ := os.Hostname()
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(l[strings.IndexByte(l, ':')+1:])
				break
			}
		}
	}
	return &report{
		Machine: fmt.Sprintf("%s, %d CPUs (%s), %s/%s, %s", host, runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH, runtime.Version()),
		Settings: map[string]any{
			"clusters": c.Clusters, "machinesPerCluster": c.Machines, "latencies": latencies(c.Latencies),
			"managerFlags": c.managerArgs(), "resyncs": c.Resyncs,
		},
		Credentials: 1, // every cluster's Secret holds the same clouds.yaml: one Keystone credential
	}
}

func latencies(l simulator.Latencies) map[string]string {
	return map[string]string{
		"serverBuild": l.ServerBuild.String(), "serverDelete": l.ServerDelete.String(),
		"loadBalancerCreate": l.LoadBalancerCreate.String(), "loadBalancerUpdate": l.LoadBalancerUpdate.String(),
		"loadBalancerDelete": l.LoadBalancerDelete.String(), "loadBalancerChild": l.LoadBalancerChild.String(),
		"neutronWrite": l.NeutronCRUD.String(),
	}
}

// floors sums the simulated latencies on each phase's critical path, assuming the writes of one
// cluster (or one machine) happen one after another, as the reconcilers make them: every
// Neutron write sleeps NeutronCRUD; the load balancer takes LoadBalancerCreate and each of its
// children (listener, pool, monitor, member) LoadBalancerChild; a server ServerBuild.
func (r *report) floors(c config) {
	l := c.Latencies
	perCluster := func(p phaseReport, svc string) float64 { return float64(writesOf(p.Calls, svc)) / float64(p.Units) }
	lbChildren := 0.0
	for k, v := range r.ClusterPhase.Calls {
		if strings.HasPrefix(k, "POST /load-balancer/") && !strings.HasSuffix(k, "/loadbalancers") {
			lbChildren += float64(v)
		}
	}
	r.ClusterFloorSeconds = perCluster(r.ClusterPhase, "networking")*l.NeutronCRUD.Seconds() +
		l.LoadBalancerCreate.Seconds() + lbChildren/float64(r.ClusterPhase.Units)*l.LoadBalancerChild.Seconds()
	r.MachineFloorSeconds = perCluster(r.MachinePhase, "networking")*l.NeutronCRUD.Seconds() + l.ServerBuild.Seconds()
	r.ProvisionSeconds = r.ClusterPhase.Seconds + r.MachinePhase.Seconds
	r.ProvisionRatio = r.ProvisionSeconds / (r.ClusterFloorSeconds + r.MachineFloorSeconds)
}

func (r *report) steady(c simulator.Counts, tokens, machines, resyncs int, before, after map[string]float64) {
	r.SteadyCalls, r.SteadyTokens = c, tokens
	reads := 0
	for k, v := range c {
		switch {
		case isWrite(k):
			r.SteadyWrites += v
		case service(k) == "identity":
		default:
			reads += v
			if isList(k) {
				r.SteadyLists += v
			}
		}
	}
	r.SteadyReadsPerMachineResync = float64(reads) / float64(machines*resyncs)
	key := `controller_runtime_reconcile_total{controller="openstackmachine",result="success"}`
	r.SteadyMachineReconciles = after[key] - before[key]
	for k, v := range after {
		if strings.HasPrefix(k, `controller_runtime_reconcile_total{controller="openstackmachine"`) && k != key {
			r.SteadyMachineReconciles += v - before[k]
		}
	}
}

// reconciles keeps the reconcile totals and errors by controller and result.
func reconciles(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.HasPrefix(k, "controller_runtime_reconcile_total{") || strings.HasPrefix(k, "controller_runtime_reconcile_errors_total{") {
			out[k] = v
		}
	}
	return out
}

func (r *report) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func (r *report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nmachine\t%s\n", r.Machine)
	fmt.Fprintf(tw, "settings\t%v\n", r.Settings)
	if _, ok := r.Settings["baseline"]; ok {
		fmt.Fprintf(tw, "clusters ready\t%.1f s\n", r.ClusterPhase.Seconds)
		fmt.Fprintf(tw, "machines provisioned\t%.1f s after scaling\n", r.MachinePhase.Seconds)
		_ = tw.Flush()
		return
	}
	fmt.Fprintf(tw, "clusters ready\t%.1f s (floor %.1f s)\n", r.ClusterPhase.Seconds, r.ClusterFloorSeconds)
	fmt.Fprintf(tw, "machines provisioned\t%.1f s after scaling (floor %.1f s)\n", r.MachinePhase.Seconds, r.MachineFloorSeconds)
	fmt.Fprintf(tw, "provisioned, total\t%.1f s, %.2f× the floor (target ≤ 1.2×)\n", r.ProvisionSeconds, r.ProvisionRatio)
	fmt.Fprintf(tw, "steady state\t%.2f reads per machine per resync (target ≤ 1), %d writes, %d lists (target 0, 0), %d tokens; %.0f machine reconciles\n",
		r.SteadyReadsPerMachineResync, r.SteadyWrites, r.SteadyLists, r.SteadyTokens, r.SteadyMachineReconciles)
	fmt.Fprintf(tw, "Keystone tokens\t%d for %d credential(s) (target ≤ 1 per credential per token lifetime)\n", r.TokensIssued, r.Credentials)
	fmt.Fprintf(tw, "manager\tpeak RSS %.0f MiB (target < 200), CPU %.1f s\n", r.ManagerPeakRSSMiB, r.ManagerCPUSeconds)
	fmt.Fprintf(tw, "deleted everything\t%.1f s\n", r.DeletePhase.Seconds)
	_ = tw.Flush()
	fmt.Fprintln(w, "\nOpenStack API calls by operation:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "operation\tper cluster created\tper machine created\tper machine per resync\tper cluster deleted\t\n")
	keys := map[string]bool{}
	for _, p := range []map[string]int{r.ClusterPhase.Calls, r.MachinePhase.Calls, r.SteadyCalls, r.DeletePhase.Calls} {
		for k := range p {
			keys[k] = true
		}
	}
	machines := r.MachinePhase.Units
	resyncs, _ := r.Settings["resyncs"].(int)
	per := func(v, n int) string {
		if v == 0 || n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(v)/float64(n))
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", k, per(r.ClusterPhase.Calls[k], r.ClusterPhase.Units),
			per(r.MachinePhase.Calls[k], machines), per(r.SteadyCalls[k], machines*resyncs), per(r.DeletePhase.Calls[k], r.DeletePhase.Units))
	}
	fmt.Fprintf(tw, "total\t%s\t%s\t%s\t%s\t\n", per(r.ClusterPhase.Total, r.ClusterPhase.Units), per(r.MachinePhase.Total, machines),
		per(sum(r.SteadyCalls), machines*resyncs), per(r.DeletePhase.Total, r.DeletePhase.Units))
	_ = tw.Flush()
	fmt.Fprintln(w, "\nreconciles (manager process, since its start):")
	for _, k := range slices.Sorted(maps.Keys(r.Reconciles)) {
		fmt.Fprintf(w, "  %s %.0f\n", k, r.Reconciles[k])
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
