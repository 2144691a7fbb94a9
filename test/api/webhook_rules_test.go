package api

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// TestWebhookCreateRules checks the rules the validating webhooks add on create.
func TestWebhookCreateRules(t *testing.T) {
	cases := []struct {
		name   string
		file   string
		mutate func(t *testing.T, o *unstructured.Unstructured)
		want   []string
	}{
		{"root name reserved", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.additionalBlockDevices[0].name", "root")
		}, []string{"spec.additionalBlockDevices[0].name", `the name "root" is reserved for the root volume`}},
		{"root name reserved in a template", "machinetemplate.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.template.spec.rootVolume", map[string]any{"sizeGiB": int64(10)})
			set(t, o, "spec.template.spec.additionalBlockDevices", []any{map[string]any{
				"name": "root", "sizeGiB": int64(1), "storage": map[string]any{"type": "Local"}}})
		}, []string{"spec.template.spec.additionalBlockDevices[0].name", "reserved"}},
		{"root name reserved on the bastion", "cluster-with-bastion.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.bastion.spec.additionalBlockDevices", []any{map[string]any{
				"name": "root", "sizeGiB": int64(1), "storage": map[string]any{"type": "Local"}}})
		}, []string{"spec.bastion.spec.additionalBlockDevices[0].name", "reserved"}},
		{"duplicate port names", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.ports[1].nameSuffix", "primary")
		}, []string{"spec.ports[1].nameSuffix", "give each port a distinct nameSuffix"}},
		{"bad fixed IP", "machine-full.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.ports[1].fixedIPs[0].ipAddress", "10.20.0.300")
		}, []string{"spec.ports[1].fixedIPs[0].ipAddress", "must be an IP address"}},
		{"bad managed subnet CIDR", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSubnets[0].cidr", "10.6.0.0/33")
		}, []string{"spec.managedSubnets[0].cidr", "must be a CIDR"}},
		{"bad DNS nameserver", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSubnets[0].dnsNameservers", []any{"dns.example.com"})
		}, []string{"spec.managedSubnets[0].dnsNameservers[0]", "must be an IP address"}},
		{"allocation pool outside the subnet", "cluster-without-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.managedSubnets[0].allocationPools[0].end", "10.8.0.10")
		}, []string{"spec.managedSubnets[0].allocationPools[0]", "must lie inside the subnet's cidr 10.7.0.0/24"}},
		{"bad allowed CIDR", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.apiServer.managedLoadBalancer.allowedCIDRs", []any{"everyone"})
		}, []string{"spec.apiServer.managedLoadBalancer.allowedCIDRs[0]", "must be an IP address or a CIDR"}},
		{"additional port is the API port", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.apiServer.managedLoadBalancer.additionalPorts", []any{int64(6443)})
		}, []string{"spec.apiServer.managedLoadBalancer.additionalPorts[0]", "already the API server port"}},
		{"bad remote IP prefix", "cluster-with-lb.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			del(t, o, "spec.managedSecurityGroups.controlPlaneNodesSecurityGroupRules[0].remoteManagedGroups")
			set(t, o, "spec.managedSecurityGroups.controlPlaneNodesSecurityGroupRules[0].remoteIPPrefix", "10.0.0.1/99")
		}, []string{"controlPlaneNodesSecurityGroupRules[0].remoteIPPrefix", "must be a CIDR"}},
		{"bad fixed IP of the API server", "cluster-byo-network.yaml", func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "spec.apiServer.fixedIP", "192.168.10")
		}, []string{"spec.apiServer.fixedIP", "must be an IP address"}},
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

// update re-reads obj, applies mutate and updates it with strict field validation.
func update(t *testing.T, obj *unstructured.Unstructured, mutate func(*unstructured.Unstructured), opts ...client.UpdateOption) error {
	t.Helper()
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(obj.GroupVersionKind())
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), cur); err != nil {
		t.Fatal(err)
	}
	mutate(cur)
	return env.Client.Update(context.Background(), cur, append(opts, client.FieldValidation("Strict"))...)
}

