package scope

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
)

func parse(t *testing.T, yaml string, r IdentityRef) (gophercloud.AuthOptions, gophercloud.EndpointOpts, error) {
	t.Helper()
	cfg, err := parseCredentials("ns/s", map[string][]byte{CloudsYAMLKey: []byte(yaml)}, r, nil)
	return cfg.Auth, cfg.Endpoint, err
}

func TestParseAuthMethods(t *testing.T) {
	base := "clouds:\n  c:\n    auth:\n      auth_url: https://k/v3\n"
	for _, tc := range []struct {
		name string
		yaml string
		want gophercloud.AuthOptions
	}{
		{"password with names", base + "      username: u\n      password: p\n      project_name: pr\n      user_domain_name: ud\n      project_domain_id: pd\n",
			gophercloud.AuthOptions{Username: "u", Password: "p", DomainName: "ud", Scope: &gophercloud.AuthScope{ProjectName: "pr", DomainID: "pd"}}},
		{"password with ids and shared domain", base + "      user_id: uid\n      password: p\n      project_name: pr\n      domain_name: d\n",
			gophercloud.AuthOptions{UserID: "uid", Password: "p", Scope: &gophercloud.AuthScope{ProjectName: "pr", DomainName: "d"}}},
		{"password with project id", base + "      username: u\n      password: p\n      project_id: pid\n      user_domain_id: ud\n      user_domain_name: ignored\n",
			gophercloud.AuthOptions{Username: "u", Password: "p", DomainID: "ud", Scope: &gophercloud.AuthScope{ProjectID: "pid"}}},
		{"trust", base + "      username: u\n      password: p\n      user_domain_id: d\n      trust_id: t\n",
			gophercloud.AuthOptions{Username: "u", Password: "p", DomainID: "d", Scope: &gophercloud.AuthScope{TrustID: "t"}}},
		{"application credential id", base + "      application_credential_id: a\n      application_credential_secret: s\n    auth_type: v3applicationcredential\n",
			gophercloud.AuthOptions{ApplicationCredentialID: "a", ApplicationCredentialSecret: "s"}},
		{"application credential name", base + "      application_credential_name: a\n      application_credential_secret: s\n      user_id: uid\n",
			gophercloud.AuthOptions{ApplicationCredentialName: "a", ApplicationCredentialSecret: "s", UserID: "uid"}},
		{"application credential ignores password", base + "      application_credential_id: a\n      application_credential_secret: s\n      username: u\n      password: p\n    auth_type: v3applicationcredential\n",
			gophercloud.AuthOptions{ApplicationCredentialID: "a", ApplicationCredentialSecret: "s"}},
		{"unscoped token", base + "      token: t\n    auth_type: v3token\n",
			gophercloud.AuthOptions{TokenID: "t"}},
		{"scoped token", base + "      token: t\n      project_id: pid\n",
			gophercloud.AuthOptions{TokenID: "t", Scope: &gophercloud.AuthScope{ProjectID: "pid"}, AllowReauth: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := parse(t, tc.yaml, IdentityRef{CloudName: "c"})
			if err != nil {
				t.Fatal(err)
			}
			tc.want.IdentityEndpoint = "https://k/v3"
			if tc.want.TokenID == "" {
				tc.want.AllowReauth = true
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v %+v\nwant %+v %+v", got, got.Scope, tc.want, tc.want.Scope)
			}
		})
	}
}

