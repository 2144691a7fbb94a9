package controllers

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

// TestBadInputSweep feeds malformed and hostile inputs to the reconcilers: broken clouds.yaml
// variants, a Secret in another namespace, missing bootstrap data, image and flavor names that
// match nothing or several resources, enormous and unicode names. Each must end in its
// documented condition (or an API server rejection) and change nothing in the cloud: zero
// OpenStack writes other than Keystone tokens.
func TestBadInputSweep(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	other := newNamespace(t)
	secret := func(namespace, name string, data map[string][]byte) {
		t.Helper()
		if err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	clouds := string(sim.CloudsYAML("openstack"))
	secret(ns, "not-yaml", map[string][]byte{"clouds.yaml": []byte("clouds: [: {")})
	secret(ns, "no-clouds", map[string][]byte{"clouds.yaml": []byte("foo: bar\n")})
	secret(ns, "no-key", map[string][]byte{"cloud.yaml": []byte(clouds)})
	secret(ns, "bad-password", map[string][]byte{"clouds.yaml": []byte(strings.Replace(clouds, sim.Password(), "not-the-password", 1))})
	secret(ns, "bad-url", map[string][]byte{"clouds.yaml": []byte(strings.Replace(clouds, "http://", "gopher://\x7f", 1))})
	err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "unicode-🚀", Namespace: ns}})
	if !apierrors.IsInvalid(err) {
		t.Errorf("a Secret named with an emoji: %v, want the API server's rejection", err)
	}
	secret(other, "elsewhere", map[string][]byte{"clouds.yaml": []byte(clouds)})

	sim.ResetCounts()
	for i, c := range []struct{ name, secret, cloud string }{
		{"invalid YAML", "not-yaml", "openstack"},
		{"no clouds key", "no-clouds", "openstack"},
		{"no clouds.yaml key", "no-key", "openstack"},
		{"unknown cloud name", "cloud-config", "nope-" + strings.Repeat("ü", 100)},
		{"wrong password", "bad-password", "openstack"},
		{"unparsable auth_url", "bad-url", "openstack"},
		{"Secret in another namespace", "elsewhere", "openstack"},
	} {
		t.Run(c.name, func(t *testing.T) {
			osc := newCluster(t, ns, "bad-"+string(rune('a'+i)), infrav1.OpenStackClusterSpec{
				ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.30.0.0/24"}},
				IdentityRef:    infrav1.OpenStackIdentityReference{Name: c.secret, CloudName: c.cloud},
			})
			cond := waitCondition(t, osc, infrav1.CredentialsReadyCondition, metav1.ConditionFalse, infrav1.InvalidCredentialsReason)
			if strings.Contains(cond.Message, sim.Password()) {
				t.Errorf("the condition shows the password: %q", cond.Message)
			}
		})
	}
	if w := writesOtherThanTokens(sim.Counts()); len(w) > 0 {
		t.Errorf("bad credentials wrote to OpenStack: %v", w)
	}

	// Machines of a provisioned cluster with specs that cannot be resolved.
	osc := newCluster(t, ns, "good", infrav1.OpenStackClusterSpec{ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.31.0.0/24"}}})
	waitReady(t, osc)
	sim.AddImage(simulator.Image{Name: "twin"})
	sim.AddImage(simulator.Image{Name: "twin"})
	spec := func(image, flavor string) infrav1.OpenStackMachineSpec {
		return infrav1.OpenStackMachineSpec{
			Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To(flavor)}},
			Image:  infrav1.ImageParam{Filter: &infrav1.ImageFilter{Name: ptr.To(image)}},
		}
	}
	sim.ResetCounts()
	for _, c := range []struct {
		name   string
		spec   infrav1.OpenStackMachineSpec
		reason string
	}{
		{"image matching nothing", spec("no-such-image", "m1.small"), infrav1.InvalidSpecReason},
		{"image matching two", spec("twin", "m1.small"), infrav1.InvalidSpecReason},
		{"flavor matching nothing", spec("ubuntu-2404-kube-v1.36", "m9.enormous"), infrav1.InvalidSpecReason},
		{"unicode image name", spec("ubuntu-🚀-"+strings.Repeat("é", 120), "m1.small"), infrav1.InvalidSpecReason},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := "bad-" + strings.ReplaceAll(c.name, " ", "-")
			osm := newMachine(t, ns, "good", name, false, c.spec)
			cond := waitCondition(t, osm, infrav1.InstanceReadyCondition, metav1.ConditionFalse, c.reason)
			t.Logf("%s: %s", cond.Reason, cond.Message)
		})
	}
	t.Run("missing bootstrap data Secret", func(t *testing.T) {
		osm := newMachineWith(t, ns, "good", "bad-bootstrap", false, machineSpec(), clusterv1.Bootstrap{DataSecretName: ptr.To("no-such-secret")})
		waitCondition(t, osm, infrav1.InstanceReadyCondition, metav1.ConditionFalse, infrav1.WaitingForBootstrapDataReason)
	})
	t.Run("enormous machine name", func(t *testing.T) {
		osm := &infrav1.OpenStackMachine{ObjectMeta: metav1.ObjectMeta{Name: strings.Repeat("m", 300), Namespace: ns}, Spec: machineSpec()}
		if err := env.Client.Create(ctx, osm); !apierrors.IsInvalid(err) {
			t.Errorf("a 300-character name: %v, want the API server's rejection", err)
		}
	})
	if w := writesOtherThanTokens(sim.Counts()); len(w) > 0 {
		t.Errorf("unresolvable machines wrote to OpenStack: %v", w)
	}
	osms := &infrav1.OpenStackMachineList{}
	if err := env.Client.List(ctx, osms, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for i := range osms.Items {
		if err := env.Client.Delete(ctx, &osms.Items[i]); err != nil {
			t.Fatal(err)
		}
		waitGone(t, &osms.Items[i])
	}
	deleteMachineObjects(t, ns)
	deleteAndCheckLeaks(t, osc)
}
