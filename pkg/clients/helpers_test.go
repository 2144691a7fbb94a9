package clients

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// fastRetry keeps retry tests quick.
var fastRetry = Retry{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second}

var testEndpoint = gophercloud.EndpointOpts{Region: "RegionOne"}

// unlimited is a rate limit no unit test reaches.
var unlimited = RateLimits{ReadQPS: 1e6, ReadBurst: 1e6, WriteQPS: 1e6, WriteBurst: 1e6}

// recorder is an httptest server that counts requests per "METHOD path" and answers with handler.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
	last   map[string]*http.Request
}

func newRecorder(t *testing.T, handler http.HandlerFunc) *recorder {
	r := &recorder{counts: map[string]int{}, last: map[string]*http.Request{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.counts[req.Method+" "+req.URL.Path]++
		r.last[req.Method+" "+req.URL.Path] = req
		r.mu.Unlock()
		handler(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

func (r *recorder) request(key string) *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last[key]
}

// testProvider is a provider client with a fixed token whose catalog sends every service
// but load-balancer to srv under /<type>/.
func testProvider(t *testing.T, srv *recorder, retry Retry) *gophercloud.ProviderClient {
	t.Helper()
	p, err := openstack.NewClient(srv.URL + "/identity/v3/")
	if err != nil {
		t.Fatal(err)
	}
	p.HTTPClient = http.Client{Transport: NewTransport(http.DefaultTransport, NewLimiter(unlimited), retry)}
	p.SetToken("tok-secret-123")
	p.EndpointLocator = func(eo gophercloud.EndpointOpts) (string, error) {
		if eo.Type == "load-balancer" {
			return "", gophercloud.ErrEndpointNotFound{}
		}
		return srv.URL + "/" + eo.Type + "/", nil
	}
	return p
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	m := &dto.Metric{}
	switch v := c.(type) {
	case prometheus.Counter:
		if err := v.Write(m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	case prometheus.Histogram:
		if err := v.Write(m); err != nil {
			t.Fatal(err)
		}
		return float64(m.GetHistogram().GetSampleCount())
	}
	t.Fatalf("unexpected collector %T", c)
	return 0
}

// logSink collects log lines written through a funcr logger.
type logSink struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (s *logSink) write(prefix, args string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.WriteString(prefix + " " + args + "\n")
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
