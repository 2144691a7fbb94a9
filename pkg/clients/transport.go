package clients

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// transport is the http.RoundTripper under every gophercloud call: it waits for the rate
// limiter, counts and times each request, logs it at RequestLogLevel, and retries reads.
type transport struct {
	base    http.RoundTripper
	limiter *Limiter
	retry   Retry
}

// NewTransport wraps base with rate limiting, metrics, request logging (logr from the request's
// context) and bounded, ctx-aware retries of reads answered 429, 502, 503 or 504 (honouring
// Retry-After). Writes go out once: their failures go back to the caller.
func NewTransport(base http.RoundTripper, limiter *Limiter, retry Retry) http.RoundTripper {
	return &transport{base: base, limiter: limiter, retry: Options{Retry: retry}.WithDefaults().Retry}
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	op := operationOf(req)
	read := req.Method == http.MethodGet || req.Method == http.MethodHead
	log := ctrllog.FromContext(ctx).V(RequestLogLevel)
	for attempt := 0; ; attempt++ {
		if err := t.limiter.wait(ctx, req.URL.Host, op.service, !read); err != nil {
			return nil, err
		}
		start := time.Now()
		resp, err := t.base.RoundTrip(req)
		elapsed := time.Since(start)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		observe(op, status, elapsed)
		if log.Enabled() {
			resp = logExchange(log, op, req, resp, err, elapsed)
		}
		if !read || req.Body != nil && req.Body != http.NoBody {
			return resp, err
		}
		wait, again := t.retryWait(ctx, resp, err, attempt)
		if !again {
			return resp, err
		}
		retriesTotal.WithLabelValues(op.service, op.name).Inc()
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// retryWait decides whether a read is tried again, and after how long.
func (t *transport) retryWait(ctx context.Context, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= t.retry.MaxRetries || ctx.Err() != nil {
		return 0, false
	}
	wait := t.backoff(attempt)
	if err != nil && !isNetworkError(err) {
		return 0, false
	}
	if err == nil {
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		default:
			return 0, false
		}
		if after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			wait = after
		}
	}
	if wait > t.retry.MaxDelay {
		return 0, false
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, false
	}
	return wait, true
}

// backoff doubles BaseDelay each attempt, with jitter, up to MaxDelay.
func (t *transport) backoff(attempt int) time.Duration {
	d := min(t.retry.BaseDelay<<attempt, t.retry.MaxDelay)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
