package controllers

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// TestClusterBYONetwork: the user's network and subnet are used as they are, the API server is
// on a fixed IP, and deleting the cluster leaves the user's network alone.
func TestClusterBYONetwork(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	c := cloudFor(t, ns)
	n, err := c.Network.CreateNetwork(ctx, networks.CreateOpts{Name: "byo-net"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Network.CreateSubnet(ctx, subnets.CreateOpts{NetworkID: n.ID, CIDR: "192.168.50.0/24", IPVersion: 4, Name: "byo-subnet"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Network.DeleteNetwork(ctx, n.ID) })
	osc := newCluster(t, ns, "byo", infrav1.OpenStackClusterSpec{
		Network:               &infrav1.NetworkParam{Filter: &infrav1.NetworkFilter{Name: "byo-net"}},
		Subnets:               []infrav1.SubnetParam{{Filter: &infrav1.SubnetFilter{CIDR: "192.168.50.0/24"}}},
		EnableExternalNetwork: ptr.To(false),
		APIServer:             &infrav1.APIServer{EnableFloatingIP: ptr.To(false), FixedIP: ptr.To("192.168.50.5")},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
	})
	waitReady(t, osc)
	st := osc.Status
	if st.Network == nil || st.Network.ID != n.ID || len(st.Network.Subnets) != 1 || st.Network.Subnets[0].ID != sub.ID {
		t.Fatalf("network status = %+v, want the user's network %s and subnet %s", st.Network, n.ID, sub.ID)
	}
	if st.Router != nil || st.ExternalNetwork != nil {
		t.Fatalf("no router or external network expected: %+v %+v", st.Router, st.ExternalNetwork)
	}
	if ep := osc.Spec.ControlPlaneEndpoint; ep == nil || ep.Host != "192.168.50.5" {
		t.Fatalf("endpoint = %+v, want the fixed IP", ep)
	}
	deleteAndCheckLeaks(t, osc)
	if _, err := c.Network.GetNetwork(ctx, n.ID); err != nil {
		t.Fatalf("the user's network was touched by the cluster's deletion: %v", err)
	}
}

// TestClusterRuleChangesConverge: adding and removing a user rule changes exactly that rule.
func TestClusterRuleChangesConverge(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "rules", infrav1.OpenStackClusterSpec{
		ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: "10.20.0.0/24"}},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
	})
	waitReady(t, osc)
	c := cloudFor(t, ns)
	workerRules := func() []rules.SecGroupRule {
		rs, err := c.Network.ListSecurityGroupRules(context.Background(), rules.ListOpts{SecGroupID: osc.Status.WorkerSecurityGroup.ID})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	before := len(workerRules())
	hasRule := func(rs []rules.SecGroupRule) bool {
		return slices.ContainsFunc(rs, func(r rules.SecGroupRule) bool { return r.PortRangeMin == 9100 && r.RemoteIPPrefix == "10.99.0.0/16" })
	}
	mutate(t, osc, func() {
		osc.Spec.ManagedSecurityGroups.WorkerNodesSecurityGroupRules = []infrav1.SecurityGroupRuleSpec{{
			Name: "metrics", Direction: "ingress", Protocol: ptr.To("tcp"), PortRangeMin: ptr.To[int32](9100), PortRangeMax: ptr.To[int32](9100),
			RemoteIPPrefix: ptr.To("10.99.0.0/16"),
		}}
	})
	waitReady(t, osc)
	if rs := workerRules(); !hasRule(rs) || len(rs) != before+1 {
		t.Fatalf("after adding a rule: %d rules (was %d), new rule present: %v", len(rs), before, hasRule(rs))
	}
	mutate(t, osc, func() { osc.Spec.ManagedSecurityGroups.WorkerNodesSecurityGroupRules = nil })
	waitReady(t, osc)
	if rs := workerRules(); hasRule(rs) || len(rs) != before {
		t.Fatalf("after removing the rule: %d rules (want %d), rule present: %v", len(rs), before, hasRule(rs))
	}
	deleteAndCheckLeaks(t, osc)
}

// TestClusterBastion: a bastion gets a server and a floating IP, and disabling it deletes both.
func TestClusterBastion(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "bastion", infrav1.OpenStackClusterSpec{
		ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: "10.21.0.0/24"}},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
		Bastion:               &infrav1.Bastion{Spec: ptr.To(machineSpec())},
	})
	waitReady(t, osc)
	b := osc.Status.Bastion
	if b == nil || b.ID == "" || b.FloatingIP == "" || b.IP == "" || b.State != infrav1.InstanceStateActive || osc.Status.BastionSecurityGroup == nil {
		t.Fatalf("bastion status = %+v, group %+v", b, osc.Status.BastionSecurityGroup)
	}
	mutate(t, osc, func() { osc.Spec.Bastion.Enabled = ptr.To(false) })
	eventually(t, 60*time.Second, func() (bool, string) {
		waitReady(t, osc)
		c := meta.FindStatusCondition(osc.Status.Conditions, infrav1.BastionReadyCondition)
		return osc.Status.Bastion == nil && c != nil && c.Reason == infrav1.DisabledReason && c.Status == metav1.ConditionTrue, "bastion still there"
	})
	for _, r := range sim.Inventory() {
		if r.Type == "server" && r.Name == bastionName(clusterOf(osc)) {
			t.Errorf("bastion server left after disabling the bastion: %+v", r)
		}
	}
	fips, err := cloudFor(t, ns).Network.ListFloatingIPs(context.Background(), floatingips.ListOpts{Description: bastionName(clusterOf(osc))})
	if err != nil || len(fips) > 0 {
		t.Errorf("bastion floating IPs left after disabling the bastion: %+v (%v)", fips, err)
	}
	deleteAndCheckLeaks(t, osc)
}

// TestClusterDeleteWithBrokenCredentials: deletion with credentials that no longer work keeps
// the finalizer and says why; once the credentials are fixed it completes without leaks.
func TestClusterDeleteWithBrokenCredentials(t *testing.T) {
	ns := newNamespace(t)
	osc := newCluster(t, ns, "creds", infrav1.OpenStackClusterSpec{
		ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: "10.22.0.0/24"}},
		ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{},
	})
	waitReady(t, osc)
	mutate(t, osc, func() { osc.Spec.IdentityRef.Name = "gone" })
	if err := env.Client.Delete(context.Background(), osc); err != nil {
		t.Fatal(err)
	}
	c := waitCondition(t, osc, infrav1.ReadyCondition, metav1.ConditionFalse, infrav1.DeletionFailedReason)
	if !strings.Contains(c.Message, "gone") || len(osc.Finalizers) == 0 {
		t.Fatalf("condition %q should name the missing Secret, finalizers %v should remain", c.Message, osc.Finalizers)
	}
	mutate(t, osc, func() { osc.Spec.IdentityRef.Name = "cloud-config" })
	waitGone(t, osc)
	if leaks := sim.Leaks(cloud.ClusterTag(ns, osc.Name)); len(leaks) > 0 {
		t.Fatalf("leaked: %+v", leaks)
	}
}
