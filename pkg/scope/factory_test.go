package scope

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

var ref = IdentityRef{Name: "cloud-config", CloudName: "openstack"}

func newFactory(t *testing.T, reader *secrets, managerCA []byte, size int) *Factory {
	t.Helper()
	f, err := NewFactory(reader, clients.Options{RateLimits: clients.RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 1e6, WriteBurst: 1e6}}, managerCA, size)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func listServers(ctx context.Context, t *testing.T, f *Factory, namespace string, r IdentityRef) error {
	s, err := f.ForIdentity(ctx, namespace, r)
	if err != nil {
		return err
	}
	_, err = s.Compute.ListServers(ctx, clients.ServerFilter{Name: "worker-1"})
	return err
}

func TestOneTokenForManyReconcilesOfManyObjects(t *testing.T) {
	const objects, reconciles = 20, 10
	k := newKeystone(t, false)
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	f := newFactory(t, reader, nil, 0)

	var wg sync.WaitGroup
	errs := make(chan error, objects*reconciles)
	for range objects {
		wg.Go(func() {
			for range reconciles {
				errs <- listServers(context.Background(), t, f, "ns", ref)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := k.tokensIssued(); n != 1 {
		t.Errorf("%d token requests for %d reconciles, want 1", n, objects*reconciles)
	}
	if n := k.count("GET /identity/") + k.count("GET /identity/v3/") + k.count("GET /compute/v2.1/"); n != 0 {
		t.Errorf("%d version discovery requests, want 0", n)
	}
	if n := k.count("GET /compute/v2.1/servers/detail"); n != objects*reconciles {
		t.Errorf("%d server lists, want %d", n, objects*reconciles)
	}
	s, _ := f.ForIdentity(context.Background(), "ns", ref)
	if s.ProjectID != "project-1" || s.Region != "RegionOne" {
		t.Errorf("scope project %q region %q", s.ProjectID, s.Region)
	}
}

func TestChangedSecretGetsNewClientsAndDropsOld(t *testing.T) {
	k := newKeystone(t, false)
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	f := newFactory(t, reader, nil, 0)
	ctx := context.Background()
	if err := listServers(ctx, t, f, "ns", ref); err != nil {
		t.Fatal(err)
	}
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "    # rotated\n")})
	if err := listServers(ctx, t, f, "ns", ref); err != nil {
		t.Fatal(err)
	}
	if n := k.tokensIssued(); n != 2 {
		t.Errorf("%d tokens, want 2", n)
	}
	if n := len(f.cache.entries); n != 1 {
		t.Errorf("%d cache entries after the Secret changed, want 1", n)
	}
}

func TestRegionOverrideAndBoundedCache(t *testing.T) {
	k := newKeystone(t, false)
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	reader.set("other", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "    # other\n")})
	f := newFactory(t, reader, nil, 2)
	ctx := context.Background()
	two := IdentityRef{Name: ref.Name, CloudName: ref.CloudName, Region: "RegionTwo"}
	s, err := f.ForIdentity(ctx, "ns", two)
	if err != nil || s.Region != "RegionTwo" {
		t.Fatalf("got %+v, %v", s, err)
	}
	if _, err := s.Compute.ListServers(ctx, clients.ServerFilter{}); err != nil {
		t.Fatal(err)
	}
	if k.count("GET /compute-two/v2.1/servers/detail") != 1 {
		t.Error("RegionTwo's compute endpoint was not used")
	}
	for _, call := range []struct{ namespace string }{{"ns"}, {"other"}, {"ns"}} {
		if err := listServers(ctx, t, f, call.namespace, ref); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.cache.entries); n != 2 {
		t.Errorf("%d cache entries, want the bound 2", n)
	}
	if n := k.tokensIssued(); n != 3 {
		t.Errorf("%d tokens, want 3 (one per credential)", n)
	}
}

