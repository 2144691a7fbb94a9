package api

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// templateVariables are the clusterctl variables a user sets to render the templates.
var templateVariables = map[string]string{
	"KUBERNETES_VERSION":                     "v1.36.3",
	"OPENSTACK_CLOUD":                        "openstack",
	"OPENSTACK_CLOUD_YAML_B64":               base64.StdEncoding.EncodeToString([]byte("clouds:\n  openstack:\n    auth: {}\n")),
	"OPENSTACK_EXTERNAL_NETWORK_ID":          "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
	"OPENSTACK_IMAGE_NAME":                   "ubuntu-2404-kube-v1.36",
	"OPENSTACK_CONTROL_PLANE_MACHINE_FLAVOR": "m1.medium",
	"OPENSTACK_NODE_MACHINE_FLAVOR":          "m1.small",
	"OPENSTACK_SSH_KEY_NAME":                 "ops",
	"OPENSTACK_DNS_NAMESERVERS":              "9.9.9.9",
	"OPENSTACK_FAILURE_DOMAIN":               "az1",
}

// TestTemplatesRenderAndApply renders every template of templates/ with the real
// `clusterctl generate cluster` and creates the result in the API server, which has our CRDs
// and Cluster API's (core, kubeadm bootstrap and control plane) installed.
func TestTemplatesRenderAndApply(t *testing.T) {
	root := testenv.RepoRoot()
	files, err := filepath.Glob(filepath.Join(root, "templates", "cluster-template*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("templates: %v %v", files, err)
	}
	classes, err := filepath.Glob(filepath.Join(root, "templates", "clusterclass-*.yaml"))
	if err != nil || len(classes) == 0 {
		t.Fatalf("cluster classes: %v %v", classes, err)
	}
	clusterctl := os.Getenv("CLUSTERCTL")
	if clusterctl == "" {
		clusterctl = filepath.Join(root, "bin", "clusterctl")
		run(t, root, nil, "make", "--no-print-directory", "bin/clusterctl")
	}
	vars := []string{"HOME=" + t.TempDir(), "CLUSTERCTL_DISABLE_VERSIONCHECK=true"}
	for k, v := range templateVariables {
		vars = append(vars, k+"="+v)
	}
	for i, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ns := namespace(t)
			name := "tpl" + string(rune('a'+i))
			listed := string(run(t, root, vars, clusterctl, "generate", "cluster", name, "--from", f, "-n", ns, "--list-variables"))
			for _, v := range []string{"OPENSTACK_CLOUD_YAML_B64", "OPENSTACK_IMAGE_NAME", "KUBERNETES_VERSION"} {
				if !strings.Contains(listed, v) {
					t.Errorf("--list-variables does not list %s:\n%s", v, listed)
				}
			}
			want := []string{"Cluster", "OpenStackCluster", "KubeadmControlPlane", "MachineDeployment", "OpenStackMachineTemplate", "KubeadmConfigTemplate", "Secret"}
			if strings.HasSuffix(f, "-topology.yaml") {
				// The ClusterClass goes first: clusterctl adds it when rendering from a repository
				// (TestTopologyFlavorFromRepository); here it is rendered and applied on its own.
				for _, c := range classes {
					createAll(t, ns, run(t, root, vars, clusterctl, "generate", "yaml", "--from", c))
				}
				want = []string{"Cluster", "Secret"}
			}
			kinds := createAll(t, ns, run(t, root, vars, clusterctl, "generate", "cluster", name, "--from", f, "-n", ns))
			for _, k := range want {
				if kinds[k] == 0 {
					t.Errorf("template renders no %s (kinds: %v)", k, kinds)
				}
			}
			secret := &corev1.Secret{}
			if err := env.Manager.GetAPIReader().Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name + "-cloud-config"}, secret); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(secret.Data["clouds.yaml"]), "openstack") {
				t.Errorf("the clouds.yaml Secret does not hold the decoded clouds.yaml: %q", secret.Data["clouds.yaml"])
			}
		})
	}
}

// createAll creates every object of a rendered manifest in ns (unless it names its own) with
// strict field validation, and counts them by kind.
func createAll(t *testing.T, ns string, manifest []byte) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	for _, o := range decodeAll(t, manifest) {
		kinds[o.GetKind()]++
		if o.GetNamespace() == "" {
			o.SetNamespace(ns)
		}
		if err := env.Client.Create(context.Background(), o, client.FieldValidation("Strict")); err != nil {
			t.Errorf("creating %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
	return kinds
}

// TestClusterClassHasNoVariables: the ClusterClass file is applied as is, once per namespace,
// so clusterctl must find nothing to substitute in it.
func TestClusterClassHasNoVariables(t *testing.T) {
	root := testenv.RepoRoot()
	classes, _ := filepath.Glob(filepath.Join(root, "templates", "clusterclass-*.yaml"))
	if len(classes) == 0 {
		t.Fatal("no templates/clusterclass-*.yaml")
	}
	for _, c := range classes {
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "${") {
			t.Errorf("%s uses clusterctl variables", filepath.Base(c))
		}
	}
}

// TestTopologyFlavorFromRepository renders `--flavor topology` from a clusterctl repository
// built by `make release-manifests`, as users do: clusterctl must add the ClusterClass and its
// templates before the Cluster, and everything must apply.
func TestTopologyFlavorFromRepository(t *testing.T) {
	home, config, clusterctl := localRepository(t)
	vars := []string{"HOME=" + home, "CLUSTERCTL_DISABLE_VERSIONCHECK=true", "KUBECONFIG=" + filepath.Join(home, "none")}
	for k, v := range templateVariables {
		vars = append(vars, k+"="+v)
	}
	ns := namespace(t)
	out := run(t, testenv.RepoRoot(), vars, clusterctl, "generate", "cluster", "topo", "--infrastructure", "openstack:"+version,
		"--flavor", "topology", "-n", ns, "--config", config)
	objs := decodeAll(t, out)
	if len(objs) == 0 || objs[0].GetKind() != "ClusterClass" {
		t.Fatalf("clusterctl did not put the ClusterClass first: %d objects", len(objs))
	}
	kinds := createAll(t, ns, out)
	for k, n := range map[string]int{"ClusterClass": 1, "OpenStackClusterTemplate": 1, "KubeadmControlPlaneTemplate": 1,
		"OpenStackMachineTemplate": 2, "KubeadmConfigTemplate": 1, "Cluster": 1, "Secret": 1} {
		if kinds[k] != n {
			t.Errorf("%d %s, want %d (kinds: %v)", kinds[k], k, n, kinds)
		}
	}
}