func mustCreate(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	obj := manifest(t, file)
	if err := create(namespace(t), obj); err != nil {
		t.Fatalf("creating %s: %v", file, err)
	}
	return obj
}

func expectAccepted(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s was rejected: %v", what, err)
	}
}

// TestClusterUpdateRules checks which OpenStackCluster fields may change after creation.
func TestClusterUpdateRules(t *testing.T) {
	obj := mustCreate(t, "cluster-with-lb.yaml")
	allowed := map[string]func(o *unstructured.Unstructured){
		"identityRef": func(o *unstructured.Unstructured) { set(t, o, "spec.identityRef.name", "rotated-credentials") },
		"allowedCIDRs": func(o *unstructured.Unstructured) {
			set(t, o, "spec.apiServer.managedLoadBalancer.allowedCIDRs", []any{"198.51.100.0/24"})
		},
		"monitor": func(o *unstructured.Unstructured) {
			set(t, o, "spec.apiServer.managedLoadBalancer.monitor.delay", int64(30))
		},
		"dnsNameservers": func(o *unstructured.Unstructured) {
			set(t, o, "spec.managedSubnets[0].dnsNameservers", []any{"9.9.9.9"})
		},
		"control-plane AZs": func(o *unstructured.Unstructured) { set(t, o, "spec.controlPlaneAvailabilityZones", []any{"az3"}) },
		"omit AZ":           func(o *unstructured.Unstructured) { set(t, o, "spec.controlPlaneOmitAvailabilityZone", true) },
		"security group rules": func(o *unstructured.Unstructured) {
			set(t, o, "spec.managedSecurityGroups.workerNodesSecurityGroupRules", []any{map[string]any{
				"name": "nodeports-udp", "direction": "ingress", "protocol": "udp", "portRangeMin": int64(30000), "portRangeMax": int64(32767)}})
		},
		"endpoint while unset": func(o *unstructured.Unstructured) {
			set(t, o, "spec.controlPlaneEndpoint", map[string]any{"host": "203.0.113.10", "port": int64(6443)})
		},
	}
	for name, mutate := range allowed {
		expectAccepted(t, name, update(t, obj, mutate))
	}
	rejected := []struct {
		name   string
		mutate func(o *unstructured.Unstructured)
		want   string
	}{
		{"subnet CIDR", func(o *unstructured.Unstructured) { set(t, o, "spec.managedSubnets[0].cidr", "10.66.0.0/24") }, "spec.managedSubnets[0].cidr: Forbidden: cannot be changed after creation"},
		{"load balancer provider", func(o *unstructured.Unstructured) { set(t, o, "spec.apiServer.managedLoadBalancer.provider", "ovn") }, "spec.apiServer.managedLoadBalancer.provider: Forbidden"},
		{"tags", func(o *unstructured.Unstructured) { set(t, o, "spec.tags", []any{"other"}) }, "spec.tags: Forbidden"},
		{"external network", func(o *unstructured.Unstructured) { set(t, o, "spec.externalNetwork.filter.name", "public2") }, "spec.externalNetwork.filter.name: Forbidden"},
		{"endpoint once set", func(o *unstructured.Unstructured) { set(t, o, "spec.controlPlaneEndpoint.host", "203.0.113.99") }, "spec.controlPlaneEndpoint.host: Forbidden"},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			expectRejected(t, update(t, obj, tc.mutate), tc.want, "fields that may change after creation: identityRef")
		})
	}
}

