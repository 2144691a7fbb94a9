package simulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FaultAction says what a matching fault does to the request.
type FaultAction string

const (
	// FaultError answers Status with the service's error body; the request is
	// not applied.
	FaultError FaultAction = "error"
	// FaultAcceptThenError applies the request normally, but the server
	// (volume, load balancer) it creates ends up in ERROR; for servers the
	// fault carries Status (default 500) and Message, e.g. "No valid host was
	// found. There are not enough hosts available."
	FaultAcceptThenError FaultAction = "accept-then-error"
	// FaultApplyThenError applies the request, then replaces the response
	// with a Status error (e.g. 503 but the server was created anyway).
	FaultApplyThenError FaultAction = "apply-then-error"
	// FaultRateLimit answers 429, with Retry-After when RetryAfter > 0.
	FaultRateLimit FaultAction = "rate-limit"
	// FaultLatency sleeps Delay (at most MaxFaultDelay) before handling.
	FaultLatency FaultAction = "latency"
	// FaultDrop closes the connection without answering.
	FaultDrop FaultAction = "drop"
)

// MaxFaultDelay bounds FaultLatency sleeps.
const MaxFaultDelay = 30 * time.Second

// Fault is a rule matched against each API request in the order added.
// Empty matchers match everything.
type Fault struct {
	// Method matches the HTTP method exactly.
	Method string
	// Path is a regular expression matched against the route pattern (as
	// in Counts, e.g. "/compute/v2.1/servers/{id}") or the actual path.
	Path string
	// Body is a regular expression matched against the request body, e.g.
	// `"name": "worker-3"`.
	Body string
	// First limits the fault to the first N matching requests.
	First int
	// Every applies the fault to every Nth matching request only.
	Every int
	// Probability applies the fault to that fraction of matching requests,
	// drawn from a source seeded with Options.Seed.
	Probability float64

	Action     FaultAction
	Status     int
	Message    string
	RetryAfter int // seconds, for FaultRateLimit
	Delay      time.Duration
}

type faultRule struct {
	Fault
	id      int
	matches int
	applied int
	path    *regexp.Regexp
	body    *regexp.Regexp
}

// AddFault installs f after the existing rules.
func (s *Simulator) AddFault(f Fault) error {
	rule := &faultRule{Fault: f}
	var err error
	if f.Path != "" {
		if rule.path, err = regexp.Compile(f.Path); err != nil {
			return fmt.Errorf("simulator: fault path: %w", err)
		}
	}
	if f.Body != "" {
		if rule.body, err = regexp.Compile(f.Body); err != nil {
			return fmt.Errorf("simulator: fault body: %w", err)
		}
	}
	switch f.Action {
	case FaultError, FaultAcceptThenError, FaultApplyThenError, FaultRateLimit, FaultLatency, FaultDrop:
	default:
		return fmt.Errorf("simulator: unknown fault action %q", f.Action)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultSeq++
	rule.id = s.faultSeq
	s.faults = append(s.faults, rule)
	return nil
}

// ClearFaults removes every fault rule.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// matchFault returns the first rule that applies to this request. Callers
// hold s.mu.
func (s *Simulator) matchFault(method, pattern, path string, body []byte) *Fault {
	patternPath := pattern[strings.IndexByte(pattern, ' ')+1:]
	for _, f := range s.faults {
		if (f.Method != "" && f.Method != method) ||
			(f.path != nil && !f.path.MatchString(patternPath) && !f.path.MatchString(path)) ||
			(f.body != nil && !f.body.Match(body)) {
			continue
		}
		f.matches++
		if (f.First > 0 && f.matches > f.First) || (f.Every > 0 && f.matches%f.Every != 0) ||
			(f.Probability > 0 && s.rng.Float64() >= f.Probability) {
			continue
		}
		f.applied++
		fault := f.Fault
		return &fault
	}
	return nil
}

func (f *Fault) faultCode() int {
	if f.Status != 0 {
		return f.Status
	}
	return http.StatusInternalServerError
}

func (f *Fault) message() string {
	if f.Message != "" {
		return f.Message
	}
	return http.StatusText(f.faultCode()) + " (injected by the simulator)"
}

type faultKey struct{}

func faultFrom(ctx context.Context) *Fault {
	f, _ := ctx.Value(faultKey{}).(*Fault)
	return f
}

// ServeHTTP counts the request, applies any matching fault and dispatches it.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.control.ServeHTTP(w, r)
		return
	}
	_, pattern := s.api.Handler(r)
	if pattern == "" {
		pattern = r.Method + " (unmatched)"
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.counts[pattern]++
	f := s.matchFault(r.Method, pattern, r.URL.Path, body)
	s.mu.Unlock()
	if f == nil {
		s.api.ServeHTTP(w, r)
		return
	}
	svc := serviceOf(r.URL.Path)
	switch f.Action {
	case FaultLatency:
		time.Sleep(min(f.Delay, MaxFaultDelay))
		s.api.ServeHTTP(w, r)
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case FaultRateLimit:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		writeError(w, svc, &apiError{status: http.StatusTooManyRequests, msg: "This request was rate-limited."})
	case FaultError:
		writeError(w, svc, &apiError{status: f.faultCode(), msg: f.message()})
	case FaultApplyThenError:
		s.api.ServeHTTP(discard{header: http.Header{}}, r)
		writeError(w, svc, &apiError{status: f.faultCode(), msg: f.message()})
	case FaultAcceptThenError:
		s.api.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), faultKey{}, f)))
	}
}

// discard is a ResponseWriter that drops the response.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
