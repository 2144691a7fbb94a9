package clients

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLimiterBucketsPerEndpointServiceAndClass(t *testing.T) {
	l := NewLimiter(RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 5, WriteBurst: 1})
	ctx := context.Background()
	start := time.Now()
	for range 4 {
		if err := l.wait(ctx, "cloud-a:443", ServiceCompute, true); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(start); elapsed < 550*time.Millisecond {
		t.Errorf("4 writes at 5/s with burst 1 took %v, want >= 600ms", elapsed)
	}
	start = time.Now()
	for range 100 {
		_ = l.wait(ctx, "cloud-a:443", ServiceCompute, false)
	}
	_ = l.wait(ctx, "cloud-a:443", ServiceNetwork, true)
	_ = l.wait(ctx, "cloud-b:443", ServiceCompute, true)
	// Sharing the compute write bucket would cost at least 400ms.
	if elapsed := time.Since(start); elapsed > 200*time.Millisecond {
		t.Errorf("reads, another service and another endpoint waited %v for compute writes", elapsed)
	}
}

func TestLimiterWaitRespectsDeadline(t *testing.T) {
	l := NewLimiter(RateLimits{WriteQPS: 0.1, WriteBurst: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = l.wait(ctx, "e", ServiceCompute, true)
	err := l.wait(ctx, "e", ServiceCompute, true)
	if !errors.Is(err, context.DeadlineExceeded) || Classify(err) != KindTransient {
		t.Fatalf("got %v, want a transient deadline error at once", err)
	}
}

func TestDefaults(t *testing.T) {
	o := Options{RateLimits: RateLimits{ReadQPS: 3}, Retry: Retry{MaxRetries: -1}}.WithDefaults()
	if o.RateLimits.ReadQPS != 3 || o.RateLimits.WriteQPS != DefaultWriteQPS || o.Retry.MaxRetries != -1 ||
		o.Retry.MaxDelay != DefaultMaxDelay || o.RequestTimeout != DefaultRequestTimeout {
		t.Fatalf("unexpected defaults: %+v", o)
	}
}
