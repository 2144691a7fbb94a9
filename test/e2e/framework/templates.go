package framework

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// CloudsYAML is the simulator's clouds.yaml, with the entry CloudName.
func (f *Framework) CloudsYAML() []byte {
	if f.Real != nil {
		return f.Real.CloudsYAML
	}
	return f.Sim.CloudsYAML(CloudName)
}

// TemplateVariables are the clusterctl variables that make templates/cluster-template*.yaml
// target the simulator: its clouds.yaml, external network, image and flavors.
func (f *Framework) TemplateVariables() map[string]string {
	return map[string]string{
		"KUBERNETES_VERSION":                     "v1.36.3",
		"OPENSTACK_CLOUD":                        CloudName,
		"OPENSTACK_CLOUD_YAML_B64":               base64.StdEncoding.EncodeToString(f.CloudsYAML()),
		"OPENSTACK_EXTERNAL_NETWORK_ID":          f.ExternalNetworkID,
		"OPENSTACK_IMAGE_NAME":                   Image,
		"OPENSTACK_CONTROL_PLANE_MACHINE_FLAVOR": ControlPlaneFlavor,
		"OPENSTACK_NODE_MACHINE_FLAVOR":          NodeFlavor,
		"OPENSTACK_SSH_KEY_NAME":                 "",
		"OPENSTACK_FAILURE_DOMAIN":               "az1",
	}
}

// TemplatePath is the path of templates/<file>.
func TemplatePath(file string) string { return filepath.Join(testenv.RepoRoot(), "templates", file) }

var clusterctlOnce struct {
	sync.Once
	path string
	err  error
}

// Clusterctl is the clusterctl binary: $CLUSTERCTL, else bin/clusterctl built by make (the
// version pinned in go.mod).
func Clusterctl() (string, error) {
	clusterctlOnce.Do(func() {
		if p := os.Getenv("CLUSTERCTL"); p != "" {
			clusterctlOnce.path = p
			return
		}
		root := testenv.RepoRoot()
		cmd := exec.Command("make", "--no-print-directory", "bin/clusterctl")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			clusterctlOnce.err = fmt.Errorf("make bin/clusterctl: %w\n%s", err, out)
			return
		}
		clusterctlOnce.path = filepath.Join(root, "bin", "clusterctl")
	})
	return clusterctlOnce.path, clusterctlOnce.err
}

// RenderTemplate renders a cluster template with the real `clusterctl generate cluster`, with
// TemplateVariables overridden by vars, and returns its objects, namespaced in namespace.
func (f *Framework) RenderTemplate(ctx context.Context, template, clusterName, namespace string, vars map[string]string) ([]*unstructured.Unstructured, error) {
	bin, err := Clusterctl()
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "clusterctl-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	all := f.TemplateVariables()
	for k, v := range vars {
		all[k] = v
	}
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "CLUSTERCTL_DISABLE_VERSIONCHECK=true")
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+all[k])
	}
	cmd := exec.CommandContext(ctx, bin, "generate", "cluster", clusterName, "--from", template, "-n", namespace)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("clusterctl generate cluster: %w\n%s", err, stderr.String())
	}
	docs, err := splitYAML(out)
	if err != nil {
		return nil, err
	}
	objs := make([]*unstructured.Unstructured, 0, len(docs))
	for _, d := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(d, &u.Object); err != nil {
			return nil, err
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.GetNamespace() == "" {
			u.SetNamespace(namespace)
		}
		objs = append(objs, u)
	}
	return objs, nil
}
