package compute

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

func TestObserveActive(t *testing.T) {
	e := newEnv(t)
	m := testMachine()
	srv := &servers.Server{
		ID: "srv-1", Name: "m-1", Status: "ACTIVE", AvailabilityZone: "az2",
		Addresses: map[string]any{
			"storage": []any{map[string]any{"addr": "10.2.0.4", "OS-EXT-IPS:type": "fixed", "version": 4}},
			"cluster": []any{
				map[string]any{"addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed", "version": 4},
				map[string]any{"addr": "172.24.4.9", "OS-EXT-IPS:type": "floating", "version": 4},
				map[string]any{"addr": "fd00::5", "OS-EXT-IPS:type": "fixed", "version": 6},
			},
		},
	}
	res, err := e.svc.Observe(m, srv)
	if err != nil || !res.Done() || res.ProviderID != "openstack://RegionOne/srv-1" {
		t.Fatalf("Observe = %+v, %v", res, err)
	}
	want := []clusterv1.MachineAddress{
		{Type: clusterv1.MachineInternalIP, Address: "10.0.0.5"},
		{Type: clusterv1.MachineInternalIP, Address: "fd00::5"},
		{Type: clusterv1.MachineInternalIP, Address: "10.2.0.4"},
		{Type: clusterv1.MachineExternalIP, Address: "172.24.4.9"},
		{Type: clusterv1.MachineInternalDNS, Address: "m-1"},
	}
	if !reflect.DeepEqual(m.Status.Addresses, want) {
		t.Errorf("addresses = %+v\nwant %+v", m.Status.Addresses, want)
	}
	if m.Status.FailureDomain != "az2" || *m.Status.InstanceState != infrav1.InstanceStateActive {
		t.Errorf("status %+v", m.Status)
	}
	if ip := InternalIP(m.Status.Addresses, []string{"10.2.0.0/24"}); ip != "10.2.0.4" {
		t.Errorf("InternalIP in the cluster subnet = %q", ip)
	}
	if ip := InternalIP(m.Status.Addresses, []string{"192.168.0.0/16"}); ip != "10.0.0.5" {
		t.Errorf("InternalIP outside any subnet = %q, want the first", ip)
	}
	if ip := InternalIP(nil, nil); ip != "" {
		t.Errorf("InternalIP of nothing = %q", ip)
	}
}

func TestObserveBuildBacksOff(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ age, want time.Duration }{
		{0, 5 * time.Second}, {40 * time.Second, 20 * time.Second}, {10 * time.Minute, time.Minute},
	} {
		res, err := e.svc.Observe(testMachine(), &servers.Server{ID: "srv-1", Status: "BUILD", Created: testNow.Add(-tc.age)})
		if err != nil || res.RequeueAfter != tc.want {
			t.Errorf("building for %v: %+v, %v; want requeue after %v", tc.age, res, err, tc.want)
		}
	}
}

func TestObserveOtherStates(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.Observe(testMachine(), &servers.Server{ID: "srv-1", Name: "m-1", Status: "SHUTOFF"})
	if err != nil || res.Done() || res.ProviderID != "" || res.Reason != "server m-1 is SHUTOFF, not ACTIVE" {
		t.Errorf("SHUTOFF: %+v, %v", res, err)
	}
	for _, state := range []string{"SOFT_DELETED", "DELETED"} {
		if _, err := e.svc.Observe(testMachine(), &servers.Server{ID: "srv-1", Status: state}); !errors.Is(err, ErrServerGone) {
			t.Errorf("%s: %v, want ErrServerGone", state, err)
		}
	}
	msg := (&ServerError{ID: "srv-1", Name: "m-1"}).Error()
	if !strings.Contains(msg, "srv-1") || !strings.Contains(msg, "no fault message") {
		t.Errorf("ServerError without a fault: %q", msg)
	}
}
