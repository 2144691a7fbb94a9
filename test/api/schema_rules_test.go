package api

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestSchemaRules checks that each CRD validation rule (CEL, enums, bounds, unknown fields)
// rejects its bad input with a message that says what to fix.
func TestSchemaRules(t *testing.T) {
	uuid := "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
	cases := []struct {
		name   string
		file   string
		mutate func(t *testing.T, o *unstructured.Unstructured)
		want   []string
	}{
		{"network with id and filter", "cluster-byo-network.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.network.id", uuid)
		}, []string{"spec.network", "exactly one of id or filter must be set"}},
		{"empty subnet param", "cluster-byo-network.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.subnets", []any{map[string]any{}})
		}, []string{"spec.subnets[0]", "exactly one of id or filter must be set"}},
		{"image imageRef is not supported", "machinetemplate.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.template.spec.image", map[string]any{"imageRef": map[string]any{"name": "ubuntu"}})
		}, []string{"imageRef is not supported by this provider"}},
		{"floatingIPPoolRef is not supported", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.floatingIPPoolRef", map[string]any{"kind": "IPAddressPool", "name": "pool"})
		}, []string{"floatingIPPoolRef is not supported by this provider yet"}},
		{"ClusterIdentity is not supported", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.identityRef.type", "ClusterIdentity")
		}, []string{"spec.identityRef.type", `Unsupported value: "ClusterIdentity"`, `"Secret"`}},
		{"rule with two remotes", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSecurityGroups.controlPlaneNodesSecurityGroupRules[0].remoteIPPrefix", "10.0.0.0/8")
		}, []string{"set at most one of remoteGroupID, remoteIPPrefix and remoteManagedGroups"}},
		{"rule port range reversed", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSecurityGroups.controlPlaneNodesSecurityGroupRules[0].portRangeMin", int64(9000))
		}, []string{"portRangeMin must not be greater than portRangeMax"}},
		{"rule direction", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSecurityGroups.controlPlaneNodesSecurityGroupRules[0].direction", "sideways")
		}, []string{`Unsupported value: "sideways"`, `"ingress"`, `"egress"`}},
		{"external network disabled with floating IP", "cluster-without-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.enableExternalNetwork", false)
		}, []string{"enableExternalNetwork: false forbids floating IPs"}},
		{"external network disabled with bastion floating IP", "cluster-with-bastion.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.enableExternalNetwork", false)
		}, []string{"enableExternalNetwork: false forbids floating IPs"}},
		{"managed subnets with existing network", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.network", map[string]any{"id": uuid})
		}, []string{"managedSubnets creates a new network: it cannot be combined with network or subnets"}},
		{"managed network without managed subnets", "cluster-byo-network.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedNetwork", map[string]any{"mtu": int64(1400)})
		}, []string{"managedNetwork and managedRouter describe the network and router the provider creates: they need managedSubnets"}},
		{"two managed subnets", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSubnets", []any{map[string]any{"cidr": "10.0.0.0/24"}, map[string]any{"cidr": "10.0.1.0/24"}})
		}, []string{"spec.managedSubnets", "must have at most 1 item"}},
		{"tiny mtu", "cluster-without-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedNetwork.mtu", int64(10))
		}, []string{"mtu must be at least 68"}},
		{"monitor retries down out of range", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.apiServer.managedLoadBalancer.monitor.maxRetriesDown", int64(0))
		}, []string{"spec.apiServer.managedLoadBalancer.monitor.maxRetriesDown", "greater than or equal to 1"}},
		{"bastion enabled without spec", "cluster-with-bastion.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			del(t, o, "spec.bastion.spec")
		}, []string{"spec is required when the bastion is enabled"}},
		{"bastion floating IP not IPv4", "cluster-with-bastion.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.bastion.floatingIP", "not-an-ip")
		}, []string{"spec.bastion.floatingIP"}},
		{"volume zone from machine with a name", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.rootVolume.availabilityZone.name", "az1")
		}, []string{"name is required when from is Name (the default) and forbidden when from is Machine"}},
		{"volume zone by name without a name", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			del(t, o, "spec.additionalBlockDevices[0].storage.volume.availabilityZone.name")
		}, []string{"name is required when from is Name"}},
		{"local storage with volume options", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.additionalBlockDevices[1].storage.volume", map[string]any{"type": "ssd"})
		}, []string{"volume may only be set when type is Volume"}},
		{"scheduler hint of the wrong type", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.schedulerHintAdditionalProperties[1].value.type", "String")
		}, []string{"bool must be set when type is Bool, and only then", "string must be set when type is String, and only then"}},
		{"block device size zero", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.additionalBlockDevices[0].sizeGiB", int64(0))
		}, []string{"spec.additionalBlockDevices[0].sizeGiB", "greater than or equal to 1"}},
		{"flavor missing", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			del(t, o, "spec.flavor")
		}, []string{"spec.flavor", "Required value"}},
		{"unknown field", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.flavour", "m1.small")
		}, []string{`unknown field "spec.flavour"`}},
		{"image uuid format", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.image.id", "not-a-uuid")
		}, []string{"spec.image.id", "uuid"}},
		{"neutron tag with a comma", "cluster-byo-network.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.network.filter.tags", []any{"a,b"})
		}, []string{"spec.network.filter.tags[0]", "should match"}},
		{"template spec rule applies too", "clustertemplate.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.template.spec.network", map[string]any{"id": uuid})
		}, []string{"managedSubnets creates a new network"}},
		{"metadata key too long", "machinetemplate.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.template.spec.serverMetadata", []any{map[string]any{"key": strings.Repeat("k", 300), "value": "x"}})
		}, []string{"spec.template.spec.serverMetadata[0].key", "Too long"}},
	}
	ns := namespace(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := manifest(t, tc.file)
			tc.mutate(t, obj)
			expectRejected(t, create(ns, obj), tc.want...)
		})
	}
}
