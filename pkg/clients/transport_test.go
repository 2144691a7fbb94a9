package clients

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/prometheus/client_golang/prometheus"
)

const serverJSON = `{"server": {"id": "s1", "name": "worker-1", "status": "ACTIVE", "adminPass": "admin-secret-456"}}`

// flaky answers the first n requests with status (and Retry-After if retryAfter != ""), then ok.
func flaky(n int32, status int, retryAfter, ok string) http.HandlerFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, status, `{"computeFault": {"message": "try later", "code": 503}}`)
			return
		}
		writeJSON(w, http.StatusOK, ok)
	}
}

func TestReadRetriedOnTransientStatus(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		srv := newRecorder(t, flaky(2, status, "", serverJSON))
		c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
		before := counterValue(t, retriesTotal.WithLabelValues(ServiceCompute, "GetServer"))
		s, err := c.GetServer(context.Background(), "s1")
		if err != nil || s.Name != "worker-1" {
			t.Fatalf("status %d: got %v, %v", status, s, err)
		}
		if n := srv.count("GET /compute/servers/s1"); n != 3 {
			t.Errorf("status %d: %d requests, want 3", status, n)
		}
		if d := counterValue(t, retriesTotal.WithLabelValues(ServiceCompute, "GetServer")) - before; d != 2 {
			t.Errorf("status %d: retries metric grew by %v, want 2", status, d)
		}
	}
}

func TestReadHonoursRetryAfter(t *testing.T) {
	srv := newRecorder(t, flaky(1, http.StatusTooManyRequests, "1", serverJSON))
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	start := time.Now()
	if _, err := c.GetServer(context.Background(), "s1"); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second || elapsed > 5*time.Second {
		t.Errorf("took %v, want about the 1s of Retry-After", elapsed)
	}
}

func TestRetryAfterBeyondMaxDelayGoesBackToCaller(t *testing.T) {
	srv := newRecorder(t, flaky(1, http.StatusTooManyRequests, "60", serverJSON))
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	_, err := c.GetServer(context.Background(), "s1")
	if Classify(err) != KindTransient || RetryAfter(err) != time.Minute {
		t.Fatalf("got %v (kind %v, retry after %v), want transient with 1m", err, Classify(err), RetryAfter(err))
	}
	if n := srv.count("GET /compute/servers/s1"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRetryNotStartedWhenDeadlineIsTooClose(t *testing.T) {
	srv := newRecorder(t, flaky(10, http.StatusServiceUnavailable, "1", serverJSON))
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := c.GetServer(ctx, "s1")
	// The 503 itself comes back, not a deadline error after a wait that could not finish.
	if resp, ok := responseError(err); !ok || resp.Actual != http.StatusServiceUnavailable {
		t.Fatalf("got %v, want the 503", err)
	}
	if n := srv.count("GET /compute/servers/s1"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	srv := newRecorder(t, flaky(10, http.StatusServiceUnavailable, "", serverJSON))
	slow := Retry{MaxRetries: 3, BaseDelay: 2 * time.Second, MaxDelay: 4 * time.Second}
	c := NewCompute(testProvider(t, srv, slow), testEndpoint)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	// The first back-off is at least 1s; cancelling must cut it short.
	if _, err := c.GetServer(ctx, "s1"); err == nil || time.Since(start) > 800*time.Millisecond {
		t.Fatalf("got %v after %v, want a prompt error", err, time.Since(start))
	}
}

func TestRetriesAreBounded(t *testing.T) {
	srv := newRecorder(t, flaky(100, http.StatusBadGateway, "", serverJSON))
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	if _, err := c.GetServer(context.Background(), "s1"); Classify(err) != KindTransient {
		t.Fatalf("got %v, want transient", err)
	}
	if n := srv.count("GET /compute/servers/s1"); n != 1+fastRetry.MaxRetries {
		t.Errorf("%d requests, want %d", n, 1+fastRetry.MaxRetries)
	}
}

func TestWritesAreNeverRetried(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		srv := newRecorder(t, flaky(1, status, "0", serverJSON))
		c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
		_, err := c.CreateServer(context.Background(), servers.CreateOpts{Name: "worker-1", FlavorRef: "f"}, nil)
		if Classify(err) != KindTransient {
			t.Errorf("status %d: got %v, want transient", status, err)
		}
		if n := srv.count("POST /compute/servers"); n != 1 {
			t.Errorf("status %d: %d POSTs, want exactly 1", status, n)
		}
	}
}

func TestUnreachableReadIsRetriedThenTransient(t *testing.T) {
	srv := newRecorder(t, flaky(0, 0, "", serverJSON))
	p := testProvider(t, srv, fastRetry)
	srv.Close()
	before := counterValue(t, retriesTotal.WithLabelValues(ServiceCompute, "GetServer"))
	_, err := NewCompute(p, testEndpoint).GetServer(context.Background(), "s1")
	if Classify(err) != KindTransient {
		t.Fatalf("got %v (%v), want transient", err, Classify(err))
	}
	if d := counterValue(t, retriesTotal.WithLabelValues(ServiceCompute, "GetServer")) - before; d != 3 {
		t.Errorf("retried %v times, want 3", d)
	}
}

func TestMetricsCountStatusesAndSkipNotFoundAsError(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/compute/servers/gone":
			writeJSON(w, http.StatusNotFound, `{"itemNotFound": {"message": "Instance gone could not be found.", "code": 404}}`)
		case "/compute/servers/bad":
			writeJSON(w, http.StatusBadRequest, `{"badRequest": {"message": "bad", "code": 400}}`)
		default:
			writeJSON(w, http.StatusOK, serverJSON)
		}
	})
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	reqs := func(code string) float64 {
		return counterValue(t, requestsTotal.WithLabelValues(ServiceCompute, "GetServer", code))
	}
	errs := func(code string) float64 {
		return counterValue(t, requestErrors.WithLabelValues(ServiceCompute, "GetServer", code))
	}
	r200, r404, r400, e404, e400 := reqs("200"), reqs("404"), reqs("400"), errs("404"), errs("400")
	ctx := context.Background()
	_, _ = c.GetServer(ctx, "ok")
	if _, err := c.GetServer(ctx, "gone"); !IsNotFound(err) {
		t.Fatalf("got %v, want not found", err)
	}
	_, _ = c.GetServer(ctx, "bad")
	if reqs("200")-r200 != 1 || reqs("404")-r404 != 1 || reqs("400")-r400 != 1 {
		t.Error("requests_total did not count one request per status")
	}
	if errs("404") != e404 || errs("400")-e400 != 1 {
		t.Error("errors_total must count the 400 and not the 404")
	}
	if counterValue(t, requestDuration.WithLabelValues(ServiceCompute, "GetServer", "200").(prometheus.Histogram)) == 0 {
		t.Error("no duration observed")
	}
}
