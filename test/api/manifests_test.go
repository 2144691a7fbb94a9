package api

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestReferenceManifestsAccepted applies the realistic manifests of test/manifests and checks
// that the CRD defaults land.
func TestReferenceManifestsAccepted(t *testing.T) {
	ns := namespace(t)
	defaults := map[string]map[string]any{
		"cluster-with-lb.yaml": {
			"spec.identityRef.type":                               "Secret",
			"spec.apiServer.managedLoadBalancer.enabled":          true,
			"spec.managedSecurityGroups.allowAllInClusterTraffic": true,
		},
		"cluster-without-lb.yaml": {
			"spec.managedSecurityGroups.allowAllInClusterTraffic": false,
		},
		"cluster-byo-network.yaml": {"spec.identityRef.type": "Secret"},
		"cluster-with-bastion.yaml": {
			"spec.bastion.enabled":                       true,
			"spec.apiServer.managedLoadBalancer.enabled": true,
		},
		"machine-full.yaml": {
			"spec.rootVolume.availabilityZone.from":                               "Machine",
			"spec.additionalBlockDevices[0].storage.volume.availabilityZone.from": "Name",
		},
		"machinetemplate.yaml": {"spec.template.metadata.labels.pool": "md-0"},
		"clustertemplate.yaml": {"spec.template.spec.identityRef.type": "Secret"},
	}
	for file, want := range defaults {
		t.Run(file, func(t *testing.T) {
			obj := manifest(t, file)
			if err := create(ns, obj); err != nil {
				t.Fatalf("%s was rejected: %v", file, err)
			}
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(obj.GroupVersionKind())
			if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatal(err)
			}
			for path, value := range want {
				parts := splitPath(path)
				v, err := walkValue(got.Object, parts)
				if err != nil || v != value {
					t.Errorf("%s = %v (%v), want %v", path, v, err, value)
				}
			}
		})
	}
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := range len(p) {
		if p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

func walkValue(obj map[string]any, parts []string) (any, error) {
	parent, err := walk(obj, parts[:len(parts)-1])
	if err != nil {
		return nil, err
	}
	return parent[parts[len(parts)-1]], nil
}
