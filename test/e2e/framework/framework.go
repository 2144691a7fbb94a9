// Package framework runs the provider end to end without a cloud: a real kube-apiserver and
// etcd (envtest) with our CRDs and admission webhooks and Cluster API's (core, and optionally
// kubeadm bootstrap and control plane), ONE controller manager running Cluster API's own
// reconcilers next to ours wired as main.go wires them, and the OpenStack simulator served
// over real HTTP. Tests and the cloud-free demo drive it with ordinary Kubernetes objects and
// look at the simulator's inventory and counters.
//
// Start it once per process (TestMain): controller names must be unique per process and
// Cluster API keeps process-wide state (conversion helpers, metrics). Controller name
// validation is skipped so that a Start retried after a failed one does not trip on the names
// the failed one registered; running two at once is not supported.
//
// The API endpoints the provider gives clusters are addresses of the simulator's external
// network, which nothing serves (and which may be routable to someone else's host): Cluster
// API connects only to the clusters whose workload cluster is the test API server itself (see
// WriteWorkloadKubeconfig).
package framework

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/labels"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	bootstrapv1beta1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta1"
	bootstrapv1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta2"
	controlplanev1beta1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta1"
	controlplanev1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta2"
	clusterv1beta1 "sigs.k8s.io/cluster-api/api/core/v1beta1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	runtimev1 "sigs.k8s.io/cluster-api/api/runtime/v1beta2"
	"sigs.k8s.io/cluster-api/bootstrap/kubeadm/reconcilers/kubeadmconfig"
	bootstrapadmission "sigs.k8s.io/cluster-api/bootstrap/kubeadm/webhooks/admission"
	"sigs.k8s.io/cluster-api/controllers/clustercache"
	"sigs.k8s.io/cluster-api/controlplane/kubeadm/reconcilers/kubeadmcontrolplane"
	controlplaneadmission "sigs.k8s.io/cluster-api/controlplane/kubeadm/webhooks/admission"
	controlplaneconversion "sigs.k8s.io/cluster-api/controlplane/kubeadm/webhooks/conversion"
	"sigs.k8s.io/cluster-api/core/reconcilers/cluster"
	"sigs.k8s.io/cluster-api/core/reconcilers/machine"
	"sigs.k8s.io/cluster-api/core/reconcilers/machinedeployment"
	"sigs.k8s.io/cluster-api/core/reconcilers/machinehealthcheck"
	"sigs.k8s.io/cluster-api/core/reconcilers/machineset"
	"sigs.k8s.io/cluster-api/core/setup"
	coreadmission "sigs.k8s.io/cluster-api/core/webhooks/admission"
	coreconversion "sigs.k8s.io/cluster-api/core/webhooks/conversion"
	"sigs.k8s.io/cluster-api/util/index"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/controllers"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/webhooks"
	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// Latencies are modest simulated cloud latencies: long enough that every controller's
// "wait and requeue" path runs, short enough for a suite that finishes in minutes.
var Latencies = simulator.Latencies{
	ServerBuild: time.Second, ServerDelete: 300 * time.Millisecond,
	VolumeCreate: 500 * time.Millisecond, VolumeDelete: 200 * time.Millisecond,
	LoadBalancerCreate: 1500 * time.Millisecond, LoadBalancerUpdate: 300 * time.Millisecond,
	LoadBalancerDelete: 500 * time.Millisecond, LoadBalancerChild: 200 * time.Millisecond,
}

// Options tune the environment. The zero value runs Cluster API core and our provider.
type Options struct {
	// Kubeadm also runs the kubeadm bootstrap (KubeadmConfig) and control-plane
	// (KubeadmControlPlane) reconcilers and serves their admission webhooks.
	Kubeadm bool
	// Topology also runs Cluster API's managed topologies (ClusterClass and the topology
	// reconcilers, with the ClusterTopology feature gate on). It needs Kubeadm.
	Topology bool
	// Latencies of the simulator; zero means Latencies above.
	Latencies simulator.Latencies
	// OpenStack are the options of our OpenStack clients; zero fields are the manager's
	// defaults (the rate limits of main.go's flags included).
	OpenStack clients.Options
	// Logger receives the controllers' logs; the zero value discards them.
	Logger logr.Logger
	// Cloud, when set, is a real OpenStack used instead of the simulator (see RealCloudFromEnv).
	Cloud *RealCloud
	// ExternalProvider leaves our reconcilers out of the in-process manager (our webhooks are
	// still served): the caller runs the built manager as its own process (see ManagerProcess).
	ExternalProvider bool
	// Password of the simulator's user; empty means simulator.DefaultPassword. A distinctive
	// one lets a test scan logs for it.
	Password string
}