func TestReauthenticatesOnceOn401(t *testing.T) {
	k := newKeystone(t, false)
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	f := newFactory(t, reader, nil, 0)
	ctx := context.Background()
	if err := listServers(ctx, t, f, "ns", ref); err != nil {
		t.Fatal(err)
	}
	k.expireTokens()
	if err := listServers(ctx, t, f, "ns", ref); err != nil {
		t.Fatal(err)
	}
	if n := k.tokensIssued(); n != 2 {
		t.Errorf("%d tokens, want 2", n)
	}
	// The password changed in Keystone: one re-authentication attempt, then a clear error.
	k.expireTokens()
	k.setPassword("changed")
	posts := k.count("POST /identity/v3/auth/tokens")
	err := listServers(ctx, t, f, "ns", ref)
	if clients.Classify(err) != clients.KindUnauthorized {
		t.Fatalf("got %v (%v), want unauthorized", err, clients.Classify(err))
	}
	if n := k.count("POST /identity/v3/auth/tokens") - posts; n != 1 {
		t.Errorf("%d re-authentication attempts, want 1", n)
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	k := newKeystone(t, false)
	k.shortFirst = true
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	f := newFactory(t, reader, nil, 0)
	for range 3 {
		if err := listServers(context.Background(), t, f, "ns", ref); err != nil {
			t.Fatal(err)
		}
	}
	if n := k.tokensIssued(); n != 2 {
		t.Errorf("%d tokens, want 2 (the first was renewed before expiring)", n)
	}
	if n := k.count("GET /compute/v2.1/servers/detail"); n != 3 {
		t.Errorf("%d server lists, want 3 without any 401", n)
	}
}

func TestWrongPasswordIsExplainedAndNotRetriedAtOnce(t *testing.T) {
	k := newKeystone(t, false)
	k.setPassword("something else")
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	f := newFactory(t, reader, nil, 0)
	for range 3 {
		_, err := f.ForIdentity(context.Background(), "ns", ref)
		if clients.Classify(err) != clients.KindUnauthorized {
			t.Fatalf("got %v, want unauthorized", err)
		}
		for _, want := range []string{`cloud "openstack"`, "Secret ns/cloud-config", "rejected", "requires authentication"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	}
	if n := k.count("POST /identity/v3/auth/tokens"); n != 1 {
		t.Errorf("%d token requests, want 1 while the failure is remembered", n)
	}
}

func TestTransientAuthFailureIsNotRemembered(t *testing.T) {
	k := newKeystone(t, false)
	k.unavailable = 1
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	f := newFactory(t, reader, nil, 0)
	_, err := f.ForIdentity(context.Background(), "ns", ref)
	if clients.Classify(err) != clients.KindTransient || !strings.Contains(err.Error(), "will retry") {
		t.Fatalf("got %v, want a transient error", err)
	}
	if err := listServers(context.Background(), t, f, "ns", ref); err != nil {
		t.Fatalf("next reconcile: %v", err)
	}
}

func TestBadIdentityErrors(t *testing.T) {
	reader := newSecrets()
	reader.set("ns", "no-key", map[string][]byte{"other": []byte("x")})
	reader.set("ns", "bad-yaml", map[string][]byte{CloudsYAMLKey: []byte("clouds: [")})
	reader.set("ns", "two-clouds", map[string][]byte{CloudsYAMLKey: []byte("clouds:\n  a: {}\n  b: {}\n")})
	reader.set("ns", "bad-ca", map[string][]byte{CloudsYAMLKey: passwordCloud("https://keystone", ""), CACertKey: []byte("not a pem")})
	reader.set("team-a", "cloud-config", map[string][]byte{CloudsYAMLKey: passwordCloud("https://keystone", "")})
	f := newFactory(t, reader, nil, 0)
	for _, tc := range []struct {
		namespace string
		ref       IdentityRef
		want      []string
	}{
		{"ns", IdentityRef{Name: "missing", CloudName: "openstack"}, []string{"Secret ns/missing not found"}},
		{"team-b", ref, []string{"Secret team-b/cloud-config not found"}},
		{"ns", IdentityRef{Name: "no-key", CloudName: "openstack"}, []string{"Secret ns/no-key", `no "clouds.yaml" key`}},
		{"ns", IdentityRef{Name: "bad-yaml", CloudName: "openstack"}, []string{"Secret ns/bad-yaml", "not valid clouds.yaml"}},
		{"ns", IdentityRef{Name: "two-clouds", CloudName: "openstack"}, []string{`cloud "openstack" is not in Secret ns/two-clouds`, `["a" "b"]`}},
		{"ns", IdentityRef{Name: "bad-ca", CloudName: "openstack"}, []string{`Secret ns/bad-ca key "cacert" holds no PEM certificate`}},
		{"ns", IdentityRef{Name: "two-clouds"}, []string{"cloudName"}},
	} {
		_, err := f.ForIdentity(context.Background(), tc.namespace, tc.ref)
		if !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("%s/%s: got %v, want ErrInvalidIdentity", tc.namespace, tc.ref.Name, err)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s/%s: error %q lacks %q", tc.namespace, tc.ref.Name, err, want)
			}
		}
		if missing := strings.Contains(err.Error(), "not found"); IsSecretMissing(err) != missing {
			t.Errorf("%s/%s: IsSecretMissing = %v for %q", tc.namespace, tc.ref.Name, !missing, err)
		}
	}
	if _, err := NewFactory(reader, clients.Options{}, []byte("junk"), 0); err == nil {
		t.Error("NewFactory accepted a --ca-certs without a certificate")
	}
}