// TestBastionUpdateRules checks that a running bastion changes only through enabled: false.
func TestBastionUpdateRules(t *testing.T) {
	obj := mustCreate(t, "cluster-with-bastion.yaml")
	flavor := func(o *unstructured.Unstructured) { set(t, o, "spec.bastion.spec.flavor.filter.name", "m1.large") }
	expectRejected(t, update(t, obj, flavor), "spec.bastion.spec.flavor.filter.name: Forbidden", "set bastion.enabled: false, apply, then change it")
	expectRejected(t, update(t, obj, func(o *unstructured.Unstructured) { del(t, o, "spec.bastion") }),
		"spec.bastion: Forbidden", "set bastion.enabled: false, apply, then remove it")
	expectAccepted(t, "disable and change", update(t, obj, func(o *unstructured.Unstructured) {
		set(t, o, "spec.bastion.enabled", false)
		flavor(o)
	}))
	expectAccepted(t, "re-enable", update(t, obj, func(o *unstructured.Unstructured) { set(t, o, "spec.bastion.enabled", true) }))
	expectAccepted(t, "disable", update(t, obj, func(o *unstructured.Unstructured) { set(t, o, "spec.bastion.enabled", false) }))
	expectAccepted(t, "remove", update(t, obj, func(o *unstructured.Unstructured) { del(t, o, "spec.bastion") }))
}

// TestMachineUpdateRules checks that a machine's spec is immutable except for the fields the
// provider writes back or can change live.
func TestMachineUpdateRules(t *testing.T) {
	obj := mustCreate(t, "machine-full.yaml")
	expectAccepted(t, "providerID", update(t, obj, func(o *unstructured.Unstructured) {
		set(t, o, "spec.providerID", "openstack://RegionOne/6f1d2c3b-4a59-4876-9a5b-4c3d2e1f0a9b")
	}))
	expectAccepted(t, "identityRef", update(t, obj, func(o *unstructured.Unstructured) {
		set(t, o, "spec.identityRef", map[string]any{"name": "other-creds", "cloudName": "openstack"})
	}))
	expectAccepted(t, "allowedAddressPairs", update(t, obj, func(o *unstructured.Unstructured) {
		set(t, o, "spec.ports[1].allowedAddressPairs", []any{map[string]any{"ipAddress": "10.20.0.0/24"}})
	}))
	for path, value := range map[string]any{
		"spec.flavor.filter.name":             "m1.large",
		"spec.ports[1].fixedIPs[0].ipAddress": "10.20.0.16",
		"spec.rootVolume.sizeGiB":             int64(60),
		"spec.tags":                           []any{"other"},
	} {
		t.Run(path, func(t *testing.T) {
			err := update(t, obj, func(o *unstructured.Unstructured) { set(t, o, path, value) })
			expectRejected(t, err, path+": Forbidden", "change the OpenStackMachineTemplate and roll out new machines")
		})
	}
}

// TestTemplateImmutability checks that templates are immutable, except for Cluster API's
// topology dry-run requests and the machine template's metadata.
func TestTemplateImmutability(t *testing.T) {
	mt := mustCreate(t, "machinetemplate.yaml")
	flavor := func(o *unstructured.Unstructured) { set(t, o, "spec.template.spec.flavor.filter.name", "m1.large") }
	expectRejected(t, update(t, mt, flavor), "spec.template.spec.flavor.filter.name: Forbidden")
	expectAccepted(t, "machine template metadata", update(t, mt, func(o *unstructured.Unstructured) {
		set(t, o, "spec.template.metadata.labels.pool", "renamed")
	}))
	dryRun := func(mutate func(*unstructured.Unstructured)) func(*unstructured.Unstructured) {
		return func(o *unstructured.Unstructured) {
			o.SetAnnotations(map[string]string{clusterv1.TopologyDryRunAnnotation: ""})
			mutate(o)
		}
	}
	expectAccepted(t, "topology dry-run of a machine template", update(t, mt, dryRun(flavor), client.DryRunAll))
	expectRejected(t, update(t, mt, flavor, client.DryRunAll), "Forbidden")

	ct := mustCreate(t, "clustertemplate.yaml")
	cidr := func(o *unstructured.Unstructured) {
		set(t, o, "spec.template.spec.managedSubnets[0].cidr", "10.10.0.0/24")
	}
	expectRejected(t, update(t, ct, cidr), "spec.template.spec.managedSubnets[0].cidr: Forbidden", "create a new template")
	expectAccepted(t, "topology dry-run of a cluster template", update(t, ct, dryRun(cidr), client.DryRunAll))
}