// Framework is a running environment.
type Framework struct {
	// Config reaches the test API server as an administrator.
	Config *rest.Config
	// Client reads and writes the API server directly (no cache): what a test or kubectl sees.
	Client client.Client
	Scheme *kruntime.Scheme
	// Manager runs every controller; its client is cached.
	Manager ctrl.Manager
	// Sim is the OpenStack cloud. Its clouds.yaml is CloudsYAML().
	Sim *simulator.Simulator
	// ExternalNetworkID is the simulator's external network ("public").
	ExternalNetworkID string
	// Real is the real OpenStack used instead of the simulator (Sim is then nil).
	Real *RealCloud

	nova computeClient
	// workloads are the clusters whose workload cluster is the test API server (see
	// WriteWorkloadKubeconfig); Cluster API connects to no other.
	workloads sync.Map
	// clusterCache is Cluster API's cache of workload cluster connections; its caches outlive
	// the manager unless shut down.
	clusterCache clustercache.ClusterCache
	env          *envtest.Environment
	cancel       context.CancelFunc
	started      bool
	done         chan error
}

// CloudName is the entry of the simulator's clouds.yaml the templates use.
const CloudName = "openstack"

// Image and flavors the templates use; the simulator seeds them.
const (
	Image              = "ubuntu-2404-kube-v1.36"
	ControlPlaneFlavor = "m1.medium"
	NodeFlavor         = "m1.small"
)

