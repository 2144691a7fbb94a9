package clients

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

func TestRequestLogMasksSecrets(t *testing.T) {
	secrets := []string{"tok-secret-123", "subject-secret-789", "admin-secret-456", "user-data-secret", "pw-secret-000", "appcred-secret-111"}
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/auth/tokens") {
			w.Header().Set("X-Subject-Token", "subject-secret-789")
			writeJSON(w, http.StatusCreated, `{"token": {"expires_at": "2099-01-01T00:00:00Z", "catalog": []}}`)
			return
		}
		writeJSON(w, http.StatusAccepted, serverJSON)
	})
	p := testProvider(t, srv, fastRetry)
	sink := &logSink{}
	ctx := logr.NewContext(context.Background(), funcr.New(sink.write, funcr.Options{Verbosity: RequestLogLevel}))

	_, err := NewCompute(p, testEndpoint).CreateServer(ctx, servers.CreateOpts{
		Name: "worker-1", FlavorRef: "f", AdminPass: "admin-secret-456", UserData: []byte("user-data-secret"),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Request(ctx, http.MethodPost, srv.URL+"/identity/v3/auth/tokens", &gophercloud.RequestOpts{
		JSONBody: map[string]any{"auth": map[string]any{"identity": map[string]any{
			"password":               map[string]any{"user": map[string]any{"name": "demo", "password": "pw-secret-000"}},
			"application_credential": map[string]any{"id": "ac", "secret": "appcred-secret-111"},
		}}},
		OkCodes: []int{201},
	})
	if err != nil {
		t.Fatal(err)
	}

	logs := sink.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log contains secret %q:\n%s", s, logs)
		}
	}
	for _, want := range []string{`"operation"="CreateServer"`, "worker-1", masked, `"operation"="CreateToken"`, "authentication request, not logged"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestRequestLogOffBelowItsLevel(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, serverJSON) })
	sink := &logSink{}
	ctx := logr.NewContext(context.Background(), funcr.New(sink.write, funcr.Options{Verbosity: RequestLogLevel - 1}))
	if _, err := NewCompute(testProvider(t, srv, fastRetry), testEndpoint).GetServer(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if sink.String() != "" {
		t.Errorf("logged below level %d: %s", RequestLogLevel, sink.String())
	}
}
