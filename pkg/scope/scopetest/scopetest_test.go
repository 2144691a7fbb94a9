package scopetest

import (
	"context"
	"errors"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"go.uber.org/mock/gomock"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

func TestMocksServeAsScope(t *testing.T) {
	m := New(gomock.NewController(t))
	m.Compute.EXPECT().GetServer(gomock.Any(), "s1").Return(&servers.Server{ID: "s1"}, nil)
	var getter scope.ScopeGetter = m
	s, err := getter.ForIdentity(context.Background(), "ns", scope.IdentityRef{Name: "n", CloudName: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Compute.GetServer(context.Background(), "s1"); err != nil || got.ID != "s1" {
		t.Fatalf("got %v, %v", got, err)
	}
	var _ clients.Network = s.Network
	m.Err = errors.New("no credentials")
	if _, err := getter.ForIdentity(context.Background(), "ns", scope.IdentityRef{}); err == nil {
		t.Fatal("want Err")
	}
}