// NewScheme has Kubernetes, Cluster API (core and kubeadm, v1beta2 and the v1beta1 their
// conversion webhooks need) and our types.
func NewScheme() (*kruntime.Scheme, error) {
	s := kruntime.NewScheme()
	for _, add := range []func(*kruntime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme,
		clusterv1beta1.AddToScheme, clusterv1.AddToScheme,
		bootstrapv1beta1.AddToScheme, bootstrapv1.AddToScheme,
		controlplanev1beta1.AddToScheme, controlplanev1.AddToScheme, runtimev1.AddToScheme,
		infrav1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Start starts the simulator, the API server and the manager, and returns once the manager's
// caches are synced and its webhook server answers. Stop it with Stop.
func Start(ctx context.Context, opts Options) (_ *Framework, retErr error) {
	if err := testenv.CheckAssets(); err != nil {
		return nil, err
	}
	ctrl.SetLogger(orDiscard(opts.Logger))
	lat := opts.Latencies
	if lat == (simulator.Latencies{}) {
		lat = Latencies
	}
	f := &Framework{Real: opts.Cloud, done: make(chan error, 1)}
	defer func() {
		if retErr != nil {
			_ = f.Stop()
		}
	}()
	var err error
	if f.Real != nil {
		f.ExternalNetworkID, err = f.Real.externalNetworkID(ctx)
	} else {
		f.Sim, f.ExternalNetworkID, err = startSimulator(lat, opts.Password)
	}
	if err != nil {
		return nil, err
	}
	if f.Scheme, err = NewScheme(); err != nil {
		return nil, err
	}
	capi, err := capiModuleDir()
	if err != nil {
		return nil, err
	}
	kubeadmCRDs, err := contractLabelledCRDs(
		filepath.Join(capi, "bootstrap", "kubeadm", "config", "crd", "bases"),
		filepath.Join(capi, "controlplane", "kubeadm", "config", "crd", "bases"),
	)
	if err != nil {
		return nil, err
	}
	if opts.Topology {
		if !opts.Kubeadm {
			return nil, errors.New("managed topologies need the kubeadm providers (Options.Kubeadm)")
		}
		if err := enableTopology(); err != nil {
			return nil, err
		}
	}
	hooks, err := webhookConfigurations(capi, opts.Kubeadm, opts.Topology)
	if err != nil {
		return nil, err
	}
	f.env = &envtest.Environment{
		Scheme: f.Scheme,
		CRDDirectoryPaths: []string{
			filepath.Join(testenv.RepoRoot(), "config", "crd", "bases"),
			filepath.Join(capi, "core", "config", "crd", "bases"),
		},
		CRDs:                  kubeadmCRDs,
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{MutatingWebhooks: hooks.mutating, ValidatingWebhooks: hooks.validating},
	}
	if f.Config, err = f.env.Start(); err != nil {
		f.env = nil
		return nil, fmt.Errorf("starting the test API server: %w", err)
	}
	if f.Client, err = client.New(f.Config, client.Options{Scheme: f.Scheme}); err != nil {
		return nil, err
	}
	if err := f.startManager(ctx, opts, hooks.paths); err != nil {
		return nil, err
	}
	return f, nil
}

func orDiscard(l logr.Logger) logr.Logger {
	if l.GetSink() == nil {
		return logr.Discard()
	}
	return l
}

// startSimulator serves the simulator and finds its seeded external network's ID.
func startSimulator(lat simulator.Latencies, password string) (*simulator.Simulator, string, error) {
	sim, err := simulator.New(simulator.Options{Latency: lat, Password: password})
	if err != nil {
		return nil, "", err
	}
	if _, err := sim.Listen(); err != nil {
		return nil, "", err
	}
	if _, err := sim.AddFlavor(simulator.Flavor{Name: OverQuotaFlavor, VCPUs: overQuotaVCPUs, RAM: 4096, Disk: 10}); err != nil {
		sim.Close()
		return nil, "", err
	}
	for _, r := range sim.Inventory() {
		if r.Type == "network" && r.Name == "public" && r.Seeded {
			return sim, r.ID, nil
		}
	}
	sim.Close()
	return nil, "", errors.New("the simulator has no external network named public")
}

// managerOptions mirror Cluster API's managers (label-selected Secret cache, no cache for
// Secrets and ConfigMaps in the default client, cached unstructured reads) and ours (main.go
// also disables the cache for Secrets and ConfigMaps).
func (f *Framework) managerOptions() ctrl.Options {
	req, _ := labels.NewRequirement(clusterv1.ClusterNameLabel, selection.Exists, nil)
	wh := f.env.WebhookInstallOptions
	return ctrl.Options{
		Scheme:                 f.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache: cache.Options{
			ByObject: map[client.Object]cache.ByObject{
				&corev1.Secret{}: {Label: labels.NewSelector().Add(*req)},
			},
		},
		Client: client.Options{Cache: &client.CacheOptions{
			DisableFor:   []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}},
			Unstructured: true,
		}},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: wh.LocalServingHost, Port: wh.LocalServingPort, CertDir: wh.LocalServingCertDir,
		}),
	}
}

func (f *Framework) startManager(ctx context.Context, opts Options, paths []string) error {
	mgr, err := ctrl.NewManager(f.Config, f.managerOptions())
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	mctx, cancel := context.WithCancel(ctx)
	f.Manager, f.cancel = mgr, cancel
	clusterCache, err := setupClusterAPI(mctx, mgr, opts.Kubeadm, f.isWorkload)
	if err != nil {
		return err
	}
	f.clusterCache = clusterCache
	if opts.Topology {
		if err := setupTopology(mctx, mgr, clusterCache); err != nil {
			return err
		}
	}
	if !opts.ExternalProvider {
		if err := setupProvider(mctx, mgr, opts.OpenStack); err != nil {
			return err
		}
	}
	if err := setupWebhooks(mgr, clusterCache, opts.Kubeadm); err != nil {
		return err
	}
	if err := checkServed(mgr, paths); err != nil {
		return err
	}
	f.started = true
	go func() { f.done <- mgr.Start(mctx) }()
	if !mgr.GetCache().WaitForCacheSync(mctx) {
		return errors.New("the manager's cache did not sync")
	}
	wh := f.env.WebhookInstallOptions
	return testenv.WaitForTLS(net.JoinHostPort(wh.LocalServingHost, strconv.Itoa(wh.LocalServingPort)), 30*time.Second)
}

