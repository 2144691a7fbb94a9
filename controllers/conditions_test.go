package controllers

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// A missing identityRef Secret is looked for again within seconds (manifests often put it
// last, and Secrets are not watched); a Secret that exists but is wrong waits for a fix.
func TestExplainIdentityRequeue(t *testing.T) {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	reader := fake.NewClientBuilder().WithScheme(s).WithObjects(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "empty"},
	}).Build()
	f, err := scope.NewFactory(reader, clients.Options{}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{"absent": missingSecretRequeue, "empty": userFixRequeue} {
		_, err := f.ForIdentity(context.Background(), "ns", scope.IdentityRef{Name: name, CloudName: "openstack"})
		reason, _, requeue := explain(err)
		if reason != infrav1.InvalidCredentialsReason || requeue != want {
			t.Errorf("Secret %s: %s after %s, want %s after %s (%v)", name, reason, requeue, infrav1.InvalidCredentialsReason, want, err)
		}
	}
}
