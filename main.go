// Command manager runs the OpenStack infrastructure provider for Cluster API.
package main

import (
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/component-base/logs"
	logsv1 "k8s.io/component-base/logs/api/v1"
	_ "k8s.io/component-base/logs/json/register"
	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/controllers"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/webhooks"
)

// options are the manager's command-line settings.
type options struct {
	namespace            string
	watchFilter          string
	leaderElect          bool
	leaseDuration        time.Duration
	renewDeadline        time.Duration
	retryPeriod          time.Duration
	metricsAddr          string
	probeAddr            string
	webhookPort          int
	webhookCertDir       string
	clusterConcurrency   int
	machineConcurrency   int
	templateConcurrency  int
	syncPeriod           time.Duration
	kubeAPIQPS           float32
	kubeAPIBurst         int
	caCertsPath          string
	openstack            clients.Options
	logOptions           *logsv1.LoggingConfiguration
	showVersion          bool
	providerIDWithRegion bool
	leaderElectionNSName string
}

var version = "dev"

func (o *options) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.namespace, "namespace", "", "Watch only this namespace. Empty watches all namespaces.")
	fs.StringVar(&o.watchFilter, "watch-filter", "", "Reconcile only objects whose cluster.x-k8s.io/watch-filter label has this value.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so only one replica reconciles at a time.")
	fs.DurationVar(&o.leaseDuration, "leader-elect-lease-duration", 15*time.Second, "How long a leader lease lasts.")
	fs.DurationVar(&o.renewDeadline, "leader-elect-renew-deadline", 10*time.Second, "How long the leader tries to renew before giving up.")
	fs.DurationVar(&o.retryPeriod, "leader-elect-retry-period", 2*time.Second, "How often candidates try to take the lease.")
	fs.StringVar(&o.leaderElectionNSName, "leader-election-namespace", "", "Namespace of the leader-election lease. Empty means the manager's own namespace.")
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; 0 disables it.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":9440", "Address the /healthz and /readyz endpoints bind to.")
	fs.IntVar(&o.webhookPort, "webhook-port", 9443, "Port of the admission webhook server; 0 disables webhooks.")
	fs.StringVar(&o.webhookCertDir, "webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs/", "Directory holding tls.crt and tls.key of the webhook server.")
	fs.IntVar(&o.clusterConcurrency, "openstackcluster-concurrency", 10, "OpenStackClusters reconciled at once.")
	fs.IntVar(&o.machineConcurrency, "openstackmachine-concurrency", 10, "OpenStackMachines reconciled at once.")
	fs.IntVar(&o.templateConcurrency, "openstackmachinetemplate-concurrency", 2, "OpenStackMachineTemplates reconciled at once.")
	fs.DurationVar(&o.syncPeriod, "sync-period", 10*time.Minute, "How often every object is reconciled even without a change.")
	fs.Float32Var(&o.kubeAPIQPS, "kube-api-qps", 20, "Queries per second to the Kubernetes API server.")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", 30, "Burst of queries to the Kubernetes API server.")
	fs.StringVar(&o.caCertsPath, "ca-certs", "", "PEM file of CA certificates trusted for every OpenStack endpoint, in addition to a Secret's cacert.")
	fs.Float64Var(&o.openstack.RateLimits.ReadQPS, "openstack-read-qps", clients.DefaultReadQPS, "OpenStack read requests per second, per endpoint and service.")
	fs.IntVar(&o.openstack.RateLimits.ReadBurst, "openstack-read-burst", clients.DefaultReadBurst, "Burst of OpenStack read requests.")
	fs.Float64Var(&o.openstack.RateLimits.WriteQPS, "openstack-write-qps", clients.DefaultWriteQPS, "OpenStack write requests per second, per endpoint and service.")
	fs.IntVar(&o.openstack.RateLimits.WriteBurst, "openstack-write-burst", clients.DefaultWriteBurst, "Burst of OpenStack write requests.")
	fs.DurationVar(&o.openstack.RequestTimeout, "openstack-request-timeout", 0, "Bound on one OpenStack call, retries included. 0 means the default.")
	fs.BoolVar(&o.providerIDWithRegion, "provider-id-with-region", false,
		"Write machines' provider IDs as openstack://<region>/<id>, as the OpenStack cloud controller manager does with OS_CCM_REGIONAL=true; "+
			"by default openstack:///<id>, its default. It must match the Nodes' providerID for Cluster API to link Machines to Nodes.")
	fs.BoolVar(&o.showVersion, "version", false, "Print the version and exit.")
	o.logOptions = logs.NewOptions()
	logsv1.AddFlags(o.logOptions, fs)
}

