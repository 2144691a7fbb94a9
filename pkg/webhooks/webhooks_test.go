package webhooks

import (
	"context"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

func TestChangedPaths(t *testing.T) {
	old := &infrav1.OpenStackMachineSpec{
		Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To("a")}},
		Ports:  []infrav1.PortOpts{{NameSuffix: ptr.To("x")}, {NameSuffix: ptr.To("y")}},
		Tags:   []string{"a"},
	}
	cur := old.DeepCopy()
	if got := changedPaths(field.NewPath("spec"), old, cur); len(got) != 0 {
		t.Fatalf("identical specs: %v", got)
	}
	cur.Flavor.Filter.Name = ptr.To("b")
	cur.Ports[1].NameSuffix = ptr.To("z")
	cur.Ports[0].ResolvedPortSpecFields.VNICType = ptr.To("direct") // inlined struct: no path segment
	cur.Tags = []string{"b"}
	got := strings.Join(pathStrings(changedPaths(field.NewPath("spec"), old, cur)), " ")
	want := "spec.flavor.filter.name spec.ports[0].vnicType spec.ports[1].nameSuffix spec.tags"
	if got != want {
		t.Fatalf("changed paths = %q, want %q", got, want)
	}
	cur.Ports = cur.Ports[:1] // a list of another length is reported as a whole
	if got := pathStrings(changedPaths(field.NewPath("spec"), old, cur)); !slices.Contains(got, "spec.ports") {
		t.Fatalf("changed paths = %v, want spec.ports", got)
	}
}

func pathStrings(ps []*field.Path) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestValidateMachineSpec(t *testing.T) {
	local := infrav1.BlockDeviceStorage{Type: infrav1.LocalBlockDevice}
	cases := []struct {
		name string
		spec infrav1.OpenStackMachineSpec
		want string // substring of the error list; empty means valid
	}{
		{"valid", infrav1.OpenStackMachineSpec{
			RootVolume:             &infrav1.RootVolume{SizeGiB: 10},
			AdditionalBlockDevices: []infrav1.AdditionalBlockDevice{{Name: "data", SizeGiB: 1, Storage: local}},
			Ports: []infrav1.PortOpts{{}, {NameSuffix: ptr.To("storage"), FixedIPs: []infrav1.FixedIP{{IPAddress: ptr.To("10.0.0.1")}},
				ResolvedPortSpecFields: infrav1.ResolvedPortSpecFields{AllowedAddressPairs: []infrav1.AddressPair{{IPAddress: "10.0.0.0/24"}}}}},
		}, ""},
		{"root without root volume is fine", infrav1.OpenStackMachineSpec{
			AdditionalBlockDevices: []infrav1.AdditionalBlockDevice{{Name: "root", SizeGiB: 1, Storage: local}},
		}, ""},
		{"root reserved", infrav1.OpenStackMachineSpec{
			RootVolume:             &infrav1.RootVolume{SizeGiB: 10},
			AdditionalBlockDevices: []infrav1.AdditionalBlockDevice{{Name: "root", SizeGiB: 1, Storage: local}},
		}, `spec.additionalBlockDevices[0].name: Invalid value: "root"`},
		{"default suffix collides with explicit one", infrav1.OpenStackMachineSpec{
			Ports: []infrav1.PortOpts{{}, {NameSuffix: ptr.To("0")}},
		}, "spec.ports[1].nameSuffix: Duplicate value"},
		{"bad fixed IP", infrav1.OpenStackMachineSpec{
			Ports: []infrav1.PortOpts{{FixedIPs: []infrav1.FixedIP{{IPAddress: ptr.To("1.2.3")}}}},
		}, "spec.ports[0].fixedIPs[0].ipAddress"},
		{"bad address pair", infrav1.OpenStackMachineSpec{
			Ports: []infrav1.PortOpts{{ResolvedPortSpecFields: infrav1.ResolvedPortSpecFields{AllowedAddressPairs: []infrav1.AddressPair{{IPAddress: "x"}}}}},
		}, "spec.ports[0].allowedAddressPairs[0].ipAddress"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := validateMachineSpec(&tc.spec, field.NewPath("spec"))
			checkErrs(t, errs, tc.want)
		})
	}
}

