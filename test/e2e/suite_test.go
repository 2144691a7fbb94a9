// Package e2e runs the provider end to end with the real Cluster API controllers (core, and
// kubeadm bootstrap and control plane) against the OpenStack simulator: one API server, one
// manager and one simulator for the whole package (see framework).
//
//	export KUBEBUILDER_ASSETS=$(hack/build-envtest-assets.sh)
//	go test -vet=off -count=1 ./test/e2e/...        # or: make e2e
//
// E2E_LOGS=1 shows the controllers' logs.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

var f *framework.Framework

func TestMain(m *testing.M) { os.Exit(run(m)) }

// openStackOptions are the manager's OpenStack client options here: its flags'
// defaults except for the rate limits. At the default 2 writes per second (shared by every
// cluster, as in one manager) the suite's few hundred writes alone would take minutes; the
// limiter itself is tested in pkg/clients.
var openStackOptions = clients.Options{RateLimits: clients.RateLimits{ReadQPS: 50, ReadBurst: 100, WriteQPS: 10, WriteBurst: 20}}

// parallelScenarios is how many scenarios run at once unless -test.parallel says otherwise:
// they spend their time waiting for simulated latencies and requeue timers, not on the CPU,
// and the default (GOMAXPROCS) would serialize them on a small machine.
const parallelScenarios = 5

func run(m *testing.M) int {
	flag.Parse()
	parallelSet := false
	flag.Visit(func(fl *flag.Flag) { parallelSet = parallelSet || fl.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", strconv.Itoa(parallelScenarios))
	}
	opts := framework.Options{Kubeadm: true, Topology: true, OpenStack: openStackOptions}
	if os.Getenv("E2E_LOGS") != "" {
		opts.Logger = zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true))
	}
	save, err := cloudOptions(&opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer save()
	start := time.Now()
	f, err = framework.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the e2e environment:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: API server, manager and simulator up in %s\n", time.Since(start).Round(100*time.Millisecond))
	defer func() {
		if err := f.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the e2e environment:", err)
		}
	}()
	code := m.Run()
	// Every scenario checks its own cluster's resources; this catches anything untagged.
	leaks, err := f.Leaks(context.Background(), "")
	if code == 0 && (err != nil || len(leaks) > 0) {
		fmt.Fprintf(os.Stderr, "e2e: %d OpenStack resources left in the cloud after every scenario (%v): %+v\n", len(leaks), err, leaks)
		return 1
	}
	return code
}

var nsCounter atomic.Int32

// newNamespace creates a namespace holding the simulator's clouds.yaml in the Secret
// "cloud-config" (the identityRef of the clusters built below).
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := fmt.Sprintf("%s-%d", prefix, nsCounter.Add(1))
	ctx := context.Background()
	if err := f.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cloud-config", Namespace: ns},
		Data:       map[string][]byte{"clouds.yaml": f.CloudsYAML()},
	})
	return ns
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := f.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// slack multiplies every wait bound: the bounds are what a quiet two-core machine needs, and
// CI runs this package beside the others (and sometimes beside other jobs).
const slack = 3

// eventually polls cond every 250ms until it returns true, failing the test with the last
// message after slack × timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	timeout *= slack
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, msg := cond()
		last = msg
		return ok, nil
	})
	if err != nil {
		t.Fatalf("not within %s: %s", timeout, last)
	}
}

// step logs a phase of a scenario with the time since the scenario started.
func stepper(t *testing.T) func(format string, args ...any) {
	start := time.Now()
	return func(format string, args ...any) {
		t.Helper()
		t.Logf("[%5.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
}

func machineSpec(flavor string) infrav1.OpenStackMachineSpec {
	return infrav1.OpenStackMachineSpec{
		Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To(flavor)}},
		Image:  infrav1.ImageParam{Filter: &infrav1.ImageFilter{Name: ptr.To(framework.Image)}},
	}
}

// clusterSpec is a managed network and router, managed security groups and the simulator's
// external network; the caller picks the API endpoint.
func clusterSpec(apiServer infrav1.APIServer) infrav1.OpenStackClusterSpec {
	return infrav1.OpenStackClusterSpec{
		IdentityRef:           infrav1.OpenStackIdentityReference{Name: "cloud-config", CloudName: framework.CloudName},
		ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: "10.6.0.0/24"}},
		ExternalNetwork:       &infrav1.NetworkParam{ID: ptr.To(f.ExternalNetworkID)},
		APIServer:             &apiServer,
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{AllowAllInClusterTraffic: true},
	}
}

// createCluster creates a Cluster without a control-plane provider and its OpenStackCluster,
// as a user would: the Cluster controller sets the owner reference.
func createCluster(t *testing.T, ns, name string, spec infrav1.OpenStackClusterSpec) {
	t.Helper()
	labels := map[string]string{clusterv1.ClusterNameLabel: name}
	create(t, &clusterv1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: clusterv1.ClusterSpec{
			ClusterNetwork: clusterv1.ClusterNetwork{Pods: clusterv1.NetworkRanges{CIDRBlocks: []string{"192.168.0.0/16"}}},
			InfrastructureRef: clusterv1.ContractVersionedObjectReference{
				APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackCluster", Name: name,
			},
		},
	})
	create(t, &infrav1.OpenStackCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}, Spec: spec})
}

