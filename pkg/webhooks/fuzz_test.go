package webhooks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// Seeds: valid specs and the hostile inputs of the bad input sweep (bad addresses, colliding
// ports, unicode and enormous values).
var clusterSeeds = []string{
	`{"managedSubnets":[{"cidr":"10.6.0.0/24"}]}`,
	`{"managedSubnets":[{"cidr":"10.6.0.0/33","allocationPools":[{"start":"10.6.0.9","end":"10.6.0.2"}]}]}`,
	`{"managedSubnets":[{"cidr":"fe80::/64","dnsNameservers":["::1","1.1.1.1.1"]}]}`,
	`{"apiServer":{"fixedIP":"300.1.1.1","port":6443,"managedLoadBalancer":{"enabled":true,"additionalPorts":[6443,6443],"allowedCIDRs":["x/y","10.0.0.0/8"]}}}`,
	`{"managedSecurityGroups":{"clusterNodesSecurityGroupRules":[{"name":"é🚀","direction":"ingress","remoteIPPrefix":"::/200","portRangeMin":70000,"portRangeMax":1}]}}`,
	`{"bastion":{"enabled":true,"spec":{"flavor":{"filter":{"name":"` + strings.Repeat("ß", 5000) + `"}},"ports":[{"fixedIPs":[{"ipAddress":"::g"}]}]}}}`,
}

var machineSeeds = []string{
	`{"flavor":{"filter":{"name":"m1.small"}},"image":{"filter":{"name":"ubuntu"}}}`,
	`{"flavor":{"id":"x"},"image":{"id":"y"},"ports":[{"fixedIPs":[{"ipAddress":"1.2.3.999"}],"allowedAddressPairs":[{"ipAddress":"not-a-cidr/1"}]}]}`,
	`{"flavor":{"filter":{"name":"ü̈̈̈"}},"image":{"filter":{"name":"","tags":["",""]}},"ports":[{"fixedIPs":[{"ipAddress":"１.２.３.４"}]}]}`,
}

// FuzzValidateOpenStackCluster: any spec either passes or is rejected with an Invalid error
// (the API server's 422), never a panic; and an unchanged object can be updated exactly when
// it could be created.
func FuzzValidateOpenStackCluster(f *testing.F) {
	for _, s := range clusterSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		c := &infrav1.OpenStackCluster{}
		if json.Unmarshal(spec, &c.Spec) != nil {
			return
		}
		c.Name = "fuzz"
		_, createErr := OpenStackCluster{}.ValidateCreate(context.Background(), c)
		_, updateErr := OpenStackCluster{}.ValidateUpdate(context.Background(), c.DeepCopy(), c)
		checkRejection(t, createErr, updateErr)
	})
}

// FuzzValidateOpenStackMachine: the same for machines and machine templates.
func FuzzValidateOpenStackMachine(f *testing.F) {
	for _, s := range machineSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		m := &infrav1.OpenStackMachine{}
		if json.Unmarshal(spec, &m.Spec) != nil {
			return
		}
		m.Name = "fuzz"
		_, createErr := OpenStackMachine{}.ValidateCreate(context.Background(), m)
		_, updateErr := OpenStackMachine{}.ValidateUpdate(context.Background(), m.DeepCopy(), m)
		checkRejection(t, createErr, updateErr)
		tpl := &infrav1.OpenStackMachineTemplate{}
		tpl.Name, tpl.Spec.Template.Spec = "fuzz", m.Spec
		_, tplErr := OpenStackMachineTemplate{}.ValidateCreate(context.Background(), tpl)
		if (tplErr == nil) != (createErr == nil) {
			t.Fatalf("a machine and a template of the same spec disagree: %v / %v", createErr, tplErr)
		}
	})
}

func checkRejection(t *testing.T, createErr, updateErr error) {
	t.Helper()
	for _, err := range []error{createErr, updateErr} {
		if err != nil && !apierrors.IsInvalid(err) {
			t.Fatalf("rejection is not an Invalid error: %v", err)
		}
	}
	if (createErr == nil) != (updateErr == nil) {
		t.Fatalf("create and a no-op update disagree: %v / %v", createErr, updateErr)
	}
}

// The hostile seeds are rejected (the first of each list is valid), so the fuzzers start from
// both sides of every rule.
func TestFuzzSeedsRejected(t *testing.T) {
	for i, s := range clusterSeeds {
		c := &infrav1.OpenStackCluster{}
		if err := json.Unmarshal([]byte(s), &c.Spec); err != nil {
			t.Fatalf("cluster seed %d: %v", i, err)
		}
		_, err := OpenStackCluster{}.ValidateCreate(context.Background(), c)
		if (err == nil) != (i == 0) {
			t.Errorf("cluster seed %d %s: error %v", i, s[:min(len(s), 80)], err)
		}
	}
	for i, s := range machineSeeds {
		m := &infrav1.OpenStackMachine{}
		if err := json.Unmarshal([]byte(s), &m.Spec); err != nil {
			t.Fatalf("machine seed %d: %v", i, err)
		}
		_, err := OpenStackMachine{}.ValidateCreate(context.Background(), m)
		if (err == nil) != (i == 0) {
			t.Errorf("machine seed %d %s: error %v", i, s[:min(len(s), 80)], err)
		}
	}
}
