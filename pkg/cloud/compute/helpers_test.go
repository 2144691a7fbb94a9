package compute

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients/mock"
)

const (
	testOwner  = "capo-cluster=ns.c1"
	testNet    = "net-1"
	testSubnet = "subnet-1"
	testSG     = "sg-worker"
)

// testNow is the clock of the unit tests.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// env is a MachineService over strict mocks: any call not expected fails the test.
type env struct {
	compute *mock.MockCompute
	network *mock.MockNetwork
	image   *mock.MockImage
	volume  *mock.MockVolume
	lb      *mock.MockLoadBalancer
	svc     *MachineService
}

func newEnv(t *testing.T) *env {
	ctrl := gomock.NewController(t)
	e := &env{
		compute: mock.NewMockCompute(ctrl), network: mock.NewMockNetwork(ctrl), image: mock.NewMockImage(ctrl),
		volume: mock.NewMockVolume(ctrl), lb: mock.NewMockLoadBalancer(ctrl),
	}
	e.svc = &MachineService{
		Compute: e.compute, Network: e.network, Image: e.image, Volume: e.volume, Region: "RegionOne",
		Now: func() time.Time { return testNow },
	}
	return e
}

// testMachine is machine m-1 with image and flavor given by ID, so resolving it costs nothing.
func testMachine() *Machine {
	return &Machine{
		Name: "m-1",
		Spec: &infrav1.OpenStackMachineSpec{
			Image:  infrav1.ImageParam{ID: ptr.To("image-1")},
			Flavor: infrav1.FlavorParam{ID: ptr.To("flavor-1")},
			Tags:   []string{"machine-tag"},
		},
		Status:      &infrav1.OpenStackMachineStatus{},
		Owner:       testOwner,
		ClusterTags: []string{"cluster-tag"},
		NetworkID:   testNet, SubnetIDs: []string{testSubnet}, SecurityGroupIDs: []string{testSG},
		UserData: []byte("#cloud-config\n"),
	}
}

// resolved gives m the resolution of testMachine's spec.
func resolved(m *Machine) *Machine {
	m.Status.Resolved = &infrav1.ResolvedMachineSpec{
		ImageID: "image-1", FlavorID: "flavor-1",
		Ports: []infrav1.ResolvedPortSpec{{
			Name: "m-1-0", NetworkID: testNet, FixedIPs: []infrav1.ResolvedFixedIP{{Subnet: ptr.To(testSubnet)}},
			SecurityGroups: []string{testSG}, Tags: []string{testOwner, "cluster-tag", "machine-tag"}, Trunk: ptr.To(false),
		}},
	}
	return m
}

func httpError(code int, body string) error {
	return gophercloud.ErrUnexpectedResponseCode{Actual: code, Body: []byte(body)}
}

var notFound = httpError(404, `{"itemNotFound": {"message": "not found", "code": 404}}`)

// fields decodes the object under key of a request body, as the server would read it.
func fields(t *testing.T, body map[string]any, key string) map[string]any {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out[key]
}
