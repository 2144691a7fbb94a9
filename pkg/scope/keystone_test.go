package scope

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	testPassword      = "pw-secret-000"
	testAppCredential = "appcred-secret-111"
)

// keystone is a fake Keystone v3 with a small Nova: enough to test authentication, token
// reuse and renewal, TLS and logging. Servers answer 401 to tokens it no longer accepts.
type keystone struct {
	*httptest.Server
	mu       sync.Mutex
	password string
	valid    map[string]bool
	issued   int // successful token requests
	requests map[string]int
	// shortFirst makes the first token expire within the refresh margin.
	shortFirst bool
	// unavailable answers that many token requests with 503.
	unavailable int
}

func newKeystone(t *testing.T, useTLS bool) *keystone {
	k := &keystone{password: testPassword, valid: map[string]bool{}, requests: map[string]int{}}
	if useTLS {
		k.Server = httptest.NewTLSServer(k)
	} else {
		k.Server = httptest.NewServer(k)
	}
	t.Cleanup(k.Close)
	return k
}

func (k *keystone) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Certificate().Raw})
}

func (k *keystone) count(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.requests[key]
}

func (k *keystone) tokensIssued() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.issued
}

// expireTokens makes every issued token invalid, as if they had expired.
func (k *keystone) expireTokens() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.valid = map[string]bool{}
}

func (k *keystone) setPassword(p string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.password = p
}

func (k *keystone) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests[r.Method+" "+r.URL.Path]++
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/identity/v3/auth/tokens" && k.unavailable > 0:
		k.unavailable--
		reply(w, http.StatusServiceUnavailable, `{"error": {"code": 503, "message": "Service Unavailable"}}`)
	case r.Method == http.MethodPost && r.URL.Path == "/identity/v3/auth/tokens":
		k.createToken(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/identity/v3/auth/tokens":
		if !k.valid[r.Header.Get("X-Subject-Token")] {
			reply(w, http.StatusNotFound, `{"error": {"code": 404, "message": "Could not find token."}}`)
			return
		}
		w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
		reply(w, http.StatusOK, k.tokenBody(false))
	case strings.HasSuffix(r.URL.Path, "/servers/detail"):
		if !k.valid[r.Header.Get("X-Auth-Token")] {
			reply(w, http.StatusUnauthorized, `{"error": {"code": 401, "message": "The request you have made requires authentication."}}`)
			return
		}
		reply(w, http.StatusOK, `{"servers": [{"id": "s1", "name": "worker-1"}]}`)
	default:
		reply(w, http.StatusNotFound, `{"error": {"code": 404, "message": "not here"}}`)
	}
}

func (k *keystone) createToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
				Token struct {
					ID string `json:"id"`
				} `json:"token"`
				ApplicationCredential struct {
					Secret string `json:"secret"`
				} `json:"application_credential"`
			} `json:"identity"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Auth.Identity.Methods) != 1 {
		reply(w, http.StatusBadRequest, `{"error": {"code": 400, "message": "Malformed auth request."}}`)
		return
	}
	id := req.Auth.Identity
	ok := map[string]bool{
		"password":               id.Password.User.Password == k.password,
		"application_credential": id.ApplicationCredential.Secret == testAppCredential,
		"token":                  k.valid[id.Token.ID] || id.Token.ID == "given-token",
	}[id.Methods[0]]
	if !ok {
		reply(w, http.StatusUnauthorized, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
		return
	}
	k.issued++
	token := fmt.Sprintf("tok-%d-secret", k.issued)
	k.valid[token] = true
	w.Header().Set("X-Subject-Token", token)
	reply(w, http.StatusCreated, k.tokenBody(k.shortFirst && k.issued == 1))
}

// tokenBody describes a token with an hour to live, or (nearExpiry) one issued 59 minutes
// ago. Its catalog has compute in two regions and no load balancer.
func (k *keystone) tokenBody(nearExpiry bool) string {
	issued := time.Now().UTC()
	if nearExpiry {
		issued = issued.Add(-59 * time.Minute)
	}
	expires := issued.Add(time.Hour)
	endpoint := func(region, path string) string {
		return fmt.Sprintf(`{"interface": "public", "region": %q, "region_id": %q, "url": "%s/%s"}`, region, region, k.URL, path)
	}
	return fmt.Sprintf(`{"token": {"methods": ["password"], "issued_at": %q, "expires_at": %q,
		"project": {"id": "project-1", "name": "demo", "domain": {"id": "default"}},
		"user": {"id": "u1", "name": "demo"},
		"catalog": [
			{"type": "compute", "name": "nova", "endpoints": [%s, %s]},
			{"type": "network", "name": "neutron", "endpoints": [%s]},
			{"type": "image", "name": "glance", "endpoints": [%s]},
			{"type": "volumev3", "name": "cinderv3", "endpoints": [%s]}
		]}}`,
		issued.Format(time.RFC3339), expires.Format(time.RFC3339),
		endpoint("RegionOne", "compute/v2.1"), endpoint("RegionTwo", "compute-two/v2.1"),
		endpoint("RegionOne", "network"), endpoint("RegionOne", "image"), endpoint("RegionOne", "volume/v3"))
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// passwordCloud is a clouds.yaml with one password cloud "openstack" plus extra lines in its entry.
func passwordCloud(authURL, extra string) []byte {
	return []byte(fmt.Sprintf(`clouds:
  openstack:
    auth:
      auth_url: %s/identity
      username: demo
      password: %s
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
%s`, authURL, testPassword, extra))
}

// secrets is a client.Reader over a fixed set of Secrets that counts its reads.
type secrets struct {
	mu    sync.Mutex
	items map[client.ObjectKey]map[string][]byte
	reads int
}

func newSecrets() *secrets { return &secrets{items: map[client.ObjectKey]map[string][]byte{}} }

func (s *secrets) set(namespace, name string, data map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[client.ObjectKey{Namespace: namespace, Name: name}] = data
}

func (s *secrets) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	data, ok := s.items[key]
	if !ok {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
	}
	secret := obj.(*corev1.Secret)
	secret.Namespace, secret.Name, secret.Data = key.Namespace, key.Name, data
	return nil
}

func (s *secrets) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return fmt.Errorf("not supported")
}
