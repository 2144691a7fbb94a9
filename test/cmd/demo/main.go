// Command demo runs the provider on this machine with no cloud: it starts a local kube-apiserver
// and etcd with the provider's CRDs and webhook configurations, runs the manager binary against
// it, shows what is installed, and applies the sample manifests through the manager's webhooks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

func main() {
	manager := flag.String("manager", "bin/manager", "path of the manager binary")
	keep := flag.Bool("keep", false, "keep the API server and manager running until interrupted, and print a kubeconfig")
	flag.Parse()
	if err := run(*manager, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(managerPath string, keep bool) error {
	if err := testenv.CheckAssets(); err != nil {
		return err
	}
	env := testenv.NewEnvironment(testenv.NewScheme())
	step("starting a local kube-apiserver and etcd")
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("the local API server did not start: %w", err)
	}
	defer func() { _ = env.Stop() }()
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		return err
	}
	kubeconfig, err := writeKubeconfig(env)
	if err != nil {
		return err
	}

	step("starting the manager: " + managerPath)
	stop, err := startManager(managerPath, kubeconfig, env.WebhookInstallOptions)
	if err != nil {
		return err
	}
	defer stop()

	step("installed CRDs")
	if err := printCRDs(c); err != nil {
		return err
	}
	step("applying the sample manifests through the manager's admission webhooks")
	if err := applySamples(c); err != nil {
		return err
	}
	if keep {
		kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
		fmt.Printf("\nEverything keeps running. Explore with:\n  export KUBECONFIG=%s\n  %s get osc,osm,osmt,osct -A\nPress Ctrl-C to stop.\n", kubeconfig, kubectl)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
	}
	step("done: stopping the manager and the API server")
	return nil
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }

func writeKubeconfig(env *envtest.Environment) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(os.TempDir(), "capo-demo.kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// startManager runs the manager binary with its webhook server where the installed webhook
// configurations point, and waits until it reports ready.
func startManager(path, kubeconfig string, wh envtest.WebhookInstallOptions) (func(), error) {
	probe, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path,
		"--kubeconfig="+kubeconfig,
		"--webhook-port="+strconv.Itoa(wh.LocalServingPort),
		"--webhook-cert-dir="+wh.LocalServingCertDir,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=127.0.0.1:"+strconv.Itoa(probe),
		"--v=1")
	logFile, err := os.Create(filepath.Join(os.TempDir(), "capo-demo-manager.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("the manager binary did not start (build it with `make build`): %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = logFile.Close()
	}
	readyz := fmt.Sprintf("http://127.0.0.1:%d/readyz", probe)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(readyz) //nolint:gosec // local probe address built above
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Printf("manager ready (%s); log: %s\n", readyz, logFile.Name())
				return stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("the manager did not become ready within 60s; see %s", logFile.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func printCRDs(c client.Client) error {
	list := &apiextensionsv1.CustomResourceDefinitionList{}
	if err := c.List(context.Background(), list); err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CRD\tSHORT\tVERSIONS\tCONTRACT")
	for _, crd := range list.Items {
		var versions []string
		for _, v := range crd.Spec.Versions {
			versions = append(versions, v.Name)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", crd.Name, strings.Join(crd.Spec.Names.ShortNames, ","),
			strings.Join(versions, ","), crd.Labels["cluster.x-k8s.io/v1beta2"])
	}
	return w.Flush()
}

// applySamples creates every manifest of test/manifests, then one invalid object, and shows
// the webhook's answer.
func applySamples(c client.Client) error {
	dir := filepath.Join(testenv.RepoRoot(), "test", "manifests")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FILE\tKIND\tNAME\tRESULT")
	var bad *unstructured.Unstructured
	rejected := 0
	for _, f := range files {
		obj, err := readObject(f)
		if err != nil {
			return err
		}
		obj.SetNamespace("default")
		result := "created"
		if err := c.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
			result = "REJECTED: " + err.Error()
			rejected++
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", filepath.Base(f), obj.GetKind(), obj.GetName(), result)
		if obj.GetKind() == "OpenStackMachine" {
			bad = obj
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if rejected > 0 {
		return fmt.Errorf("%d sample manifests were rejected; the table above says why", rejected)
	}
	if bad == nil {
		return errors.New("no OpenStackMachine sample to change")
	}
	fmt.Println("\nchanging the flavor of a machine (immutable) is refused by the webhook:")
	if err := unstructured.SetNestedField(bad.Object, "m1.xlarge", "spec", "flavor", "filter", "name"); err != nil {
		return err
	}
	err = c.Update(context.Background(), bad)
	if err == nil {
		return errors.New("the webhook accepted an immutable change")
	}
	fmt.Println("  " + err.Error())
	return nil
}

func readObject(path string) (*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	return obj, yaml.Unmarshal(data, &obj.Object)
}