func TestTLSVerification(t *testing.T) {
	k := newKeystone(t, true)
	reader := newSecrets()
	reader.set("ns", "no-ca", map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	reader.set("ns", "secret-ca", map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, ""), CACertKey: k.caPEM()})
	reader.set("ns", "insecure", map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "    verify: false\n")})
	ctx := context.Background()

	f := newFactory(t, reader, nil, 0)
	_, err := f.ForIdentity(ctx, "ns", IdentityRef{Name: "no-ca", CloudName: "openstack"})
	if !errors.Is(err, ErrInvalidIdentity) || !strings.Contains(err.Error(), `"cacert"`) {
		t.Errorf("without a CA: got %v, want a hint to set cacert", err)
	}
	for _, name := range []string{"secret-ca", "insecure"} {
		if err := listServers(ctx, t, f, "ns", IdentityRef{Name: name, CloudName: "openstack"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	withManagerCA := newFactory(t, reader, k.caPEM(), 0)
	if err := listServers(ctx, t, withManagerCA, "ns", IdentityRef{Name: "no-ca", CloudName: "openstack"}); err != nil {
		t.Errorf("with the manager's CA: %v", err)
	}
}

func TestOtherAuthMethods(t *testing.T) {
	k := newKeystone(t, false)
	reader := newSecrets()
	auth := func(lines string) map[string][]byte {
		return map[string][]byte{CloudsYAMLKey: []byte("clouds:\n  openstack:\n    auth:\n      auth_url: " + k.URL + "/identity/v3\n" + lines)}
	}
	reader.set("ns", "appcred-id", auth("      application_credential_id: ac1\n      application_credential_secret: "+testAppCredential+"\n    auth_type: v3applicationcredential\n"))
	reader.set("ns", "appcred-name", auth("      application_credential_name: ac\n      application_credential_secret: "+testAppCredential+"\n      username: demo\n      user_domain_id: default\n"))
	reader.set("ns", "scoped-token", auth("      token: given-token\n      project_id: project-1\n    auth_type: token\n"))
	f := newFactory(t, reader, nil, 0)
	for _, name := range []string{"appcred-id", "appcred-name", "scoped-token"} {
		if err := listServers(context.Background(), t, f, "ns", IdentityRef{Name: name, CloudName: "openstack"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := k.tokensIssued(); n != 3 {
		t.Errorf("%d tokens, want 3", n)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	k := newKeystone(t, false)
	reader := newSecrets()
	reader.set("ns", ref.Name, map[string][]byte{CloudsYAMLKey: passwordCloud(k.URL, "")})
	reader.set("ns", "appcred", map[string][]byte{CloudsYAMLKey: []byte("clouds:\n  openstack:\n    auth:\n      auth_url: " + k.URL +
		"/identity\n      application_credential_id: ac1\n      application_credential_secret: " + testAppCredential + "\n")})
	f := newFactory(t, reader, nil, 0)
	var mu sync.Mutex
	var logs strings.Builder
	logger := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logs.WriteString(prefix + args + "\n")
	}, funcr.Options{Verbosity: clients.RequestLogLevel})
	ctx := logr.NewContext(context.Background(), logger)
	if err := listServers(ctx, t, f, "ns", ref); err != nil {
		t.Fatal(err)
	}
	k.expireTokens() // a 401 and a re-authentication get logged too
	if err := listServers(ctx, t, f, "ns", ref); err != nil {
		t.Fatal(err)
	}
	if err := listServers(ctx, t, f, "ns", IdentityRef{Name: "appcred", CloudName: "openstack"}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "CreateToken") || !strings.Contains(out, "ListServers") {
		t.Fatalf("requests were not logged:\n%s", out)
	}
	for _, secret := range []string{testPassword, testAppCredential, "tok-1-secret", "tok-2-secret", "tok-3-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}
