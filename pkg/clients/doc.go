// Package clients is the provider's only way to OpenStack: one small interface per service
// (Compute, Network, LoadBalancer, Image, Volume) over gophercloud v2, with generated mocks in
// package mock.
//
// Every call takes ctx and goes through one http.RoundTripper (NewTransport) that applies the
// shared token buckets, counts and times the request for Prometheus, logs it at
// RequestLogLevel with secrets masked, and retries reads answered 429/502/503/504. Writes are
// sent once. Classify, UserMessage and RetryAfter turn any returned error into a decision.
//
// A ClientSet authenticates once and builds every service client once from the catalog, with
// no version-discovery requests; the scope package caches one per credential.
package clients
