// Command demo runs the provider's whole job on this machine with no cloud: a local
// kube-apiserver and etcd, Cluster API's own controllers, this provider's controllers and the
// OpenStack simulator. It renders templates/cluster-template.yaml with the real clusterctl
// (network, router, security groups, an Octavia load balancer, a control-plane machine and a
// MachineDeployment of workers; see render for the kubeadm parts), applies it, plays the
// kubelets, scales the workers up and down, deletes the cluster, and prints the OpenStack API
// calls made and the resources left.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-logr/logr"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

const (
	ns      = "demo"
	cluster = "demo"
	// workers is the template's MachineDeployment.
	workers = cluster + "-md-0"
)

func main() {
	keep := flag.Bool("keep", false, "keep everything running after the cluster is ready, and print a kubeconfig and a clouds.yaml")
	flag.Parse()
	if err := run(*keep); err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo failed:", err)
		os.Exit(1)
	}
}

func run(keep bool) error {
	if err := testenv.CheckAssets(); err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	step("starting kube-apiserver, etcd, Cluster API's controllers, this provider and the OpenStack simulator")
	f, err := framework.Start(ctx, framework.Options{Logger: logr.Discard()})
	if err != nil {
		return fmt.Errorf("the local management plane did not start: %w", err)
	}
	defer func() { _ = f.Stop() }()
	c := f.Client

	step("creating cluster %q: managed network, Octavia load balancer, 1 control-plane machine, 2 workers", cluster)
	kubelets, err := createCluster(ctx, f)
	if err != nil {
		return err
	}
	defer func() { _ = kubelets.Stop(ctx) }()
	if err := waitFor(ctx, c, f, "cluster provisioned and 3 machines running", 3*time.Minute, func(ms []clusterv1.Machine, osc *infrav1.OpenStackCluster) bool {
		return ready(osc) && countRunning(ms) == 3
	}); err != nil {
		return err
	}
	if keep {
		return explore(f)
	}
	for _, n := range []int32{5, 1} {
		step("scaling the workers to %d through the MachineDeployment's scale subresource", n)
		sc := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: workers, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: n}}
		md := &clusterv1.MachineDeployment{ObjectMeta: metav1.ObjectMeta{Name: workers, Namespace: ns}}
		if err := c.SubResource("scale").Update(ctx, md, client.WithSubResourceBody(sc)); err != nil {
			return fmt.Errorf("scaling: %w", err)
		}
		want := int(n) + 1
		if err := waitFor(ctx, c, f, fmt.Sprintf("%d machines running and %d servers", want, want), 3*time.Minute, func(ms []clusterv1.Machine, _ *infrav1.OpenStackCluster) bool {
			return len(ms) == want && countRunning(ms) == want && len(f.Resources("server", tag())) == want
		}); err != nil {
			return err
		}
	}
	step("deleting the cluster")
	if err := c.Delete(ctx, &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: cluster, Namespace: ns}}); err != nil {
		return err
	}
	if err := waitFor(ctx, c, f, "everything deleted", 3*time.Minute, func(ms []clusterv1.Machine, osc *infrav1.OpenStackCluster) bool {
		return osc == nil && len(ms) == 0
	}); err != nil {
		return err
	}
	report(f)
	fmt.Printf("\ndone in %s\n", time.Since(start).Round(time.Second))
	if leaks := f.Sim.Leaks(tag()); len(leaks) > 0 {
		return fmt.Errorf("%d OpenStack resources were left behind: %+v", len(leaks), leaks)
	}
	return nil
}

func tag() string { return cloud.ClusterTag(ns, cluster) }

func step(format string, args ...any) { fmt.Printf("\n==> "+format+"\n", args...) }