// createBootstrapData creates a ready-made bootstrap data Secret, as a bootstrap provider would.
func createBootstrapData(t *testing.T, ns, cluster, name string) {
	t.Helper()
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{clusterv1.ClusterNameLabel: cluster}},
		Type:       clusterv1.ClusterSecretType,
		Data:       map[string][]byte{"value": []byte("#cloud-config\nruncmd: [echo " + name + "]\n"), "format": []byte("cloud-config")},
	})
}

// createControlPlaneMachine creates a control-plane Machine (what a control-plane provider
// would create) with pre-made bootstrap data, and its OpenStackMachine.
func createControlPlaneMachine(t *testing.T, ns, cluster, name, failureDomain, bootstrapSecret string) {
	t.Helper()
	labels := map[string]string{clusterv1.ClusterNameLabel: cluster, clusterv1.MachineControlPlaneLabel: ""}
	create(t, &infrav1.OpenStackMachine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec:       machineSpec(framework.ControlPlaneFlavor),
	})
	create(t, &clusterv1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: clusterv1.MachineSpec{
			ClusterName:       cluster,
			Version:           "v1.36.3",
			Bootstrap:         clusterv1.Bootstrap{DataSecretName: ptr.To(bootstrapSecret)},
			InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackMachine", Name: name},
			FailureDomain:     failureDomain,
		},
	})
}

// createMachineDeployment creates a worker MachineDeployment with pre-made bootstrap data and
// its OpenStackMachineTemplate. Cluster API's defaulting webhook fills in the selector and
// the rollout strategy.
func createMachineDeployment(t *testing.T, ns, cluster, name string, replicas int32, bootstrapSecret string) {
	t.Helper()
	create(t, &infrav1.OpenStackMachineTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       infrav1.OpenStackMachineTemplateSpec{Template: infrav1.OpenStackMachineTemplateResource{Spec: machineSpec(framework.NodeFlavor)}},
	})
	create(t, &clusterv1.MachineDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: clusterv1.MachineDeploymentSpec{
			ClusterName: cluster,
			Replicas:    ptr.To(replicas),
			Template: clusterv1.MachineTemplateSpec{Spec: clusterv1.MachineSpec{
				ClusterName:       cluster,
				Version:           "v1.36.3",
				Bootstrap:         clusterv1.Bootstrap{DataSecretName: ptr.To(bootstrapSecret)},
				InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackMachineTemplate", Name: name},
			}},
		},
	})
}

// machines lists a cluster's Machines.
func machines(t *testing.T, ns, cluster string) []clusterv1.Machine {
	t.Helper()
	list := &clusterv1.MachineList{}
	if err := f.Client.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{clusterv1.ClusterNameLabel: cluster}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// phases summarises Machines as "name=phase" for failure messages.
func phases(ms []clusterv1.Machine) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, " %s=%s", m.Name, m.Status.Phase)
	}
	return b.String()
}

// serverID is the Nova server ID in a providerID "openstack:///<id>".
func serverID(providerID string) string {
	return providerID[strings.LastIndex(providerID, "/")+1:]
}

// scale sets a MachineDeployment's replicas through its scale subresource, as kubectl scale
// and the cluster autoscaler do.
func scale(t *testing.T, ns, name string, replicas int32) {
	t.Helper()
	md := &clusterv1.MachineDeployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	sc := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: replicas}}
	if err := f.Client.SubResource("scale").Update(context.Background(), md, client.WithSubResourceBody(sc)); err != nil {
		t.Fatalf("scaling MachineDeployment %s to %d: %v", name, replicas, err)
	}
}

// deleteClusterAndCheck deletes a Cluster and waits until it and every Cluster API and
// provider object of the cluster are gone (no finalizer left behind) and the simulator holds
// nothing tagged for the cluster.
func deleteClusterAndCheck(t *testing.T, ns, name, tag string, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	cluster := &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	if err := f.Client.Delete(ctx, cluster); err != nil {
		t.Fatal(err)
	}
	lists := []client.ObjectList{
		&clusterv1.ClusterList{}, &clusterv1.MachineDeploymentList{}, &clusterv1.MachineSetList{}, &clusterv1.MachineList{},
		&infrav1.OpenStackClusterList{}, &infrav1.OpenStackMachineList{},
	}
	eventually(t, timeout, func() (bool, string) {
		var left []string
		for _, l := range lists {
			if err := f.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
				return false, err.Error()
			}
			items, _ := meta.ExtractList(l)
			for _, o := range items {
				obj := o.(client.Object)
				left = append(left, fmt.Sprintf("%T %s (finalizers %v)", o, obj.GetName(), obj.GetFinalizers()))
			}
		}
		leaks, err := f.Leaks(ctx, tag)
		return len(left) == 0, fmt.Sprintf("left after deleting the cluster: %v; cloud: %v %v", left, leaks, err)
	})
	if leaks, err := f.Leaks(ctx, tag); err != nil || len(leaks) > 0 {
		t.Errorf("OpenStack resources of the cluster left in the cloud (%v): %+v", err, leaks)
	}
}

// eventsFor lists the events (events.k8s.io, as our controllers record them) regarding an object.
func eventsFor(t *testing.T, ns, kind, name string) []eventsv1.Event {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := f.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == kind && e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// render renders templates/<file> with the real clusterctl for the simulator (vars override
// the defaults), for cluster name in ns.
func render(t *testing.T, file, name, ns string, vars map[string]string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := f.RenderTemplate(context.Background(), framework.TemplatePath(file), name, ns, vars)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// createAll creates rendered objects with strict field validation, as kubectl does.
func createAll(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if err := f.Client.Create(context.Background(), o, client.FieldValidation("Strict")); err != nil {
			t.Fatalf("creating %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}
