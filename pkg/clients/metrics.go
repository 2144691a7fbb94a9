package clients

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Every HTTP request to OpenStack is counted, retries and token requests included.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "capo_openstack_api_requests_total",
		Help: "HTTP requests sent to OpenStack, by service, operation and status code (\"error\" when no answer came).",
	}, []string{"service", "operation", "code"})
	requestErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "capo_openstack_api_request_errors_total",
		Help: "OpenStack requests that failed, by service, operation and status code; 404 and 409 are not counted.",
	}, []string{"service", "operation", "code"})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "capo_openstack_api_request_duration_seconds",
		Help:    "Duration of OpenStack requests, by service, operation and status code.",
		Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"service", "operation", "code"})
	retriesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "capo_openstack_api_retries_total",
		Help: "Reads retried after 429, 502, 503, 504 or a connection error, by service and operation.",
	}, []string{"service", "operation"})
	rateLimitWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "capo_openstack_api_rate_limit_wait_seconds",
		Help:    "Time requests waited for the client-side rate limiter, by service and class (read or write).",
		Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30},
	}, []string{"service", "class"})
)

func init() {
	metrics.Registry.MustRegister(requestsTotal, requestErrors, requestDuration, retriesTotal, rateLimitWait)
}

func observe(op operation, status int, elapsed time.Duration) {
	code := "error"
	if status != 0 {
		code = strconv.Itoa(status)
	}
	requestsTotal.WithLabelValues(op.service, op.name, code).Inc()
	requestDuration.WithLabelValues(op.service, op.name, code).Observe(elapsed.Seconds())
	if status == 0 || (status >= 400 && status != 404 && status != 409) {
		requestErrors.WithLabelValues(op.service, op.name, code).Inc()
	}
}
