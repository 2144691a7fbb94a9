package clients

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
)

func httpError(status int, body string, header http.Header) error {
	return gophercloud.ErrUnexpectedResponseCode{Actual: status, Body: []byte(body), ResponseHeader: header}
}

func TestClassifyAndUserMessage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		kind    Kind
		message string
	}{
		{"nova not found", httpError(404, `{"itemNotFound": {"message": "Instance x could not be found.", "code": 404}}`, nil),
			KindNotFound, "Instance x could not be found."},
		{"nova quota", httpError(403, `{"forbidden": {"message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances", "code": 403}}`, nil),
			KindOverQuota, "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"},
		{"nova policy", httpError(403, `{"forbidden": {"message": "Policy doesn't allow os_compute_api:servers:create to be performed.", "code": 403}}`, nil),
			KindForbidden, "Policy doesn't allow os_compute_api:servers:create to be performed."},
		{"nova bad request", httpError(400, `{"badRequest": {"message": "Invalid flavorRef provided.", "code": 400}}`, nil),
			KindBadRequest, "Invalid flavorRef provided."},
		{"neutron quota", httpError(409, `{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['port'].", "detail": ""}}`, nil),
			KindOverQuota, "Quota exceeded for resources: ['port']."},
		{"neutron in use", httpError(409, `{"NeutronError": {"type": "NetworkInUse", "message": "Unable to complete operation on network n. There are one or more ports still in use on the network.", "detail": ""}}`, nil),
			KindConflict, "Unable to complete operation on network n. There are one or more ports still in use on the network."},
		{"octavia immutable", httpError(409, `{"faultcode": "Client", "faultstring": "Load Balancer lb is immutable and cannot be updated.", "debuginfo": null}`, nil),
			KindConflict, "Load Balancer lb is immutable and cannot be updated."},
		{"octavia quota", httpError(403, `{"faultcode": "Client", "faultstring": "Quota has been met for resources: Load Balancer", "debuginfo": null}`, nil),
			KindOverQuota, "Quota has been met for resources: Load Balancer"},
		{"cinder over limit", httpError(413, `{"overLimit": {"message": "VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded", "code": 413}}`, nil),
			KindOverQuota, "VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded"},
		{"keystone 401", httpError(401, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`, nil),
			KindUnauthorized, "The request you have made requires authentication."},
		{"glance text", httpError(400, "400 Bad Request\n\nInvalid value for tags.\n\n   ", nil),
			KindBadRequest, "400 Bad Request Invalid value for tags."},
		{"empty body", httpError(503, "", nil), KindTransient, "Service Unavailable"},
		{"rate limited", httpError(429, "", nil), KindTransient, "Too Many Requests"},
		{"unprocessable", httpError(422, `{"badRequest": {"message": "nope"}}`, nil), KindBadRequest, "nope"},
		{"wrapped", fmt.Errorf("creating port: %w", httpError(404, `{"NeutronError": {"message": "Network n could not be found."}}`, nil)),
			KindNotFound, "Network n could not be found."},
		{"after reauth", &gophercloud.ErrErrorAfterReauthentication{ErrOriginal: httpError(404, "", nil)}, KindNotFound, "Not Found"},
		{"reauth failed", &gophercloud.ErrUnableToReauthenticate{ErrOriginal: httpError(401, "", nil),
			ErrReauth: httpError(401, `{"error": {"message": "Invalid password"}}`, nil)}, KindUnauthorized, "Invalid password"},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), KindTransient, "get: context deadline exceeded"},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, KindTransient, "dial: connection refused"},
		{"other", errors.New("boom"), KindUnknown, "boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.kind {
				t.Errorf("Classify = %v, want %v", got, tc.kind)
			}
			if got := UserMessage(tc.err); got != tc.message {
				t.Errorf("UserMessage = %q, want %q", got, tc.message)
			}
		})
	}
}

func TestKindHelpers(t *testing.T) {
	notFound := httpError(404, "", nil)
	if !IsNotFound(notFound) || IgnoreNotFound(notFound) != nil || IsConflict(notFound) {
		t.Error("404 helpers")
	}
	conflict := httpError(409, `{"NeutronError": {"type": "InUse", "message": "in use"}}`, nil)
	if !IsConflict(conflict) || IgnoreNotFound(conflict) == nil {
		t.Error("409 helpers")
	}
	if Classify(nil) != KindUnknown || UserMessage(nil) != "" || KindOverQuota.String() != "OverQuota" {
		t.Error("nil and String")
	}
	for k, fixable := range map[Kind]bool{KindOverQuota: true, KindForbidden: true, KindUnauthorized: true, KindBadRequest: true,
		KindNotFound: false, KindConflict: false, KindTransient: false, KindUnknown: false} {
		if k.UserFixable() != fixable {
			t.Errorf("%v.UserFixable() = %v", k, !fixable)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name string
		err  error
		min  time.Duration
		max  time.Duration
	}{
		{"seconds", httpError(429, "", http.Header{"Retry-After": {"7"}}), 7 * time.Second, 7 * time.Second},
		{"date", httpError(503, "", http.Header{"Retry-After": {date}}), 28 * time.Second, 30 * time.Second},
		{"transient without header", httpError(503, "", nil), TransientRequeue, TransientRequeue},
		{"conflict", httpError(409, "", nil), ConflictRequeue, ConflictRequeue},
		{"bad request", httpError(400, "", nil), 0, 0},
		{"not found", httpError(404, "", nil), 0, 0},
	} {
		if got := RetryAfter(tc.err); got < tc.min || got > tc.max {
			t.Errorf("%s: RetryAfter = %v, want [%v, %v]", tc.name, got, tc.min, tc.max)
		}
	}
}
