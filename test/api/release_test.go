package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// TestReleaseManifests builds the clusterctl repository with `make release-manifests`, loads it
// with the real clusterctl (`generate provider`, which runs the same component processing as
// `clusterctl init`), checks the provider contract on the result and applies it to the API server.
func TestReleaseManifests(t *testing.T) {
	out := t.TempDir()
	home, config, clusterctl := localRepository(t)
	envVars := []string{"HOME=" + home, "CLUSTERCTL_DISABLE_VERSIONCHECK=true", "CAPO_LOGLEVEL=5"}
	components := run(t, out, envVars, clusterctl, "generate", "provider", "--infrastructure", "openstack:"+version, "--config", config)

	objs := decodeAll(t, components)
	var namespaces []string
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			namespaces = append(namespaces, o.GetName())
		}
		if o.GetLabels()["cluster.x-k8s.io/provider"] != "infrastructure-openstack" {
			t.Errorf("%s %s lacks label cluster.x-k8s.io/provider=infrastructure-openstack", o.GetKind(), o.GetName())
		}
		if ns := o.GetNamespace(); ns != "" && ns != "capo-system" {
			t.Errorf("%s %s is in namespace %s, want capo-system", o.GetKind(), o.GetName(), ns)
		}
	}
	if !slices.Equal(namespaces, []string{"capo-system"}) {
		t.Errorf("namespaces = %v, want exactly [capo-system]", namespaces)
	}
	checkDeployment(t, objs)
	checkLeastPrivilege(t, objs)
	applyComponents(t, objs)
}

func checkDeployment(t *testing.T, objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		d := &appsv1.Deployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d); err != nil {
			t.Fatal(err)
		}
		c := d.Spec.Template.Spec.Containers
		if len(c) != 1 || c[0].Name != "manager" {
			t.Fatalf("deployment containers = %+v, want one named manager", c)
		}
		if !slices.Contains(c[0].Args, "--v=5") {
			t.Errorf("clusterctl variable CAPO_LOGLEVEL did not reach the args: %v", c[0].Args)
		}
		if !strings.HasSuffix(c[0].Image, ":v0.1.0") {
			t.Errorf("image = %s, want the release version tag", c[0].Image)
		}
		return
	}
	t.Fatal("no Deployment in the components")
}

// checkLeastPrivilege fails when the manager may list or watch Secrets cluster-wide.
func checkLeastPrivilege(t *testing.T, objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() != "ClusterRole" {
			continue
		}
		r := &rbacv1.ClusterRole{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, r); err != nil {
			t.Fatal(err)
		}
		for _, rule := range r.Rules {
			if (slices.Contains(rule.Resources, "secrets") || slices.Contains(rule.Resources, "*")) &&
				(slices.Contains(rule.Verbs, "list") || slices.Contains(rule.Verbs, "watch") || slices.Contains(rule.Verbs, "*")) {
				t.Errorf("ClusterRole %s may list or watch secrets cluster-wide: %+v", r.Name, rule)
			}
		}
	}
}

// applyComponents server-side applies every object (as a dry run; cert-manager's kinds are
// not installed here) so the API server validates them.
func applyComponents(t *testing.T, objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GroupVersionKind().Group == "cert-manager.io" {
			continue
		}
		opts := []client.PatchOption{client.FieldOwner("release-test"), client.ForceOwnership}
		if o.GetKind() != "Namespace" { // objects inside it need it to exist
			opts = append(opts, client.DryRunAll)
		}
		err := env.Client.Patch(context.Background(), o, client.Apply, opts...)
		if err != nil {
			t.Errorf("applying %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		o := &unstructured.Unstructured{}
		if err := dec.Decode(&o.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatal(err)
		}
		if len(o.Object) > 0 {
			objs = append(objs, o)
		}
	}
}

func run(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// version is the provider version of the local clusterctl repositories of these tests.
const version = "v0.1.0"

// localRepository builds a clusterctl repository of this provider's version with
// `make release-manifests` and returns a HOME, a clusterctl.yaml naming the repository, and the
// clusterctl binary ($CLUSTERCTL, else bin/clusterctl built by make).
func localRepository(t *testing.T) (home, config, clusterctl string) {
	t.Helper()
	root := testenv.RepoRoot()
	repo := filepath.Join(t.TempDir(), "infrastructure-openstack", version)
	run(t, root, nil, "make", "--no-print-directory", "release-manifests", "OUT="+repo, "VERSION="+version)
	home = t.TempDir()
	config = filepath.Join(home, "clusterctl.yaml")
	writeFile(t, config, "providers:\n  - name: openstack\n    type: InfrastructureProvider\n    url: file://"+
		filepath.Join(repo, "infrastructure-components.yaml")+"\n")
	clusterctl = os.Getenv("CLUSTERCTL")
	if clusterctl == "" {
		clusterctl = filepath.Join(root, "bin", "clusterctl")
		run(t, root, nil, "make", "--no-print-directory", "bin/clusterctl")
	}
	return home, config, clusterctl
}
