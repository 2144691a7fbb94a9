// Command bench is the scale benchmark: N clusters × M machines created through Cluster API
// MachineDeployments against the OpenStack simulator with realistic latencies, this provider's
// manager running as its own process (bin/manager built from main.go). It measures the time to
// provision against the floor the simulated latencies impose, OpenStack API calls per cluster,
// per machine and per machine per steady-state resync, Keystone tokens, the manager's peak RSS
// and CPU, reconcile counts and errors, and the time to delete everything; it prints a table
// and writes a JSON file.
//
// It runs in phases so each figure is attributable: the clusters are created with no workers
// and waited for (calls per cluster), then every MachineDeployment is scaled to M at once (calls
// per machine), then nothing changes for a few sync periods (calls per resync), then every
// Cluster is deleted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

type config struct {
	Clusters, Machines int
	Latencies          simulator.Latencies
	SyncPeriod         time.Duration
	Resyncs            int
	ReadQPS, WriteQPS  float64
	ReadBurst          int
	WriteBurst         int
	KubeQPS            int
	KubeBurst          int
	Concurrency        int
	Out                string
	Timeout            time.Duration
	Baseline           bool
}

func main() {
	c := config{}
	flag.IntVar(&c.Clusters, "clusters", 20, "workload clusters")
	flag.IntVar(&c.Machines, "machines", 50, "worker machines per cluster (one MachineDeployment each)")
	flag.DurationVar(&c.Latencies.ServerBuild, "server-build", 10*time.Second, "simulated server build time")
	flag.DurationVar(&c.Latencies.ServerDelete, "server-delete", 2*time.Second, "simulated server delete time")
	flag.DurationVar(&c.Latencies.LoadBalancerCreate, "lb-create", 30*time.Second, "simulated load balancer provisioning time")
	flag.DurationVar(&c.Latencies.LoadBalancerUpdate, "lb-update", 2*time.Second, "simulated load balancer update time")
	flag.DurationVar(&c.Latencies.LoadBalancerDelete, "lb-delete", 10*time.Second, "simulated load balancer delete time")
	flag.DurationVar(&c.Latencies.LoadBalancerChild, "lb-child", 2*time.Second, "simulated listener/pool/member/monitor change time")
	flag.DurationVar(&c.Latencies.NeutronCRUD, "neutron", 200*time.Millisecond, "simulated time of every Neutron write")
	flag.DurationVar(&c.SyncPeriod, "sync-period", 30*time.Second, "the manager's --sync-period during the steady-state phase")
	flag.IntVar(&c.Resyncs, "resyncs", 3, "sync periods measured in the steady state")
	flag.Float64Var(&c.ReadQPS, "read-qps", 300, "--openstack-read-qps")
	flag.IntVar(&c.ReadBurst, "read-burst", 600, "--openstack-read-burst")
	flag.Float64Var(&c.WriteQPS, "write-qps", 200, "--openstack-write-qps (the default, 2/s, bounds 1,000 servers to 500 s)")
	flag.IntVar(&c.WriteBurst, "write-burst", 400, "--openstack-write-burst")
	flag.IntVar(&c.KubeQPS, "kube-api-qps", 200, "--kube-api-qps")
	flag.IntVar(&c.KubeBurst, "kube-api-burst", 400, "--kube-api-burst")
	flag.IntVar(&c.Concurrency, "concurrency", 50, "--openstackmachine-concurrency and --openstackcluster-concurrency")
	flag.StringVar(&c.Out, "out", "bench.json", "JSON report file")
	flag.DurationVar(&c.Timeout, "timeout", 30*time.Minute, "give up after this long")
	flag.BoolVar(&c.Baseline, "baseline", false, "measure Cluster API alone: phases 1 and 2 with an instant infrastructure provider instead of the manager")
	flag.Parse()
	c.Latencies.VolumeCreate, c.Latencies.VolumeDelete = 3*time.Second, 2*time.Second
	if err := testenv.CheckAssets(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sig, c.Timeout)
	defer cancel()
	bench := run
	if c.Baseline {
		bench = runBaseline
	}
	r, err := bench(ctx, c)
	if r != nil {
		r.print(os.Stdout)
		if werr := r.write(c.Out); werr != nil {
			fmt.Fprintln(os.Stderr, werr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench failed:", err)
		os.Exit(1)
	}
}

func (c config) managerArgs() []string {
	return []string{
		"--sync-period=" + c.SyncPeriod.String(),
		"--openstack-read-qps=" + strconv.FormatFloat(c.ReadQPS, 'f', -1, 64), "--openstack-read-burst=" + strconv.Itoa(c.ReadBurst),
		"--openstack-write-qps=" + strconv.FormatFloat(c.WriteQPS, 'f', -1, 64), "--openstack-write-burst=" + strconv.Itoa(c.WriteBurst),
		"--kube-api-qps=" + strconv.Itoa(c.KubeQPS), "--kube-api-burst=" + strconv.Itoa(c.KubeBurst),
		"--openstackmachine-concurrency=" + strconv.Itoa(c.Concurrency), "--openstackcluster-concurrency=" + strconv.Itoa(c.Concurrency),
		"--v=0",
	}
}

func step(format string, args ...any) {
	fmt.Printf("%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func clusters(c config) []fleet.ClusterRef {
	out := make([]fleet.ClusterRef, c.Clusters)
	for i := range out {
		out[i] = fleet.ClusterRef{Namespace: fmt.Sprintf("bench-%03d", i), Name: fmt.Sprintf("c%03d", i)}
	}
	return out
}
