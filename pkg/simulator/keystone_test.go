package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

func TestVersionDiscovery(t *testing.T) {
	e := newEnv(t, Options{})
	for _, path := range []string{"/", "/identity/"} {
		resp := get(t, e.sim.URL()+path)
		if resp.StatusCode != http.StatusMultipleChoices {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	if resp := get(t, e.sim.URL()+"/identity/v3/"); resp.StatusCode != 200 {
		t.Fatalf("GET /identity/v3/: %d", resp.StatusCode)
	}
	// A versioned auth URL skips discovery.
	p := e.authenticate(gophercloud.AuthOptions{
		IdentityEndpoint: e.sim.URL() + "/identity/v3", Username: "demo", Password: DefaultPassword,
		DomainID: "default", TenantName: "demo",
	})
	if p.TokenID == "" {
		t.Fatal("no token")
	}
}

func TestPasswordTokenAndCatalog(t *testing.T) {
	e := newEnv(t, Options{Region: "RegionTwo"})
	id, err := openstack.NewIdentityV3(e.provider, gophercloud.EndpointOpts{})
	ok(t, err)
	res := tokens.Create(ctx, id, &tokens.AuthOptions{
		Username: "demo", Password: DefaultPassword, DomainName: "Default",
		Scope: tokens.Scope{ProjectName: "demo", DomainName: "Default"},
	})
	tok, err := res.ExtractToken()
	ok(t, err)
	if want := epoch.Add(time.Hour); !tok.ExpiresAt.Equal(want) {
		t.Errorf("expires_at %v, want %v", tok.ExpiresAt, want)
	}
	project, err := res.ExtractProject()
	ok(t, err)
	if project.Name != "demo" || project.Domain.ID != "default" {
		t.Errorf("project %+v", project)
	}
	catalog, err := res.ExtractServiceCatalog()
	ok(t, err)
	url, err := openstack.V3Endpoint(ctx, e.provider, catalog, gophercloud.EndpointOpts{Type: "block-storage", Region: "RegionTwo", Availability: gophercloud.AvailabilityPublic})
	ok(t, err)
	if want := e.sim.URL() + "/volume/v3/" + project.ID + "/"; url != want {
		t.Errorf("volume endpoint %q, want %q", url, want)
	}
	if e.sim.TokensIssued() != 2 {
		t.Errorf("tokens issued %d, want 2", e.sim.TokensIssued())
	}
}

func TestBadCredentials(t *testing.T) {
	e := newEnv(t, Options{})
	for _, ao := range []gophercloud.AuthOptions{
		{Username: "demo", Password: "wrong", DomainName: "Default", TenantName: "demo"},
		{Username: "nobody", Password: DefaultPassword, DomainName: "Default", TenantName: "demo"},
		{Username: "demo", Password: DefaultPassword, DomainName: "Default", TenantName: "admin"},
		{ApplicationCredentialID: "nope", ApplicationCredentialSecret: "x"},
	} {
		ao.IdentityEndpoint = e.sim.URL() + "/identity"
		_, err := openstack.AuthenticatedClient(ctx, ao)
		wantStatus(t, err, http.StatusUnauthorized)
	}
}

func TestApplicationCredential(t *testing.T) {
	e := newEnv(t, Options{})
	id, secret := e.sim.AppCredential()
	p := e.authenticate(gophercloud.AuthOptions{
		IdentityEndpoint: e.sim.URL() + "/identity", ApplicationCredentialID: id, ApplicationCredentialSecret: secret,
	})
	compute, err := openstack.NewComputeV2(p, gophercloud.EndpointOpts{})
	ok(t, err)
	_, err = flavors.Get(ctx, compute, "1").Extract()
	ok(t, err)
	// By name plus user.
	e.authenticate(gophercloud.AuthOptions{
		IdentityEndpoint: e.sim.URL() + "/identity", ApplicationCredentialName: "demo-appcred",
		ApplicationCredentialSecret: secret, Username: "demo", DomainName: "Default",
	})
}

func TestTokenMethodValidateRevoke(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.authenticate(gophercloud.AuthOptions{
		IdentityEndpoint: e.sim.URL() + "/identity", TokenID: e.provider.TokenID,
		Scope: &gophercloud.AuthScope{ProjectName: "demo", DomainName: "Default"},
	})
	if p.TokenID == e.provider.TokenID {
		t.Fatal("token auth returned the same token")
	}
	id, err := openstack.NewIdentityV3(e.provider, gophercloud.EndpointOpts{})
	ok(t, err)
	user, err := tokens.Get(ctx, id, p.TokenID).ExtractUser()
	ok(t, err)
	if user.Name != "demo" {
		t.Errorf("user %+v", user)
	}
	ok(t, tokens.Revoke(ctx, id, p.TokenID).Err)
	wantStatus(t, tokens.Get(ctx, id, p.TokenID).Err, http.StatusNotFound)
	wantStatus(t, tokens.Revoke(ctx, id, p.TokenID).Err, http.StatusNotFound)
}

func TestTokenExpiryAndReauth(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Minute})
	_, err := flavors.Get(ctx, e.compute, "1").Extract()
	ok(t, err)
	e.clock.Advance(2 * time.Minute)
	// AllowReauth: gophercloud gets a 401, re-authenticates and retries.
	_, err = flavors.Get(ctx, e.compute, "1").Extract()
	ok(t, err)
	if n := e.sim.TokensIssued(); n != 2 {
		t.Errorf("tokens issued %d, want 2", n)
	}
	// Without reauth the expired token is refused.
	e.clock.Advance(2 * time.Minute)
	req, _ := http.NewRequest("GET", e.sim.URL()+novaPrefix+"/flavors", nil)
	req.Header.Set("X-Auth-Token", e.provider.TokenID)
	resp, err := http.DefaultClient.Do(req)
	ok(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired token: %d", resp.StatusCode)
	}
}

func TestAddProjectScope(t *testing.T) {
	e := newEnv(t, Options{})
	pid := e.sim.AddProject("team-b")
	p := e.authenticate(gophercloud.AuthOptions{
		IdentityEndpoint: e.sim.URL() + "/identity", Username: "demo", Password: DefaultPassword,
		DomainName: "Default", TenantID: pid,
	})
	if !strings.HasPrefix(p.TokenID, "gAAAAA") {
		t.Errorf("token %q", p.TokenID)
	}
}
