package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Service names as they appear in the catalog and in Counts.ByService.
const (
	svcIdentity     = "identity"
	svcCompute      = "compute"
	svcNetwork      = "network"
	svcImage        = "image"
	svcBlockStorage = "block-storage"
	svcLoadBalancer = "load-balancer"
)

// serviceOf maps a request path (or mux pattern) to the service serving it.
func serviceOf(path string) string {
	if i := strings.IndexByte(path, ' '); i >= 0 {
		path = path[i+1:]
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch first {
	case "compute":
		return svcCompute
	case "networking":
		return svcNetwork
	case "image":
		return svcImage
	case "volume":
		return svcBlockStorage
	case "load-balancer":
		return svcLoadBalancer
	}
	return svcIdentity
}

// call is the state of one API request while its handler runs under s.mu.
type call struct {
	s     *Simulator
	w     http.ResponseWriter
	r     *http.Request
	svc   string
	now   time.Time
	tok   *token
	st    *store // the token's project
	mv    int    // Nova microversion minor number (major is always 2)
	fault *Fault // an "accept then error" fault matched by this request
	raw   []byte // the request body, once read
}

type handlerFunc func(c *call) error

// apiError is an error answered with an OpenStack-shaped body for the
// service that raised it. typ is Neutron's error type.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.typ, e.msg) }

func errf(status int, typ, format string, args ...any) *apiError {
	return &apiError{status: status, typ: typ, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "BadRequest", format, args...)
}

// handle registers fn for pattern; the token is checked unless public. A
// version document pattern like "GET /identity/{$}" is also served without
// the trailing slash, since keystoneauth will not follow the redirect.
func (s *Simulator) handle(pattern string, public bool, fn handlerFunc) {
	if bare, ok := strings.CutSuffix(pattern, "/{$}"); ok && !strings.HasSuffix(bare, " ") {
		s.handle(bare, public, fn)
	}
	svc := serviceOf(pattern)
	s.api.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if svc == svcNetwork && r.Method != http.MethodGet && s.lat.NeutronCRUD > 0 {
			time.Sleep(s.lat.NeutronCRUD)
		}
		c := &call{s: s, w: w, r: r, svc: svc, fault: faultFrom(r.Context())}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reap()
		c.now = s.clock.Now().UTC()
		err := c.prepare(public)
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			c.fail(err)
		}
	})
}

func (c *call) prepare(public bool) error {
	if !public {
		if err := c.authenticate(); err != nil {
			return err
		}
	}
	if c.svc == svcCompute {
		return c.negotiateMicroversion()
	}
	return nil
}

// reply writes body as JSON (no body for nil) and returns nil so handlers can
// end with `return c.reply(...)`.
func (c *call) reply(status int, body any) error {
	if body == nil {
		c.w.WriteHeader(status)
		return nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
	return nil
}

// decode reads the JSON request body into v.
func (c *call) decode(v any) error {
	if err := json.Unmarshal(c.body(), v); err != nil {
		return badRequest("Malformed request body: %v", err)
	}
	return nil
}

// decodeAs reads the object under key (e.g. {"port": {...}}) into v.
func (c *call) decodeAs(key string, v any) error {
	raw, err := c.member(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return badRequest("Invalid input for %s: %v", key, err)
	}
	return nil
}

// member returns the raw JSON under key in the request body.
func (c *call) member(key string) (json.RawMessage, error) {
	var env map[string]json.RawMessage
	if err := c.decode(&env); err != nil {
		return nil, err
	}
	raw, ok := env[key]
	if !ok {
		return nil, badRequest("Unable to find '%s' in request body", key)
	}
	return raw, nil
}

func (c *call) body() []byte {
	if c.raw == nil {
		c.raw, _ = io.ReadAll(c.r.Body)
	}
	return c.raw
}

func (c *call) fail(err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = errf(http.StatusInternalServerError, "InternalServerError", "%v", err)
	}
	writeError(c.w, c.svc, e)
}

// baseURL is the scheme and host the client used, so catalog and pagination
// links point back at whatever address reached the simulator.
func (c *call) baseURL() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// writeError writes e in the error format of service svc.
func writeError(w http.ResponseWriter, svc string, e *apiError) {
	var body any
	title := http.StatusText(e.status)
	switch {
	case e.status == http.StatusUnauthorized || svc == svcIdentity:
		body = map[string]any{"error": map[string]any{"code": e.status, "title": title, "message": e.msg}}
	case svc == svcCompute || svc == svcBlockStorage:
		body = map[string]any{novaErrorKey(e.status): map[string]any{"code": e.status, "message": e.msg}}
	case svc == svcNetwork:
		typ := e.typ
		if typ == "" {
			typ = "HTTP" + strings.ReplaceAll(title, " ", "")
		}
		body = map[string]any{"NeutronError": map[string]any{"type": typ, "message": e.msg, "detail": ""}}
	case svc == svcLoadBalancer:
		code := "Client"
		if e.status >= 500 {
			code = "Server"
		}
		body = map[string]any{"faultcode": code, "faultstring": e.msg, "debuginfo": nil}
	default: // Glance answers in plain text.
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(e.status)
		fmt.Fprintf(w, "%d %s\n\n%s\n\n   ", e.status, title, e.msg)
		return
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func novaErrorKey(status int) string {
	switch status {
	case 400:
		return "badRequest"
	case 403:
		return "forbidden"
	case 404:
		return "itemNotFound"
	case 409:
		return "conflictingRequest"
	case 413, 429:
		return "overLimit"
	case 501:
		return "notImplemented"
	case 503:
		return "serviceUnavailable"
	}
	return "computeFault"
}
