// Package api tests the provider's API as users meet it: the CRDs and admission webhooks
// installed in a real kube-apiserver.
package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	capi, err := testenv.ClusterAPICRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env, err = testenv.Start(testenv.Options{ExtraCRDPaths: capi})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the test environment:", err)
	}
	os.Exit(code)
}

var nsCounter atomic.Int32

// namespace creates a fresh namespace for one test.
func namespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strings.ToLower(strings.NewReplacer("/", "-", "_", "-", ".", "-").Replace(t.Name())), nsCounter.Add(1))
	if len(name) > 60 {
		name = fmt.Sprintf("t-%d", nsCounter.Add(1))
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// manifest reads one object from test/manifests.
func manifest(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "test", "manifests", file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return u
}

// create creates obj in ns with strict field validation, as kubectl and GitOps tools do.
func create(ns string, obj *unstructured.Unstructured) error {
	obj.SetNamespace(ns)
	return env.Client.Create(context.Background(), obj, client.FieldValidation("Strict"))
}

// set writes value at a dotted path (with [i] list indexes) of obj, creating maps on the way.
func set(t *testing.T, obj *unstructured.Unstructured, path string, value any) {
	t.Helper()
	if err := setPath(obj.Object, strings.Split(path, "."), value); err != nil {
		t.Fatalf("set %s: %v", path, err)
	}
}

// del removes the field at a dotted path of obj.
func del(t *testing.T, obj *unstructured.Unstructured, path string) {
	t.Helper()
	parts := strings.Split(path, ".")
	parent, err := walk(obj.Object, parts[:len(parts)-1])
	if err != nil {
		t.Fatalf("del %s: %v", path, err)
	}
	delete(parent, parts[len(parts)-1])
}

func setPath(m map[string]any, parts []string, value any) error {
	parent, err := walk(m, parts[:len(parts)-1])
	if err != nil {
		return err
	}
	parent[parts[len(parts)-1]] = value
	return nil
}

// walk descends through maps and "name[i]" list elements, creating missing maps.
func walk(m map[string]any, parts []string) (map[string]any, error) {
	cur := m
	for _, p := range parts {
		name, idx, isList := parseIndex(p)
		next, ok := cur[name]
		if !ok {
			if isList {
				return nil, fmt.Errorf("no list %s", name)
			}
			child := map[string]any{}
			cur[name] = child
			cur = child
			continue
		}
		if isList {
			list, ok := next.([]any)
			if !ok || idx >= len(list) {
				return nil, fmt.Errorf("%s has no element %d", name, idx)
			}
			next = list[idx]
		}
		child, ok := next.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", p)
		}
		cur = child
	}
	return cur, nil
}

func parseIndex(p string) (string, int, bool) {
	open := strings.IndexByte(p, '[')
	if open < 0 || !strings.HasSuffix(p, "]") {
		return p, 0, false
	}
	var i int
	if _, err := fmt.Sscanf(p[open+1:len(p)-1], "%d", &i); err != nil {
		return p, 0, false
	}
	return p[:open], i, true
}

// expectRejected fails unless err is non-nil and mentions every part of want.
func expectRejected(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected a rejection mentioning %q, got success", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("rejection %q does not mention %q", err.Error(), w)
		}
	}
}