func checkErrs(t *testing.T, errs field.ErrorList, want string) {
	t.Helper()
	got := errs.ToAggregate()
	switch {
	case want == "" && got != nil:
		t.Fatalf("unexpected errors: %v", got)
	case want != "" && (got == nil || !strings.Contains(got.Error(), want)):
		t.Fatalf("errors %v do not mention %q", got, want)
	}
}

func TestValidateClusterSpec(t *testing.T) {
	pool := func(s, e string) []infrav1.AllocationPool { return []infrav1.AllocationPool{{Start: s, End: e}} }
	cases := []struct {
		name string
		spec infrav1.OpenStackClusterSpec
		want string
	}{
		{"valid", infrav1.OpenStackClusterSpec{
			ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.0.0.0/24", DNSNameservers: []string{"8.8.8.8"}, AllocationPools: pool("10.0.0.10", "10.0.0.20")}},
			APIServer: &infrav1.APIServer{Port: ptr.To(443), ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{
				AdditionalPorts: []int{6443}, AllowedCIDRs: []string{"10.0.0.1", "192.0.2.0/24"}}},
		}, ""},
		{"pool reversed", infrav1.OpenStackClusterSpec{
			ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.0.0.0/24", AllocationPools: pool("10.0.0.20", "10.0.0.10")}},
		}, "end must not come before start"},
		{"pool outside", infrav1.OpenStackClusterSpec{
			ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.0.0.0/24", AllocationPools: pool("10.0.1.1", "10.0.1.5")}},
		}, "must lie inside the subnet's cidr 10.0.0.0/24"},
		{"pool with a bad CIDR reports only the CIDR", infrav1.OpenStackClusterSpec{
			ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "nope", AllocationPools: pool("10.0.1.1", "10.0.1.5")}},
		}, "spec.managedSubnets[0].cidr"},
		{"additional port equals default API port", infrav1.OpenStackClusterSpec{
			APIServer: &infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{AdditionalPorts: []int{6443}}},
		}, "already the API server port"},
		{"additional port out of range", infrav1.OpenStackClusterSpec{
			APIServer: &infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{AdditionalPorts: []int{70000}}},
		}, "must be a port between 1 and 65535"},
		{"router external IP", infrav1.OpenStackClusterSpec{
			ManagedRouter: &infrav1.ManagedRouter{ExternalIPs: []infrav1.ExternalRouterIPParam{{FixedIP: "300.1.1.1"}}},
		}, "spec.managedRouter.externalIPs[0].fixedIP"},
		{"floating IP", infrav1.OpenStackClusterSpec{APIServer: &infrav1.APIServer{FloatingIP: ptr.To("fip")}}, "spec.apiServer.floatingIP"},
		{"rules of every group are checked", infrav1.OpenStackClusterSpec{ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{
			WorkerNodesSecurityGroupRules: []infrav1.SecurityGroupRuleSpec{{Name: "r", RemoteIPPrefix: ptr.To("10.0.0.0")}},
		}}, "spec.managedSecurityGroups.workerNodesSecurityGroupRules[0].remoteIPPrefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrs(t, validateClusterSpec(&tc.spec, field.NewPath("spec")), tc.want)
		})
	}
	// With a pool whose CIDR is invalid, only the CIDR is reported (no panic parsing it).
	errs := validateClusterSpec(&cases[3].spec, field.NewPath("spec"))
	if len(errs) != 1 {
		t.Fatalf("want exactly the cidr error, got %v", errs)
	}
}

