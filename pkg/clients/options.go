package clients

import (
	"net/http"
	"time"
)

// Options tune every client set the manager builds. The manager fills them from flags;
// zero fields take the defaults below.
type Options struct {
	// RateLimits bound the request rate per (endpoint, service, read|write).
	RateLimits RateLimits
	// Retry bounds the retries of reads answered 429, 502, 503 or 504.
	Retry Retry
	// RequestTimeout bounds one API call, read retries included, when ctx has no earlier deadline.
	RequestTimeout time.Duration
	// UserAgent is prepended to gophercloud's User-Agent header.
	UserAgent string
	// WrapTransport, when set, wraps the HTTP transport under the rate limiter and the retries:
	// it sees every request sent and every answer received. Tests record the cloud's answers
	// with it; the manager leaves it nil.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// RateLimits are token buckets, one per (endpoint, service, read|write), shared by all
// credentials that talk to the same endpoint.
type RateLimits struct {
	ReadQPS    float64
	ReadBurst  int
	WriteQPS   float64
	WriteBurst int
}

// Retry bounds the retries of reads. Writes are never retried: a 503 answer to a POST
// may still have created the resource, so the caller re-lists and decides.
type Retry struct {
	// MaxRetries is the number of retries after the first attempt; negative disables retries.
	MaxRetries int
	// BaseDelay is the first back-off when the answer has no Retry-After; it doubles each retry.
	BaseDelay time.Duration
	// MaxDelay caps one wait. A Retry-After longer than this is not waited for: the error
	// goes back to the caller, whose requeue can honour it (see RetryAfter).
	MaxDelay time.Duration
}

// Defaults are gentle enough for a cloud shared with other tenants.
const (
	DefaultReadQPS        = 10
	DefaultReadBurst      = 20
	DefaultWriteQPS       = 2
	DefaultWriteBurst     = 5
	DefaultMaxRetries     = 3
	DefaultBaseDelay      = 500 * time.Millisecond
	DefaultMaxDelay       = 10 * time.Second
	DefaultRequestTimeout = 2 * time.Minute
)

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	r := &o.RateLimits
	r.ReadQPS = orDefault(r.ReadQPS, DefaultReadQPS)
	r.ReadBurst = orDefault(r.ReadBurst, DefaultReadBurst)
	r.WriteQPS = orDefault(r.WriteQPS, DefaultWriteQPS)
	r.WriteBurst = orDefault(r.WriteBurst, DefaultWriteBurst)
	o.Retry.MaxRetries = orDefault(o.Retry.MaxRetries, DefaultMaxRetries)
	o.Retry.BaseDelay = orDefault(o.Retry.BaseDelay, DefaultBaseDelay)
	o.Retry.MaxDelay = orDefault(o.Retry.MaxDelay, DefaultMaxDelay)
	o.RequestTimeout = orDefault(o.RequestTimeout, DefaultRequestTimeout)
	return o
}

func orDefault[T int | float64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
