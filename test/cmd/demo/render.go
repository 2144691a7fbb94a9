package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

// bootstrapSecret is the ready-made bootstrap data every demo machine boots with.
const bootstrapSecret = cluster + "-bootstrap"

// render runs `clusterctl generate cluster demo --from templates/cluster-template.yaml` for
// the simulator and returns the objects to apply. A simulated server runs no kubeadm, so the
// kubeadm parts are swapped for what a kubeadm control plane would produce, and nothing else
// is touched: KubeadmControlPlane becomes one control-plane Machine with an OpenStackMachine
// made from the control-plane OpenStackMachineTemplate (as KubeadmControlPlane makes it), and
// the MachineDeployment boots from ready-made bootstrap data instead of a
// KubeadmConfigTemplate. The Cluster, OpenStackCluster, OpenStackMachineTemplates,
// MachineDeployment and credentials Secret are the template's.
func render(ctx context.Context, f *framework.Framework, workers int) ([]*unstructured.Unstructured, error) {
	objs, err := f.RenderTemplate(ctx, framework.TemplatePath("cluster-template.yaml"), cluster, ns,
		map[string]string{"WORKER_MACHINE_COUNT": fmt.Sprint(workers)})
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	var cpTemplate map[string]any
	for _, o := range objs {
		switch o.GetKind() {
		case "KubeadmControlPlane":
			name, _, _ := unstructured.NestedString(o.Object, "spec", "machineTemplate", "spec", "infrastructureRef", "name")
			for _, t := range objs {
				if t.GetKind() == "OpenStackMachineTemplate" && t.GetName() == name {
					cpTemplate, _, _ = unstructured.NestedMap(t.Object, "spec", "template", "spec")
				}
			}
			continue
		case "KubeadmConfigTemplate":
			continue
		case "Cluster":
			unstructured.RemoveNestedField(o.Object, "spec", "controlPlaneRef")
		case "MachineDeployment":
			if err := unstructured.SetNestedMap(o.Object, map[string]any{"dataSecretName": bootstrapSecret}, "spec", "template", "spec", "bootstrap"); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
	}
	if cpTemplate == nil {
		return nil, fmt.Errorf("the template has no KubeadmControlPlane with an OpenStackMachineTemplate")
	}
	return append(out, controlPlane(cpTemplate)...), nil
}

// controlPlane is the first control-plane machine, as KubeadmControlPlane would create it, and
// its bootstrap data.
func controlPlane(osmSpec map[string]any) []*unstructured.Unstructured {
	const name = cluster + "-control-plane-0"
	labels := map[string]any{clusterv1.ClusterNameLabel: cluster, clusterv1.MachineControlPlaneLabel: ""}
	return []*unstructured.Unstructured{
		{Object: map[string]any{
			"apiVersion": "v1", "kind": "Secret", "type": string(clusterv1.ClusterSecretType),
			"metadata":   map[string]any{"name": bootstrapSecret, "namespace": ns, "labels": map[string]any{clusterv1.ClusterNameLabel: cluster}},
			"stringData": map[string]any{"value": "#cloud-config\nruncmd: [echo hello]\n", "format": "cloud-config"},
		}},
		{Object: map[string]any{
			"apiVersion": infrav1.GroupVersion.String(), "kind": "OpenStackMachine",
			"metadata": map[string]any{"name": name, "namespace": ns, "labels": labels},
			"spec":     osmSpec,
		}},
		{Object: map[string]any{
			"apiVersion": clusterv1.GroupVersion.String(), "kind": "Machine",
			"metadata": map[string]any{"name": name, "namespace": ns, "labels": labels},
			"spec": map[string]any{
				"clusterName": cluster, "version": "v1.36.3",
				"bootstrap":         map[string]any{"dataSecretName": bootstrapSecret},
				"infrastructureRef": map[string]any{"apiGroup": infrav1.GroupVersion.Group, "kind": "OpenStackMachine", "name": name},
			},
		}},
	}
}