// createCluster applies the rendered template (see render) with the credentials Secret the
// template makes from the simulator's clouds.yaml, and plays the kubelets: a Ready Node per
// server, in the local API server, which Cluster API reads as the workload cluster.
func createCluster(ctx context.Context, f *framework.Framework) (*framework.Kubelets, error) {
	if err := f.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return nil, err
	}
	objs, err := render(ctx, f, 2)
	if err != nil {
		return nil, fmt.Errorf("rendering templates/cluster-template.yaml with clusterctl: %w", err)
	}
	fmt.Printf("    clusterctl generate cluster %s --from templates/cluster-template.yaml -n %s: %d objects\n", cluster, ns, len(objs))
	for _, o := range objs {
		if err := f.Client.Create(ctx, o, client.FieldValidation("Strict")); err != nil {
			return nil, fmt.Errorf("creating %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	if err := f.WriteWorkloadKubeconfig(ctx, ns, cluster); err != nil {
		return nil, err
	}
	return f.StartKubelets(ctx, ns, cluster), nil
}

// waitFor prints a progress table every two seconds until done says so.
func waitFor(ctx context.Context, c client.Client, f *framework.Framework, what string, timeout time.Duration,
	done func([]clusterv1.Machine, *infrav1.OpenStackCluster) bool,
) error {
	deadline := time.Now().Add(timeout)
	for {
		ms := &clusterv1.MachineList{}
		if err := c.List(ctx, ms, client.InNamespace(ns)); err != nil {
			return err
		}
		osc := &infrav1.OpenStackCluster{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: cluster}, osc); err != nil {
			osc = nil
		}
		table(ms.Items, osc, f)
		if done(ms.Items, osc) {
			fmt.Printf("    %s\n", what)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s (the table above shows where it stopped)", timeout, what)
		}
		time.Sleep(2 * time.Second)
	}
}

func table(ms []clusterv1.Machine, osc *infrav1.OpenStackCluster, f *framework.Framework) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "  %s\tOBJECT\tPHASE/READY\tDETAIL\n", time.Now().Format("15:04:05"))
	if osc != nil {
		r := meta.FindStatusCondition(osc.Status.Conditions, infrav1.ReadyCondition)
		state, endpoint := "-", ""
		if r != nil {
			state = string(r.Status) + " " + r.Reason
		}
		if ep := osc.Spec.ControlPlaneEndpoint; ep != nil {
			endpoint = fmt.Sprintf("endpoint %s:%d", ep.Host, ep.Port)
		}
		fmt.Fprintf(w, "\tOpenStackCluster/%s\t%s\t%s\n", osc.Name, state, endpoint)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	for _, m := range ms {
		fmt.Fprintf(w, "\tMachine/%s\t%s\t%s\n", m.Name, m.Status.Phase, m.Spec.ProviderID)
	}
	fmt.Fprintf(w, "\tOpenStack\t\t%d servers, %d ports, %d load balancers\n",
		len(f.Resources("server", tag())), len(f.Resources("port", tag())), len(f.Resources("loadbalancer", tag())))
	_ = w.Flush()
}

func countRunning(ms []clusterv1.Machine) int {
	n := 0
	for _, m := range ms {
		if m.Status.Phase == string(clusterv1.MachinePhaseRunning) {
			n++
		}
	}
	return n
}

func ready(osc *infrav1.OpenStackCluster) bool {
	return osc != nil && meta.IsStatusConditionTrue(osc.Status.Conditions, infrav1.ReadyCondition)
}

// report prints the OpenStack API calls by service and operation, and what is left.
func report(f *framework.Framework) {
	step("OpenStack API calls made")
	counts := f.Sim.Counts()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s\t%d\n", k, counts[k])
	}
	fmt.Fprintf(w, "  total\t%d (%d writes)\n", counts.Total(), counts.Writes())
	_ = w.Flush()
	fmt.Printf("\n%d leaked resources\n", len(f.Sim.Leaks(tag())))
}

// explore keeps everything running for the user.
func explore(f *framework.Framework) error {
	dir, err := os.MkdirTemp("", "capo-demo-")
	if err != nil {
		return err
	}
	kubeconfig, clouds := filepath.Join(dir, "kubeconfig"), filepath.Join(dir, "clouds.yaml")
	kc, err := f.Kubeconfig()
	if err != nil {
		return err
	}
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(clouds, f.CloudsYAML(), 0o600); err != nil {
		return err
	}
	fmt.Printf("\nEverything keeps running. Explore with:\n  export KUBECONFIG=%s\n  %s get clusters,machines,osc,osm -A\n"+
		"  OS_CLIENT_CONFIG_FILE=%s OS_CLOUD=%s openstack server list\nPress Ctrl-C to stop.\n",
		kubeconfig, filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), clouds, framework.CloudName)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}