// setupClusterAPI registers Cluster API's reconcilers as its managers do (core/main.go,
// bootstrap/kubeadm/main.go, controlplane/kubeadm/main.go), with their default timings.
func setupClusterAPI(ctx context.Context, mgr ctrl.Manager, kubeadm bool, connect clustercache.ClusterFilter) (clustercache.ClusterCache, error) {
	const name = "capo-e2e"
	if err := index.AddDefaultIndexes(ctx, mgr); err != nil {
		return nil, fmt.Errorf("cluster API indexes: %w", err)
	}
	secretCachingClient, err := setup.CreateSecretCachingClient(mgr)
	if err != nil {
		return nil, err
	}
	clusterCache, err := clustercache.SetupWithManager(ctx, mgr, clustercache.Options{
		SecretClient:  secretCachingClient,
		Cache:         setup.ClusterCacheCacheOptions(),
		Client:        setup.ClusterCacheClientOptions(name, 20, 30),
		ClusterFilter: connect,
	}, concurrency(10))
	if err != nil {
		return nil, fmt.Errorf("cluster cache: %w", err)
	}
	steps := []struct {
		what  string
		setup func() error
	}{
		{"Cluster", func() error {
			return (&cluster.Reconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
				RemoteConnectionGracePeriod: 50 * time.Second,
			}).SetupWithManager(ctx, mgr, concurrency(10))
		}},
		{"Machine", func() error {
			return (&machine.Reconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
				RemoteConditionsGracePeriod: 5 * time.Minute,
			}).SetupWithManager(ctx, mgr, concurrency(10))
		}},
		{"MachineSet", func() error {
			// No preflight checks: with a kubeadm control plane that never initializes here
			// (no real API server), they would keep every worker Machine from being created.
			return (&machineset.Reconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), ClusterCache: clusterCache,
			}).SetupWithManager(ctx, mgr, concurrency(10))
		}},
		{"MachineDeployment", func() error {
			return (&machinedeployment.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}).SetupWithManager(ctx, mgr, concurrency(10))
		}},
		{"MachineHealthCheck", func() error {
			return (&machinehealthcheck.Reconciler{Client: mgr.GetClient(), ClusterCache: clusterCache}).SetupWithManager(ctx, mgr, concurrency(10))
		}},
	}
	if kubeadm {
		steps = append(steps, struct {
			what  string
			setup func() error
		}{"KubeadmConfig", func() error {
			return (&kubeadmconfig.Reconciler{
				Client: mgr.GetClient(), SecretCachingClient: secretCachingClient, APIReader: mgr.GetAPIReader(),
				ClusterCache: clusterCache, TokenTTL: 15 * time.Minute,
			}).SetupWithManager(ctx, mgr, concurrency(10))
		}}, struct {
			what  string
			setup func() error
		}{"KubeadmControlPlane", func() error {
			return (&kubeadmcontrolplane.Reconciler{
				Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), SecretCachingClient: secretCachingClient,
				ClusterCache: clusterCache, EtcdDialTimeout: 10 * time.Second, EtcdCallTimeout: 15 * time.Second,
				EtcdLogger: zap.NewNop(), RemoteConditionsGracePeriod: 5 * time.Minute,
			}).SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: 10, ReconciliationTimeout: 3 * time.Minute})
		}})
	}
	for _, s := range steps {
		if err := s.setup(); err != nil {
			return nil, fmt.Errorf("setting up Cluster API's %s controller: %w", s.what, err)
		}
	}
	return clusterCache, nil
}

