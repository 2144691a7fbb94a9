package clients

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
)

// RequestLogLevel is the verbosity at which every OpenStack request is logged, with tokens,
// passwords, secrets, user data and authentication bodies masked.
const RequestLogLevel = 6

const (
	masked        = "***"
	maxLoggedBody = 4096
)

var secretHeaders = []string{
	"X-Auth-Token", "X-Subject-Token", "X-Service-Token",
	"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
}

// secretKeyParts mark JSON keys whose values are never logged: passwords and admin passwords,
// application-credential secrets, tokens, credentials, keys and cloud-init user data.
var secretKeyParts = []string{"pass", "secret", "token", "credential", "private_key", "user_data"}

// logExchange logs one request and its answer. It reads the answer body to log it, so it
// returns the response with a fresh body.
func logExchange(log logr.Logger, op operation, req *http.Request, resp *http.Response, err error, elapsed time.Duration) *http.Response {
	kv := []any{"service", op.service, "operation", op.name, "method", req.Method, "url", req.URL.String(),
		"duration", elapsed.String(), "requestHeaders", maskHeaders(req.Header)}
	if body := requestBody(req); body != "" {
		kv = append(kv, "requestBody", body)
	}
	if err != nil {
		log.Info("OpenStack request failed", append(kv, "error", err.Error())...)
		return resp
	}
	data, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{readErr}))
	kv = append(kv, "status", resp.StatusCode, "responseHeaders", maskHeaders(resp.Header))
	if len(data) > 0 {
		kv = append(kv, "responseBody", maskBody(data))
	}
	log.Info("OpenStack request", kv...)
	return resp
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

func requestBody(req *http.Request) string {
	if req.GetBody == nil {
		return ""
	}
	if operationOf(req).service == ServiceIdentity {
		return "<authentication request, not logged>"
	}
	body, err := req.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil || len(data) == 0 {
		return ""
	}
	return maskBody(data)
}

func maskHeaders(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range secretHeaders {
		if out.Get(name) != "" {
			out.Set(name, masked)
		}
	}
	return out
}

// maskBody renders a JSON body with secret values replaced; other bodies are not logged.
func maskBody(data []byte) string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Sprintf("<%d bytes, not JSON>", len(data))
	}
	out, err := json.Marshal(maskValue(v))
	if err != nil {
		return fmt.Sprintf("<%d bytes>", len(data))
	}
	if len(out) > maxLoggedBody {
		return string(out[:maxLoggedBody]) + "...(truncated)"
	}
	return string(out)
}

func maskValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, inner := range t {
			if isSecretKey(k) {
				t[k] = masked
			} else {
				t[k] = maskValue(inner)
			}
		}
	case []any:
		for i := range t {
			t[i] = maskValue(t[i])
		}
	}
	return v
}

func isSecretKey(key string) bool {
	key = strings.ToLower(key)
	for _, part := range secretKeyParts {
		if strings.Contains(key, part) {
			return true
		}
	}
	return false
}
