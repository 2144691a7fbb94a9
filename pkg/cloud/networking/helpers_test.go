package networking

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"go.uber.org/mock/gomock"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients/mock"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

const (
	testName  = "k8s-clusterapi-cluster-ns-c1"
	testOwner = "capo-cluster=ns.c1"
	extNetID  = "ext-net"
	netID     = "net-1"
	subnetID  = "subnet-1"
	routerID  = "router-1"
)

// testTags are the tags the service sets on what it creates: the user's plus the ownership tag.
var testTags = []string{testOwner, "team=blue"}

// env is a networking Service over a strict mock: any call not expected fails the test.
type env struct {
	net    *mock.MockNetwork
	svc    *Service
	saves  int
	events []string
}

func newEnv(t *testing.T) *env {
	ctrl := gomock.NewController(t)
	e := &env{net: mock.NewMockNetwork(ctrl)}
	e.svc = &Service{
		Net: e.net, Name: testName, Owner: testOwner, Tags: testTags,
		Save:  func(context.Context) error { e.saves++; return nil },
		Event: func(reason, msg string) { e.events = append(e.events, reason+": "+msg) },
	}
	return e
}

var ctx = context.Background()

func httpError(code int, body string) error {
	return gophercloud.ErrUnexpectedResponseCode{Actual: code, Body: []byte(body)}
}

var (
	notFound = httpError(404, `{"NeutronError": {"type": "NotFound", "message": "not found"}}`)
	inUse    = httpError(409, `{"NeutronError": {"type": "InUse", "message": "resource is in use"}}`)
	// lost is a create whose answer never came back: the request may or may not have been applied.
	lost = httpError(504, "Gateway Timeout")
	boom = errors.New("boom")
)

// wantErr fails the test unless err is non-nil and its message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// wantInvalid fails the test unless err is an InvalidSpecError containing every part.
func wantInvalid(t *testing.T, err error, parts ...string) {
	t.Helper()
	wantErr(t, err, parts...)
	if !cloud.IsInvalidSpec(err) {
		t.Errorf("error %q is not an InvalidSpecError", err)
	}
}
