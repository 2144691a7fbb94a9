package clients

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter holds the token buckets, one per (endpoint, service, read|write). The manager
// shares one Limiter between all credentials, so tenants of one cloud share its buckets.
type Limiter struct {
	limits  RateLimits
	mu      sync.Mutex
	buckets map[bucketKey]*rate.Limiter
}

type bucketKey struct {
	endpoint, service string
	write             bool
}

// NewLimiter returns a Limiter with the given limits; zero fields take the defaults.
func NewLimiter(limits RateLimits) *Limiter {
	return &Limiter{
		limits:  Options{RateLimits: limits}.WithDefaults().RateLimits,
		buckets: map[bucketKey]*rate.Limiter{},
	}
}

func (l *Limiter) bucket(key bucketKey) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if key.write {
			b = rate.NewLimiter(rate.Limit(l.limits.WriteQPS), l.limits.WriteBurst)
		} else {
			b = rate.NewLimiter(rate.Limit(l.limits.ReadQPS), l.limits.ReadBurst)
		}
		l.buckets[key] = b
	}
	return b
}

// wait blocks until the bucket has a token or ctx ends.
func (l *Limiter) wait(ctx context.Context, endpoint, service string, write bool) error {
	class := "read"
	if write {
		class = "write"
	}
	start := time.Now()
	err := l.bucket(bucketKey{endpoint, service, write}).Wait(ctx)
	rateLimitWait.WithLabelValues(service, class).Observe(time.Since(start).Seconds())
	if err != nil && ctx.Err() == nil {
		// The bucket refused because the wait would pass ctx's deadline.
		return fmt.Errorf("client-side rate limit for %s %ss at %s: %w", service, class, endpoint, context.DeadlineExceeded)
	}
	return err
}