func TestParseEndpointAndTLS(t *testing.T) {
	yaml := "clouds:\n  c:\n    auth: {auth_url: 'https://k', token: t}\n    region_name: R1\n    interface: internalURL\n    verify: false\n"
	cfg, err := parseCredentials("ns/s", map[string][]byte{CloudsYAMLKey: []byte(yaml)}, IdentityRef{CloudName: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint.Region != "R1" || cfg.Endpoint.Availability != gophercloud.AvailabilityInternal || !cfg.TLS.InsecureSkipVerify {
		t.Errorf("got %+v, insecure %v", cfg.Endpoint, cfg.TLS.InsecureSkipVerify)
	}
	_, eo, err := parse(t, yaml, IdentityRef{CloudName: "c", Region: "R2"})
	if err != nil || eo.Region != "R2" {
		t.Errorf("region override: got %q, %v", eo.Region, err)
	}
}

func TestParseRejections(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"clouds: {c: {auth: {auth_url: 'https://k', username: u, password: p, project_id: x}}}", "user_domain_name"},
		{"clouds: {c: {auth: {auth_url: 'https://k', username: u, password: p, user_domain_id: d}}}", "project_id or auth.project_name"},
		{"clouds: {c: {auth: {auth_url: 'https://k', user_id: u, password: p, project_name: x}}}", "project_domain_name"},
		{"clouds: {c: {auth: {auth_url: 'https://k', username: u}}}", "auth.password"},
		{"clouds: {c: {auth: {auth_url: 'https://k', application_credential_id: a}, auth_type: v3applicationcredential}}", "application_credential_secret"},
		{"clouds: {c: {auth: {auth_url: 'https://k', application_credential_name: a, application_credential_secret: s}}}", "needs auth.user_id"},
		{"clouds: {c: {auth: {auth_url: 'https://k'}, auth_type: v3oidcpassword}}", `auth_type "v3oidcpassword" is not supported`},
		{"clouds: {c: {auth: {auth_url: 'https://k', token: t}, interface: private}}", `interface "private"`},
		{"clouds: {c: {auth: {username: u}}}", "auth.auth_url"},
		{"clouds: {c: {auth: {auth_url: 'keystone:5000', token: t}}}", "not an http or https URL"},
		{"clouds: {c: {region_name: r}}", "no auth section"},
		{"clouds: {c: {profile: vexxhost}}", "profile"},
		{"clouds: {c: {auth: {auth_url: 'https://k', token: t}, cert: /c, key: /k}}", "client certificate"},
		{"clouds: {c: {auth: {auth_url: 'https://k', token: t, system_scope: all}}}", "system scope"},
		{"clouds:\n  c:\n    auth: the-password-hunter2\n", "not valid clouds.yaml"},
	} {
		_, _, err := parse(t, tc.yaml, IdentityRef{CloudName: "c"})
		if !errors.Is(err, ErrInvalidIdentity) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an invalid identity error about %q", tc.yaml, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error repeats a value from clouds.yaml: %v", err)
		}
	}
}

// TestEnvironmentIsNeverUsed sets every OS_* variable gophercloud's clouds package or its
// env helpers read; none may change the result or be read as a file.
func TestEnvironmentIsNeverUsed(t *testing.T) {
	yaml := "clouds:\n  c:\n    auth:\n      auth_url: https://k\n      username: u\n      password: p\n      project_id: x\n      user_domain_id: d\n    cacert: /does/not/exist.pem\n"
	want, err := parseCredentials("ns/s", map[string][]byte{CloudsYAMLKey: []byte(yaml)}, IdentityRef{CloudName: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	other := filepath.Join(dir, "clouds.yaml")
	if err := os.WriteFile(other, []byte("clouds:\n  c:\n    auth: {auth_url: 'https://evil'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{
		"OS_CLOUD": "other", "OS_REGION_NAME": "EnvRegion", "OS_INTERFACE": "admin", "OS_CLIENT_CONFIG_FILE": other,
		"OS_CACERT": "/does/not/exist", "OS_CERT": "/nope", "OS_KEY": "/nope", "OS_AUTH_URL": "https://evil",
		"OS_USERNAME": "evil", "OS_PASSWORD": "evil", "OS_PROJECT_ID": "evil", "OS_TOKEN": "evil",
		"OS_APPLICATION_CREDENTIAL_ID": "evil", "OS_APPLICATION_CREDENTIAL_SECRET": "evil", "XDG_CONFIG_HOME": dir,
	} {
		t.Setenv(name, value)
	}
	t.Chdir(dir)
	got, err := parseCredentials("ns/s", map[string][]byte{CloudsYAMLKey: []byte(yaml)}, IdentityRef{CloudName: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("environment changed the result:\n got %+v\nwant %+v", got, want)
	}
}