func main() {
	o := &options{}
	fs := pflag.CommandLine
	fs.AddGoFlagSet(flag.CommandLine)
	o.addFlags(fs)
	pflag.Parse()
	if o.showVersion {
		fmt.Println(version)
		return
	}
	if err := run(o); err != nil {
		klog.Background().Error(err, "manager stopped")
		os.Exit(1)
	}
}

func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, clusterv1.AddToScheme, infrav1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func run(o *options) error {
	if err := logsv1.ValidateAndApply(o.logOptions, nil); err != nil {
		return fmt.Errorf("invalid logging flags: %w", err)
	}
	ctrl.SetLogger(klog.Background())
	log := ctrl.Log.WithName("setup")

	caCerts, err := loadCACerts(o.caCertsPath)
	if err != nil {
		return err
	}
	ctx := ctrl.SetupSignalHandler()
	scheme, err := newScheme()
	if err != nil {
		return err
	}
	restConfig, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("cannot reach the management cluster: %w", err)
	}
	restConfig.QPS, restConfig.Burst = o.kubeAPIQPS, o.kubeAPIBurst
	restConfig.UserAgent = "cluster-api-provider-openstack-manager"

	mgr, err := ctrl.NewManager(restConfig, managerOptions(o, scheme))
	if err != nil {
		return fmt.Errorf("cannot create the manager: %w", err)
	}
	if err := setupControllers(ctx, mgr, o, caCerts); err != nil {
		return err
	}
	if o.webhookPort != 0 {
		if err := webhooks.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("cannot set up webhooks: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	ready := healthz.Ping
	if o.webhookPort != 0 {
		ready = mgr.GetWebhookServer().StartedChecker()
	}
	if err := mgr.AddReadyzCheck("webhook", ready); err != nil {
		return err
	}
	log.Info("starting manager", "version", version, "namespace", o.namespace, "watchFilter", o.watchFilter)
	return mgr.Start(ctx)
}

// setupControllers registers the reconcilers, all sharing one cache of OpenStack client sets.
func setupControllers(ctx context.Context, mgr ctrl.Manager, o *options, caCerts []byte) error {
	o.openstack.UserAgent = "cluster-api-provider-openstack/" + version
	scopes, err := scope.NewFactory(mgr.GetClient(), o.openstack, caCerts, scope.DefaultCacheSize)
	if err != nil {
		return err
	}
	clusters := &controllers.OpenStackClusterReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("openstackcluster-controller"),
		Scopes: scopes, WatchFilter: o.watchFilter,
	}
	if err := clusters.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: o.clusterConcurrency}); err != nil {
		return fmt.Errorf("cannot set up the OpenStackCluster controller: %w", err)
	}
	machines := &controllers.OpenStackMachineReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("openstackmachine-controller"),
		Scopes: scopes, WatchFilter: o.watchFilter, ProviderIDWithRegion: o.providerIDWithRegion,
	}
	if err := machines.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: o.machineConcurrency}); err != nil {
		return fmt.Errorf("cannot set up the OpenStackMachine controller: %w", err)
	}
	templates := &controllers.OpenStackMachineTemplateReconciler{Client: mgr.GetClient(), Scopes: scopes, WatchFilter: o.watchFilter}
	if err := templates.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: o.templateConcurrency}); err != nil {
		return fmt.Errorf("cannot set up the OpenStackMachineTemplate controller: %w", err)
	}
	return nil
}

// loadCACerts reads the --ca-certs file, so a bad file stops the manager at start with a clear
// message instead of failing every OpenStack call later.
func loadCACerts(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--ca-certs: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-certs: %s holds no PEM-encoded certificate", path)
	}
	return pem, nil
}

// managerOptions turns the flags into controller-runtime settings. Secrets and ConfigMaps are
// read straight from the API server, never from a cluster-wide informer cache.
func managerOptions(o *options, scheme *runtime.Scheme) ctrl.Options {
	opts := ctrl.Options{
		Scheme:                        scheme,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              "controller-leader-election-capo-ng",
		LeaderElectionNamespace:       o.leaderElectionNSName,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &o.leaseDuration,
		RenewDeadline:                 &o.renewDeadline,
		RetryPeriod:                   &o.retryPeriod,
		HealthProbeBindAddress:        o.probeAddr,
		Metrics:                       metricsserver.Options{BindAddress: o.metricsAddr},
		Cache:                         cache.Options{SyncPeriod: &o.syncPeriod},
		Client: client.Options{Cache: &client.CacheOptions{
			DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}},
		}},
	}
	if o.namespace != "" {
		opts.Cache.DefaultNamespaces = map[string]cache.Config{o.namespace: {}}
	}
	if o.webhookPort != 0 {
		opts.WebhookServer = webhook.NewServer(webhook.Options{Port: o.webhookPort, CertDir: o.webhookCertDir})
	}
	return opts
}
