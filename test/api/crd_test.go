package api

import (
	"context"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestCRDContract checks what Cluster API and operators read from the installed CRDs.
func TestCRDContract(t *testing.T) {
	want := map[string]struct {
		short   string
		columns []string
	}{
		"openstackclusters":         {"osc", []string{"Cluster", "Ready", "Network", "Endpoint", "Bastion IP", "Age"}},
		"openstackclustertemplates": {"osct", []string{"Age"}},
		"openstackmachines":         {"osm", []string{"Cluster", "Ready", "State", "ProviderID", "Machine", "Age"}},
		"openstackmachinetemplates": {"osmt", []string{"Flavor", "CPU", "Memory", "Age"}},
	}
	for plural, w := range want {
		t.Run(plural, func(t *testing.T) {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			key := client.ObjectKey{Name: plural + ".infrastructure.cluster.x-k8s.io"}
			if err := env.Client.Get(context.Background(), key, crd); err != nil {
				t.Fatal(err)
			}
			if got := crd.Labels["cluster.x-k8s.io/v1beta2"]; got != "v1beta2" {
				t.Errorf("contract label cluster.x-k8s.io/v1beta2 = %q, want v1beta2", got)
			}
			if !slices.Equal(crd.Spec.Names.ShortNames, []string{w.short}) {
				t.Errorf("short names = %v, want [%s]", crd.Spec.Names.ShortNames, w.short)
			}
			if !slices.Contains(crd.Spec.Names.Categories, "cluster-api") {
				t.Errorf("categories = %v, want cluster-api", crd.Spec.Names.Categories)
			}
			if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1beta2" || !crd.Spec.Versions[0].Served || !crd.Spec.Versions[0].Storage {
				t.Fatalf("versions = %+v, want only v1beta2, served and stored", crd.Spec.Versions)
			}
			var cols []string
			for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
				if c.Priority == 0 {
					cols = append(cols, c.Name)
				}
			}
			if !slices.Equal(cols, w.columns) {
				t.Errorf("printer columns = %v, want %v", cols, w.columns)
			}
		})
	}
}
