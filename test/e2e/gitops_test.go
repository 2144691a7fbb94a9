package e2e

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// gitOpsManager is the field manager of the GitOps tool in these scenarios (Flux's
// kustomize-controller and Argo CD each apply with a field manager of their own).
const gitOpsManager = "gitops-e2e"

// TestGitOpsReapplyChangesNothing applies the generated manifests with server-side apply, as
// Flux and Argo CD do, waits until the controllers have done their part (our network, load
// balancer and endpoint, the first control-plane server), then applies the same manifests a
// second and a third time without forcing ownership: no conflict with any controller's field
// manager, no generation bumped, and every field the manifests set still has the manifests'
// value. The Ready condition such tools read for health is True and current.
func TestGitOpsReapplyChangesNothing(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	for _, tc := range []struct {
		name      string
		templates []string
	}{
		{"cluster-template", []string{"cluster-template.yaml"}},
		{"topology", []string{"clusterclass-openstack-kubeadm.yaml", "cluster-template-topology.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			step := stepper(t)
			ns := newNamespace(t, "gitops")
			const name = "flux"
			var manifests []*unstructured.Unstructured
			for _, tpl := range tc.templates {
				manifests = append(manifests, render(t, tpl, name, ns, map[string]string{"WORKER_MACHINE_COUNT": "1"})...)
			}
			applyAll(t, manifests, nil)
			step("applied %d objects with server-side apply as %s", len(manifests), gitOpsManager)

			osc := waitClusterInfrastructureReady(t, ns, name)
			eventually(t, 60*time.Second, func() (bool, string) {
				for _, m := range machines(t, ns, name) {
					if _, ok := m.Labels[clusterv1.MachineControlPlaneLabel]; ok && m.Spec.ProviderID != "" {
						return true, ""
					}
				}
				return false, "no control-plane server yet"
			})
			step("OpenStackCluster %s Ready, first control-plane server up", osc.Name)

			for round := 2; round <= 3; round++ {
				generations := map[string]int64{}
				applyAll(t, manifests, generations)
				for _, m := range manifests {
					live := &unstructured.Unstructured{}
					live.SetGroupVersionKind(m.GroupVersionKind())
					if err := f.Client.Get(ctx, client.ObjectKeyFromObject(m), live); err != nil {
						t.Fatal(err)
					}
					if diffs := notKept(m.Object, live.Object, ""); len(diffs) > 0 {
						t.Errorf("apply %d: %s %s differs from the manifest at %s", round, m.GetKind(), m.GetName(), strings.Join(diffs, ", "))
					}
				}
				step("apply %d: no conflict, no generation bump, every manifest field kept (%d objects)", round, len(generations))
			}

			// What health checks read: Ready True for the current generation.
			if err := f.Client.Get(ctx, client.ObjectKeyFromObject(osc), osc); err != nil {
				t.Fatal(err)
			}
			c := apimeta.FindStatusCondition(osc.Status.Conditions, infrav1.ReadyCondition)
			if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != osc.Generation {
				t.Errorf("OpenStackCluster Ready %+v at generation %d", c, osc.Generation)
			}
			deleteClusterAndCheck(t, ns, name, cloud.ClusterTag(ns, name), 120*time.Second)
		})
	}
}

// applyAll server-side applies every object as the GitOps tool, without forcing ownership of
// fields another manager owns. With generations non-nil it also fails when an apply bumps an
// object's generation, and records the generations.
func applyAll(t *testing.T, objs []*unstructured.Unstructured, generations map[string]int64) {
	t.Helper()
	ctx := context.Background()
	for _, o := range objs {
		key := o.GetKind() + "/" + o.GetName()
		var before int64
		if generations != nil {
			live := &unstructured.Unstructured{}
			live.SetGroupVersionKind(o.GroupVersionKind())
			if err := f.Client.Get(ctx, client.ObjectKeyFromObject(o), live); err != nil {
				t.Fatal(err)
			}
			before = live.GetGeneration()
		}
		applied := o.DeepCopy()
		if err := f.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(applied), client.FieldOwner(gitOpsManager)); err != nil {
			t.Fatalf("applying %s: %v", key, err)
		}
		if generations != nil {
			if after := applied.GetGeneration(); after != before {
				t.Errorf("re-applying %s bumped its generation %d → %d", key, before, after)
			}
			generations[key] = applied.GetGeneration()
		}
	}
}

// waitClusterInfrastructureReady waits until the Cluster's OpenStackCluster (whatever its
// name) is Ready with the endpoint the Cluster shows.
func waitClusterInfrastructureReady(t *testing.T, ns, name string) *infrav1.OpenStackCluster {
	t.Helper()
	ctx := context.Background()
	cluster := &clusterv1.Cluster{}
	osc := &infrav1.OpenStackCluster{}
	eventually(t, 90*time.Second, func() (bool, string) {
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cluster); err != nil {
			return false, err.Error()
		}
		if cluster.Spec.InfrastructureRef.Name == "" {
			return false, "no OpenStackCluster yet"
		}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: cluster.Spec.InfrastructureRef.Name}, osc); err != nil {
			return false, err.Error()
		}
		c := apimeta.FindStatusCondition(osc.Status.Conditions, infrav1.ReadyCondition)
		return c != nil && c.Status == metav1.ConditionTrue && osc.Spec.ControlPlaneEndpoint != nil &&
				cluster.Spec.ControlPlaneEndpoint == *osc.Spec.ControlPlaneEndpoint,
			fmt.Sprintf("OpenStackCluster %s Ready %+v, endpoint %+v; Cluster's %+v", osc.Name, c, osc.Spec.ControlPlaneEndpoint, cluster.Spec.ControlPlaneEndpoint)
	})
	return osc
}

// notKept lists the paths where live does not hold what want (a manifest) sets: every map
// key of want must be in live with a value that keeps it (maps recursively, lists element by
// element, scalars equal). Server-side metadata is not compared.
func notKept(want, live any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return []string{path}
		}
		var out []string
		for k, v := range w {
			if path == "" && k == "metadata" {
				out = append(out, notKeptMetadata(v, l[k])...)
				continue
			}
			out = append(out, notKept(v, l[k], path+"."+k)...)
		}
		return out
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return []string{path}
		}
		var out []string
		for i := range w {
			out = append(out, notKept(w[i], l[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if wn, ok := number(want); ok {
			if ln, ok := number(live); ok && wn == ln {
				return nil
			}
		}
		if !reflect.DeepEqual(want, live) {
			return []string{fmt.Sprintf("%s (%v, live %v)", path, want, live)}
		}
		return nil
	}
}

func notKeptMetadata(want, live any) []string {
	w, _ := want.(map[string]any)
	l, _ := live.(map[string]any)
	var out []string
	for _, k := range []string{"labels", "annotations"} {
		if v, ok := w[k]; ok {
			out = append(out, notKept(v, l[k], ".metadata."+k)...)
		}
	}
	return out
}

// number reads the numbers of decoded JSON and YAML (float64 or int64) alike.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	return 0, false
}
