package controllers

import (
	"context"

	"fmt"
	"github.com/go-logr/logr"
	"os"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// One API server, one manager and one simulator for the package: controller names must be
// unique per process.
var (
	env *testenv.Env
	sim *simulator.Simulator
)

// testLatencies make OpenStack's asynchronous work quick but not instant, so the controllers'
// requeue paths run.
var testLatencies = simulator.Latencies{
	ServerBuild: 300 * time.Millisecond, ServerDelete: 100 * time.Millisecond,
	VolumeCreate: 100 * time.Millisecond, VolumeDelete: 50 * time.Millisecond,
	LoadBalancerCreate: 500 * time.Millisecond, LoadBalancerUpdate: 50 * time.Millisecond,
	LoadBalancerDelete: 200 * time.Millisecond, LoadBalancerChild: 50 * time.Millisecond,
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Controller logs help when a test fails: TEST_LOGS=1 shows them.
	if os.Getenv("TEST_LOGS") != "" {
		ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
	var err error
	sim, err = simulator.New(simulator.Options{Latency: testLatencies})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sim.Start()
	defer sim.Close()
	capiCRDs, err := testenv.ClusterAPICRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err = testenv.Start(testenv.Options{ExtraCRDPaths: capiCRDs, Setup: setupControllers})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the test environment:", err)
		}
	}()
	return m.Run()
}

// testScopes gives tests their own OpenStack clients (see cloudFor).
var testScopes *scope.Factory

func setupControllers(mgr ctrl.Manager) error {
	opts := clients.Options{
		RateLimits: clients.RateLimits{ReadQPS: 1000, ReadBurst: 1000, WriteQPS: 1000, WriteBurst: 1000},
	}
	scopes, err := scope.NewFactory(mgr.GetClient(), opts, nil, 0)
	if err != nil {
		return err
	}
	// Tests read the Secret they have just created: through the API server, not the
	// manager's cache, which may not have seen it yet.
	if testScopes, err = scope.NewFactory(mgr.GetAPIReader(), opts, nil, 0); err != nil {
		return err
	}
	ctx := context.Background()
	copts := controller.Options{MaxConcurrentReconciles: 4}
	if err := (&OpenStackClusterReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("openstackcluster"), Scopes: scopes,
	}).SetupWithManager(ctx, mgr, copts); err != nil {
		return err
	}
	if err := (&OpenStackMachineReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("openstackmachine"), Scopes: scopes,
	}).SetupWithManager(ctx, mgr, copts); err != nil {
		return err
	}
	return (&OpenStackMachineTemplateReconciler{Client: mgr.GetClient(), Scopes: scopes}).SetupWithManager(ctx, mgr, copts)
}

func ptrTo[T any](v T) *T { return &v }

var nsCounter atomic.Int32

// newNamespace creates a namespace holding the simulator's clouds.yaml Secret "cloud-config".
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := fmt.Sprintf("test-%d", nsCounter.Add(1))
	ctx := context.Background()
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cloud-config", Namespace: ns},
		Data:       map[string][]byte{"clouds.yaml": sim.CloudsYAML("openstack")},
	}
	if err := env.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	return ns
}

// cloudFor returns OpenStack clients for the simulator's demo project, as seen from ns.
func cloudFor(t *testing.T, ns string) *scope.Scope {
	t.Helper()
	c, err := testScopes.ForIdentity(context.Background(), ns, scope.IdentityRef{Name: "cloud-config", CloudName: "openstack"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newCluster creates a Cluster and its OpenStackCluster (owned by it, as Cluster API would set).
func newCluster(t *testing.T, ns, name string, spec infrav1.OpenStackClusterSpec) *infrav1.OpenStackCluster {
	t.Helper()
	ctx := context.Background()
	cluster := &clusterv1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: clusterv1.ClusterSpec{InfrastructureRef: clusterv1.ContractVersionedObjectReference{
			APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackCluster", Name: name,
		}},
	}
	if err := env.Client.Create(ctx, cluster); err != nil {
		t.Fatal(err)
	}
	if spec.IdentityRef.Name == "" {
		spec.IdentityRef = infrav1.OpenStackIdentityReference{Name: "cloud-config", CloudName: "openstack"}
	}
	osc := &infrav1.OpenStackCluster{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns,
			Labels: map[string]string{clusterv1.ClusterNameLabel: name},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: clusterv1.GroupVersion.String(), Kind: "Cluster", Name: name, UID: cluster.UID,
			}},
		},
		Spec: spec,
	}
	if err := env.Client.Create(ctx, osc); err != nil {
		t.Fatal(err)
	}
	return osc
}

// eventually polls cond until it returns true, failing the test with the last message after timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, msg := cond()
		last = msg
		return ok, nil
	})
	if err != nil {
		t.Fatalf("condition not met within %s: %s", timeout, last)
	}
}

// clusterOf is the Cluster that owns osc (newCluster labels it with the Cluster's name).
func clusterOf(osc *infrav1.OpenStackCluster) *clusterv1.Cluster {
	return &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: osc.Namespace, Name: osc.Labels[clusterv1.ClusterNameLabel]}}
}