// setupProvider registers our reconcilers exactly as main.go's setupControllers does.
func setupProvider(ctx context.Context, mgr ctrl.Manager, o clients.Options) error {
	if o.UserAgent == "" {
		o.UserAgent = "cluster-api-provider-openstack/e2e"
	}
	scopes, err := scope.NewFactory(mgr.GetClient(), o, nil, scope.DefaultCacheSize)
	if err != nil {
		return err
	}
	if err := (&controllers.OpenStackClusterReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("openstackcluster-controller"), Scopes: scopes,
	}).SetupWithManager(ctx, mgr, concurrency(10)); err != nil {
		return fmt.Errorf("setting up the OpenStackCluster controller: %w", err)
	}
	if err := (&controllers.OpenStackMachineReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("openstackmachine-controller"), Scopes: scopes,
	}).SetupWithManager(ctx, mgr, concurrency(10)); err != nil {
		return fmt.Errorf("setting up the OpenStackMachine controller: %w", err)
	}
	if err := (&controllers.OpenStackMachineTemplateReconciler{Client: mgr.GetClient(), Scopes: scopes}).SetupWithManager(ctx, mgr, concurrency(2)); err != nil {
		return fmt.Errorf("setting up the OpenStackMachineTemplate controller: %w", err)
	}
	return nil
}

// setupWebhooks serves our admission webhooks and Cluster API's from the one manager.
func setupWebhooks(mgr ctrl.Manager, clusterCache clustercache.ClusterCache, kubeadm bool) error {
	if err := webhooks.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("our webhooks: %w", err)
	}
	// The conversion webhooks ask which version of a referenced kind is served; Cluster API
	// reads its contract labels from the CRD, the REST mapper's preferred version is the same
	// here (every CRD installed serves v1beta2 as its storage version).
	getter := func(_ context.Context, gk schema.GroupKind) (string, error) {
		m, err := mgr.GetRESTMapper().RESTMapping(gk)
		if err != nil {
			return "", err
		}
		return m.GroupVersionKind.GroupVersion().String(), nil
	}
	coreconversion.SetAPIVersionGetter(getter)
	type setupper interface{ SetupWebhookWithManager(ctrl.Manager) error }
	hooks := []setupper{
		&coreadmission.Cluster{Client: mgr.GetClient(), ClusterCacheReader: clusterCache},
		&coreadmission.Machine{}, &coreadmission.MachineSet{}, &coreadmission.MachineDeployment{},
		&coreadmission.MachineHealthCheck{}, &coreadmission.MachineDrainRule{},
	}
	if kubeadm {
		controlplaneconversion.SetAPIVersionGetter(getter)
		hooks = append(hooks,
			&bootstrapadmission.KubeadmConfig{}, &bootstrapadmission.KubeadmConfigTemplate{},
			&controlplaneadmission.KubeadmControlPlane{}, &controlplaneadmission.ScaleValidator{Client: mgr.GetClient()},
			&controlplaneadmission.KubeadmControlPlaneTemplate{},
		)
	}
	for _, h := range hooks {
		if err := h.SetupWebhookWithManager(mgr); err != nil {
			return fmt.Errorf("cluster API webhook %T: %w", h, err)
		}
	}
	return nil
}

// checkServed fails when a webhook configuration installed in the API server points at a
// path the manager does not serve: every create of that kind would then be rejected.
func checkServed(mgr ctrl.Manager, paths []string) error {
	mux := mgr.GetWebhookServer().WebhookMux()
	for _, p := range paths {
		if _, pattern := mux.Handler(httptest.NewRequest(http.MethodPost, p, nil)); pattern != p {
			return fmt.Errorf("webhook path %s is installed but not served", p)
		}
	}
	return nil
}

func concurrency(n int) controller.Options { return controller.Options{MaxConcurrentReconciles: n} }

// Stop stops the manager, the API server and the simulator.
func (f *Framework) Stop() error {
	var errs []error
	if f.cancel != nil {
		f.cancel()
	}
	if f.started {
		select {
		case err := <-f.done:
			errs = append(errs, err)
		case <-time.After(time.Minute):
			errs = append(errs, errors.New("the manager did not stop within a minute"))
		}
	}
	// Cluster API's workload cluster caches watch the test API server (the workload cluster of
	// WriteWorkloadKubeconfig) with a context of their own: stop them, or the API server waits
	// for their watches when it stops.
	if s, ok := f.clusterCache.(interface{ Shutdown() }); ok {
		s.Shutdown()
	}
	if f.env != nil {
		errs = append(errs, f.env.Stop())
	}
	if f.Sim != nil {
		f.Sim.Close()
	}
	return errors.Join(errs...)
}
