// Package testenv starts a real kube-apiserver and etcd (controller-runtime envtest, binaries
// from KUBEBUILDER_ASSETS) with the provider's CRDs and admission webhooks installed, for
// integration tests. Build the binaries with `make envtest-assets`.
package testenv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/webhooks"
)

// Env is a running API server with the provider's CRDs and webhooks.
type Env struct {
	Config  *rest.Config
	Client  client.Client
	Scheme  *kruntime.Scheme
	Manager ctrl.Manager

	env    *envtest.Environment
	cancel context.CancelFunc
	done   chan error
}

// Options tune the environment.
type Options struct {
	// ExtraCRDPaths are installed besides the provider's CRDs (e.g. Cluster API's).
	ExtraCRDPaths []string
	// Setup registers controllers on the manager before it starts.
	Setup func(ctrl.Manager) error
}

// RepoRoot is the root of this repository, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// NewScheme returns a scheme with Kubernetes, Cluster API and provider types.
func NewScheme() *kruntime.Scheme {
	s := kruntime.NewScheme()
	for _, add := range []func(*kruntime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, clusterv1.AddToScheme, infrav1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// NewEnvironment describes an API server with the provider's CRDs (plus extraCRDPaths) and
// webhook configurations pointing at a local webhook server.
func NewEnvironment(scheme *kruntime.Scheme, extraCRDPaths ...string) *envtest.Environment {
	root := RepoRoot()
	return &envtest.Environment{
		Scheme:                scheme,
		CRDDirectoryPaths:     append([]string{filepath.Join(root, "config", "crd", "bases")}, extraCRDPaths...),
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{Paths: []string{filepath.Join(root, "config", "webhook", "manifests.yaml")}},
	}
}

// Start starts the API server, installs CRDs and webhook configurations, and runs a manager
// serving the provider's webhooks.
func Start(opts Options) (*Env, error) {
	if err := CheckAssets(); err != nil {
		return nil, err
	}
	scheme := NewScheme()
	env := NewEnvironment(scheme, opts.ExtraCRDPaths...)
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the test API server: %w", err)
	}
	e := &Env{Config: cfg, Scheme: scheme, env: env, done: make(chan error, 1)}
	if err := e.startManager(opts); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return e, nil
}

func (e *Env) startManager(opts Options) error {
	wh := e.env.WebhookInstallOptions
	mgr, err := ctrl.NewManager(e.Config, ctrl.Options{
		Scheme:  e.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: wh.LocalServingHost, Port: wh.LocalServingPort, CertDir: wh.LocalServingCertDir,
		}),
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	if err := webhooks.SetupWithManager(mgr); err != nil {
		return err
	}
	if opts.Setup != nil {
		if err := opts.Setup(mgr); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.Manager, e.Client = cancel, mgr, mgr.GetClient()
	go func() { e.done <- mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return errors.New("the manager's cache did not sync")
	}
	return WaitForTLS(net.JoinHostPort(wh.LocalServingHost, strconv.Itoa(wh.LocalServingPort)), 30*time.Second)
}

// ClusterAPICRDs returns the directories of Cluster API's CRDs in the module cache: core, and
// the kubeadm bootstrap and control-plane providers.
func ClusterAPICRDs() ([]string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/cluster-api").Output()
	if err != nil {
		return nil, fmt.Errorf("locating the Cluster API module: %w", err)
	}
	dir := strings.TrimSpace(string(out))
	return []string{
		filepath.Join(dir, "core", "config", "crd", "bases"),
		filepath.Join(dir, "bootstrap", "kubeadm", "config", "crd", "bases"),
		filepath.Join(dir, "controlplane", "kubeadm", "config", "crd", "bases"),
	}, nil
}

// CheckAssets says how to get the API server binaries when KUBEBUILDER_ASSETS is not set.
func CheckAssets() error {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: run through `make test` / `make demo`, or export KUBEBUILDER_ASSETS=$(hack/build-envtest-assets.sh)")
	}
	return nil
}

// WaitForTLS waits until the webhook server accepts TLS connections.
func WaitForTLS(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // local test server with a generated certificate
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook server at %s did not start: %w", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the manager and the API server.
func (e *Env) Stop() error {
	e.cancel()
	mgrErr := <-e.done
	return errors.Join(mgrErr, e.env.Stop())
}
