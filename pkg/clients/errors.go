package clients

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gophercloud/gophercloud/v2"
)

// Kind is what an error from an OpenStack call means to a reconciler.
type Kind int

const (
	// KindUnknown is an error this package does not recognise; treat it as transient.
	KindUnknown Kind = iota
	// KindNotFound is a 404: the resource does not exist (a delete that finds nothing is done).
	KindNotFound
	// KindConflict is a 409 other than a quota: the resource is busy or in use; look again later.
	KindConflict
	// KindOverQuota is a project quota hit (Nova 403, Neutron 409 OverQuota, Cinder 413, Octavia 403).
	KindOverQuota
	// KindForbidden is a 403 for a reason other than quota: a policy denies the call.
	KindForbidden
	// KindUnauthorized is a 401 that re-authentication did not cure: the credentials are wrong or expired.
	KindUnauthorized
	// KindBadRequest is a 400 or 422: the request names something invalid.
	KindBadRequest
	// KindTransient is a 429, a 5xx, a timeout or an unreachable endpoint: try again later.
	KindTransient
)

var kindNames = [...]string{"Unknown", "NotFound", "Conflict", "OverQuota", "Forbidden", "Unauthorized", "BadRequest", "Transient"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// UserFixable reports whether retrying cannot help until someone changes the spec,
// the credentials or the project's quota or policy. UserMessage says what OpenStack objected to.
func (k Kind) UserFixable() bool {
	switch k {
	case KindOverQuota, KindForbidden, KindUnauthorized, KindBadRequest:
		return true
	}
	return false
}

// Requeue suggestions for errors whose answer carries no Retry-After.
const (
	TransientRequeue = 15 * time.Second
	ConflictRequeue  = 5 * time.Second
)

// Classify sorts an error returned by this package's clients (or by authentication) into a Kind.
// Classify(nil) is KindUnknown.
func Classify(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	var reauth *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) {
		return KindUnauthorized
	}
	if resp, ok := responseError(err); ok {
		return classifyStatus(resp)
	}
	if errors.Is(err, context.DeadlineExceeded) || isNetworkError(err) {
		return KindTransient
	}
	return KindUnknown
}

// isNetworkError reports a failure to reach or hear from the endpoint (refused, reset, DNS,
// timeout), not a TLS verification failure, which no retry cures.
func isNetworkError(err error) bool {
	var opErr *net.OpError
	var netErr net.Error
	return errors.As(err, &opErr) || errors.As(err, &netErr) && netErr.Timeout()
}

func classifyStatus(resp gophercloud.ErrUnexpectedResponseCode) Kind {
	code := resp.Actual
	switch {
	case code == http.StatusNotFound:
		return KindNotFound
	case code == http.StatusRequestEntityTooLarge:
		return KindOverQuota
	case code == http.StatusForbidden || code == http.StatusConflict:
		if mentionsQuota(resp.Body) {
			return KindOverQuota
		}
		if code == http.StatusConflict {
			return KindConflict
		}
		return KindForbidden
	case code == http.StatusUnauthorized:
		return KindUnauthorized
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return KindBadRequest
	case code == http.StatusTooManyRequests || code >= 500:
		return KindTransient
	}
	return KindUnknown
}

func mentionsQuota(body []byte) bool {
	return strings.Contains(strings.ToLower(string(body)), "quota")
}

// IsNotFound reports whether err is a 404.
func IsNotFound(err error) bool { return Classify(err) == KindNotFound }

// IsConflict reports whether err is a 409 that is not a quota error.
func IsConflict(err error) bool { return Classify(err) == KindConflict }

// IgnoreNotFound returns nil for a 404 and err otherwise: deleting what is gone is done.
func IgnoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}

// RetryAfter suggests how long to wait before trying again: the answer's Retry-After if it has
// one, TransientRequeue for transient errors, ConflictRequeue for conflicts, and 0 otherwise.
func RetryAfter(err error) time.Duration {
	if resp, ok := responseError(err); ok {
		if d, ok := parseRetryAfter(resp.ResponseHeader.Get("Retry-After"), time.Now()); ok {
			return d
		}
	}
	switch Classify(err) {
	case KindTransient, KindUnknown:
		return TransientRequeue
	case KindConflict:
		return ConflictRequeue
	}
	return 0
}

// UserMessage is OpenStack's own explanation of err, taken from the error body of Nova, Cinder
// and Keystone ({"badRequest": {"message": ...}}), Neutron ({"NeutronError": {"message": ...}})
// or Octavia ({"faultstring": ...}); for other errors it is err.Error().
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var reauth *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) && reauth.ErrReauth != nil {
		return UserMessage(reauth.ErrReauth)
	}
	resp, ok := responseError(err)
	if !ok {
		return err.Error()
	}
	if msg := bodyMessage(resp.Body); msg != "" {
		return msg
	}
	return http.StatusText(resp.Actual)
}

func responseError(err error) (gophercloud.ErrUnexpectedResponseCode, bool) {
	var v gophercloud.ErrUnexpectedResponseCode
	ok := errors.As(err, &v)
	return v, ok
}

const maxMessageLen = 512

func bodyMessage(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		var fault string
		if json.Unmarshal(fields["faultstring"], &fault) == nil && fault != "" {
			return fault
		}
		for _, key := range slices.Sorted(maps.Keys(fields)) {
			var inner struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(fields[key], &inner) == nil && inner.Message != "" {
				return inner.Message
			}
		}
	}
	text := strings.Join(strings.Fields(string(body)), " ")
	if len(text) > maxMessageLen {
		cut := maxMessageLen
		for !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "..."
	}
	return text
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return max(time.Duration(secs)*time.Second, 0), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