func TestClusterSpecUpdate(t *testing.T) {
	base := infrav1.OpenStackClusterSpec{
		IdentityRef:    infrav1.OpenStackIdentityReference{Name: "a", CloudName: "c"},
		ManagedSubnets: []infrav1.SubnetSpec{{CIDR: "10.0.0.0/24"}},
		APIServer:      &infrav1.APIServer{ManagedLoadBalancer: &infrav1.APIServerLoadBalancer{}},
		Bastion:        &infrav1.Bastion{Spec: &infrav1.OpenStackMachineSpec{SSHKeyName: "k"}},
	}
	cases := []struct {
		name   string
		mutate func(s *infrav1.OpenStackClusterSpec)
		want   string
	}{
		{"identity", func(s *infrav1.OpenStackClusterSpec) { s.IdentityRef.Name = "b" }, ""},
		{"dns", func(s *infrav1.OpenStackClusterSpec) { s.ManagedSubnets[0].DNSNameservers = []string{"1.1.1.1"} }, ""},
		{"allowed CIDRs", func(s *infrav1.OpenStackClusterSpec) {
			s.APIServer.ManagedLoadBalancer.AllowedCIDRs = []string{"1.1.1.1"}
		}, ""},
		{"endpoint set", func(s *infrav1.OpenStackClusterSpec) {
			s.ControlPlaneEndpoint = &clusterv1.APIEndpoint{Host: "h", Port: 6443}
		}, ""},
		{"cidr", func(s *infrav1.OpenStackClusterSpec) { s.ManagedSubnets[0].CIDR = "10.1.0.0/24" }, "spec.managedSubnets[0].cidr: Forbidden"},
		{"lb removed", func(s *infrav1.OpenStackClusterSpec) { s.APIServer.ManagedLoadBalancer = nil }, "spec.apiServer.managedLoadBalancer: Forbidden"},
		{"bastion changed while running", func(s *infrav1.OpenStackClusterSpec) { s.Bastion.Spec.SSHKeyName = "k2" }, "spec.bastion.spec.sshKeyName: Forbidden"},
		{"bastion removed while running", func(s *infrav1.OpenStackClusterSpec) { s.Bastion = nil }, "spec.bastion: Forbidden"},
		{"bastion disabled and changed", func(s *infrav1.OpenStackClusterSpec) {
			s.Bastion.Enabled = ptr.To(false)
			s.Bastion.Spec.SSHKeyName = "k2"
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := base.DeepCopy()
			tc.mutate(cur)
			checkErrs(t, validateClusterSpecUpdate(&base, cur, field.NewPath("spec")), tc.want)
		})
	}
	withEndpoint := base.DeepCopy()
	withEndpoint.ControlPlaneEndpoint = &clusterv1.APIEndpoint{Host: "h", Port: 6443}
	moved := withEndpoint.DeepCopy()
	moved.ControlPlaneEndpoint.Host = "other"
	checkErrs(t, validateClusterSpecUpdate(withEndpoint, moved, field.NewPath("spec")), "spec.controlPlaneEndpoint.host: Forbidden")

	disabled := base.DeepCopy()
	disabled.Bastion.Enabled = ptr.To(false)
	removed := disabled.DeepCopy()
	removed.Bastion = nil
	checkErrs(t, validateClusterSpecUpdate(disabled, removed, field.NewPath("spec")), "")
}

func TestMachineValidatorUpdate(t *testing.T) {
	old := &infrav1.OpenStackMachine{Spec: infrav1.OpenStackMachineSpec{
		Ports: []infrav1.PortOpts{{}},
	}}
	cur := old.DeepCopy()
	cur.Spec.ProviderID = ptr.To("openstack://r/id")
	cur.Spec.IdentityRef = &infrav1.OpenStackIdentityReference{Name: "n", CloudName: "c"}
	cur.Spec.Ports[0].AllowedAddressPairs = []infrav1.AddressPair{{IPAddress: "10.0.0.1"}}
	if _, err := (OpenStackMachine{}).ValidateUpdate(context.Background(), old, cur); err != nil {
		t.Fatalf("mutable fields rejected: %v", err)
	}
	cur.Spec.SSHKeyName = "other"
	_, err := (OpenStackMachine{}).ValidateUpdate(context.Background(), old, cur)
	if err == nil || !strings.Contains(err.Error(), "spec.sshKeyName: Forbidden") {
		t.Fatalf("want spec.sshKeyName rejected, got %v", err)
	}
	// Outside an admission request (no request in ctx) templates are never treated as dry-run.
	oldT := &infrav1.OpenStackMachineTemplate{}
	curT := oldT.DeepCopy()
	curT.Spec.Template.Spec.SSHKeyName = "other"
	if _, err := (OpenStackMachineTemplate{}).ValidateUpdate(context.Background(), oldT, curT); err == nil {
		t.Fatal("template change accepted")
	}
}
