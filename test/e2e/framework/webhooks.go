package framework

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// hookSet is what envtest installs: webhook configurations pointing at the manager.
type hookSet struct {
	mutating   []*admissionv1.MutatingWebhookConfiguration
	validating []*admissionv1.ValidatingWebhookConfiguration
	// paths are the URL paths those configurations call.
	paths []string
}

// hookSource is one provider's webhook manifest and the resources whose webhooks we serve.
type hookSource struct {
	prefix    string
	file      string
	resources []string // nil keeps every webhook of the file
}

// capiModuleDir is the Cluster API module in the module cache.
func capiModuleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/cluster-api").Output()
	if err != nil {
		return "", fmt.Errorf("locating the Cluster API module: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// contractLabelledCRDs reads the CRDs of Cluster API's kubeadm providers from their bases
// directories with the contract labels their kustomizations add
// (cluster.x-k8s.io/<contract>: <version>): without them the Cluster and Machine controllers
// cannot tell which version of KubeadmControlPlane and KubeadmConfig to read.
func contractLabelledCRDs(dirs ...string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("no CRD in %s: %v", dir, err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := yaml.Unmarshal(data, crd); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if crd.Labels == nil {
				crd.Labels = map[string]string{}
			}
			crd.Labels["cluster.x-k8s.io/v1beta1"] = "v1beta1"
			crd.Labels["cluster.x-k8s.io/v1beta2"] = "v1beta2"
			out = append(out, crd)
		}
	}
	return out, nil
}

// webhookConfigurations reads our webhook manifest and Cluster API's. Every provider names its
// configurations "mutating-webhook-configuration" and "validating-webhook-configuration", so
// each gets a prefix (envtest would otherwise overwrite one with the next); Cluster API's keep
// only the webhooks of the kinds we serve (MachinePool, IPAM and runtime extensions are not run
// here, ClusterClass only with Options.Topology, and a configured but unserved webhook rejects
// every write).
func webhookConfigurations(capi string, kubeadm, topology bool) (hookSet, error) {
	core := []string{"clusters", "machines", "machinesets", "machinedeployments", "machinehealthchecks", "machinedrainrules"}
	if topology {
		core = append(core, "clusterclasses")
	}
	sources := []hookSource{
		{prefix: "capo", file: filepath.Join(testenv.RepoRoot(), "config", "webhook", "manifests.yaml")},
		{prefix: "capi-core", file: filepath.Join(capi, "core", "config", "webhook", "manifests.yaml"), resources: core},
	}
	if kubeadm {
		sources = append(sources,
			hookSource{prefix: "capi-kubeadm-bootstrap", file: filepath.Join(capi, "bootstrap", "kubeadm", "config", "webhook", "manifests.yaml")},
			hookSource{prefix: "capi-kubeadm-control-plane", file: filepath.Join(capi, "controlplane", "kubeadm", "config", "webhook", "manifests.yaml")},
		)
	}
	var out hookSet
	for _, src := range sources {
		if err := src.load(&out); err != nil {
			return hookSet{}, fmt.Errorf("%s: %w", src.file, err)
		}
	}
	return out, nil
}

func (src hookSource) keeps(rules []admissionv1.RuleWithOperations) bool {
	if src.resources == nil {
		return true
	}
	for _, r := range rules {
		for _, res := range r.Resources {
			if slices.Contains(src.resources, strings.Split(res, "/")[0]) {
				return true
			}
		}
	}
	return false
}

func (src hookSource) load(out *hookSet) error {
	data, err := os.ReadFile(src.file)
	if err != nil {
		return err
	}
	docs, err := splitYAML(data)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "MutatingWebhookConfiguration":
			c := &admissionv1.MutatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(doc, c); err != nil {
				return err
			}
			c.Name = src.prefix + "-" + c.Name
			c.Webhooks = keepServed(src, out, c.Webhooks, func(w admissionv1.MutatingWebhook) ([]admissionv1.RuleWithOperations, admissionv1.WebhookClientConfig) {
				return w.Rules, w.ClientConfig
			})
			if len(c.Webhooks) > 0 {
				out.mutating = append(out.mutating, c)
			}
		case "ValidatingWebhookConfiguration":
			c := &admissionv1.ValidatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(doc, c); err != nil {
				return err
			}
			c.Name = src.prefix + "-" + c.Name
			c.Webhooks = keepServed(src, out, c.Webhooks, func(w admissionv1.ValidatingWebhook) ([]admissionv1.RuleWithOperations, admissionv1.WebhookClientConfig) {
				return w.Rules, w.ClientConfig
			})
			if len(c.Webhooks) > 0 {
				out.validating = append(out.validating, c)
			}
		case "":
		default:
			return fmt.Errorf("unexpected %s in a webhook manifest", meta.Kind)
		}
	}
	if len(out.paths) == 0 {
		return errors.New("no webhook found")
	}
	return nil
}

// keepServed keeps the webhooks whose rules src serves and records their paths in out.
func keepServed[W any](src hookSource, out *hookSet, hooks []W, parts func(W) ([]admissionv1.RuleWithOperations, admissionv1.WebhookClientConfig)) []W {
	kept := hooks[:0]
	for _, w := range hooks {
		if rules, cfg := parts(w); src.keeps(rules) {
			kept = append(kept, w)
			out.paths = append(out.paths, path(cfg))
		}
	}
	return kept
}

func path(c admissionv1.WebhookClientConfig) string {
	if c.Service != nil && c.Service.Path != nil {
		return *c.Service.Path
	}
	return ""
}

// splitYAML splits a multi-document YAML stream, dropping empty documents.
func splitYAML(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}
