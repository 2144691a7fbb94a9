// Package scopetest gives controller and service tests a scope.ScopeGetter whose clients are
// generated mocks.
package scopetest

import (
	"context"

	"go.uber.org/mock/gomock"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients/mock"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// Mocks is a scope.ScopeGetter that hands out the same mocks for every identity.
// Set Err to make ForIdentity fail instead.
type Mocks struct {
	Compute      *mock.MockCompute
	Network      *mock.MockNetwork
	LoadBalancer *mock.MockLoadBalancer
	Image        *mock.MockImage
	Volume       *mock.MockVolume
	ProjectID    string
	Region       string
	Err          error
}

var _ scope.ScopeGetter = &Mocks{}

// New returns mocks for every service, in project "project-id" and region "RegionOne".
func New(ctrl *gomock.Controller) *Mocks {
	return &Mocks{
		Compute:      mock.NewMockCompute(ctrl),
		Network:      mock.NewMockNetwork(ctrl),
		LoadBalancer: mock.NewMockLoadBalancer(ctrl),
		Image:        mock.NewMockImage(ctrl),
		Volume:       mock.NewMockVolume(ctrl),
		ProjectID:    "project-id",
		Region:       "RegionOne",
	}
}

// ForIdentity returns a Scope over the mocks, or Err.
func (m *Mocks) ForIdentity(context.Context, string, scope.IdentityRef) (*scope.Scope, error) {
	if m.Err != nil {
		return nil, m.Err
	}
	return &scope.Scope{
		Compute:      m.Compute,
		Network:      m.Network,
		LoadBalancer: m.LoadBalancer,
		Image:        m.Image,
		Volume:       m.Volume,
		ProjectID:    m.ProjectID,
		Region:       m.Region,
	}, nil
}
