package loadbalancer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"go.uber.org/mock/gomock"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients/mock"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/networking"
)

const (
	lbName    = "k8s-clusterapi-cluster-ns-c1-kubeapi"
	testOwner = "capo-cluster=ns.c1"
	lbID      = "lb-1"
	vip       = "10.6.0.10"
	vipPort   = "vip-port"
	subnetID  = "subnet-1"
	extNetID  = "ext-net"
)

var testTags = []string{testOwner, "team=blue"}

// env is a load balancer Service over strict mocks: any call not expected fails the test.
// saved holds a copy of the load balancer status at each Save.
type env struct {
	lb     *mock.MockLoadBalancer
	net    *mock.MockNetwork
	svc    *Service
	status *infrav1.OpenStackClusterStatus
	saved  []infrav1.LoadBalancer
	events []string
}

func newEnv(t *testing.T) *env {
	ctrl := gomock.NewController(t)
	e := &env{lb: mock.NewMockLoadBalancer(ctrl), net: mock.NewMockNetwork(ctrl), status: &infrav1.OpenStackClusterStatus{}}
	save := func(context.Context) error {
		if st := e.status.APIServerLoadBalancer; st != nil {
			e.saved = append(e.saved, *st.DeepCopy())
		} else {
			e.saved = append(e.saved, infrav1.LoadBalancer{})
		}
		return nil
	}
	e.svc = &Service{
		LB:   e.lb,
		Net:  &networking.Service{Net: e.net, Name: "k8s-clusterapi-cluster-ns-c1", Owner: testOwner, Tags: testTags, Save: save},
		Name: lbName, Tags: testTags,
		Event: func(reason, msg string) { e.events = append(e.events, reason+": "+msg) },
		Save:  save,
	}
	return e
}

var ctx = context.Background()

var clusterNetwork = &infrav1.NetworkStatusWithSubnets{
	NetworkStatus: infrav1.NetworkStatus{ID: "net-1", Name: "k8s-clusterapi-cluster-ns-c1"},
	Subnets:       []infrav1.Subnet{{ID: subnetID}},
}

// desired is a load balancer on the cluster subnet for the API server port only, no floating IP.
func desired() Desired {
	return Desired{Spec: &infrav1.APIServerLoadBalancer{}, Ports: []int{6443}, SubnetID: subnetID, Network: clusterNetwork}
}

func lbIn(state string) *loadbalancers.LoadBalancer {
	return &loadbalancers.LoadBalancer{ID: lbID, Name: lbName, ProvisioningStatus: state, VipAddress: vip, VipPortID: vipPort}
}

// recorded puts the load balancer in status, as a previous run left it.
func (e *env) recorded() {
	e.status.APIServerLoadBalancer = &infrav1.LoadBalancer{ID: lbID, Name: lbName, InternalIP: vip, Tags: testTags, LoadBalancerNetwork: clusterNetwork}
}

func httpError(code int, body string) error {
	return gophercloud.ErrUnexpectedResponseCode{Actual: code, Body: []byte(body)}
}

var (
	notFound = httpError(404, `{"faultstring": "Load Balancer lb-1 not found."}`)
	pending  = httpError(409, `{"faultstring": "Load Balancer lb-1 is immutable and cannot be updated."}`)
	lost     = httpError(504, "Gateway Timeout")
	boom     = errors.New("boom")
)

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
