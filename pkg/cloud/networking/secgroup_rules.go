package networking

import (
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// rule is a security group rule as Neutron identifies it; two rules with the same fields
// conflict (409), whatever their descriptions.
type rule struct {
	Direction, EtherType, Protocol string
	PortMin, PortMax               int
	RemoteGroupID, RemoteIPPrefix  string
}

// groupIDs are the IDs of the managed security groups, by their name in the API.
type groupIDs map[infrav1.ManagedSecurityGroupName]string

func (r rule) createOpts(groupID, description string) rules.CreateOpts {
	return rules.CreateOpts{
		SecGroupID: groupID, Description: description,
		Direction: rules.RuleDirection(r.Direction), EtherType: rules.RuleEtherType(r.EtherType),
		Protocol: rules.RuleProtocol(r.Protocol), PortRangeMin: r.PortMin, PortRangeMax: r.PortMax,
		RemoteGroupID: r.RemoteGroupID, RemoteIPPrefix: r.RemoteIPPrefix,
	}
}

func observed(r rules.SecGroupRule) rule {
	return rule{
		Direction: r.Direction, EtherType: r.EtherType, Protocol: r.Protocol,
		PortMin: r.PortRangeMin, PortMax: r.PortRangeMax, RemoteGroupID: r.RemoteGroupID, RemoteIPPrefix: r.RemoteIPPrefix,
	}
}

func tcp(port int, from string) rule {
	return rule{Direction: "ingress", EtherType: "IPv4", Protocol: "tcp", PortMin: port, PortMax: port, RemoteGroupID: from}
}

func tcpRange(lo, hi int, from string) rule {
	return rule{Direction: "ingress", EtherType: "IPv4", Protocol: "tcp", PortMin: lo, PortMax: hi, RemoteGroupID: from}
}

// egressAll are the rules Neutron puts in every new group; keeping them avoids deleting and
// re-creating them.
var egressAll = []rule{{Direction: "egress", EtherType: "IPv4"}, {Direction: "egress", EtherType: "IPv6"}}

// desiredRules computes the full rule set of each managed group from the spec. Defaults: the
// API server on 6443 from anywhere (the load balancer and clients), etcd between control-plane
// nodes, kubelet from every node, NodePorts on workers, Calico BGP and IP-in-IP between nodes
// (or all traffic with allowAllInClusterTraffic), SSH from the bastion, SSH to the bastion.
func desiredRules(spec *infrav1.OpenStackClusterSpec, ids groupIDs, apiPort int, bastion bool) map[infrav1.ManagedSecurityGroupName][]rule {
	cp, worker := ids[infrav1.ManagedSecurityGroupControlPlane], ids[infrav1.ManagedSecurityGroupWorker]
	m := spec.ManagedSecurityGroups
	var nodes []rule
	for _, from := range []string{cp, worker} {
		nodes = append(nodes, tcp(10250, from))
		if m.AllowAllInClusterTraffic {
			nodes = append(nodes, rule{Direction: "ingress", EtherType: "IPv4", RemoteGroupID: from})
		} else {
			nodes = append(nodes, tcp(179, from), rule{Direction: "ingress", EtherType: "IPv4", Protocol: "4", RemoteGroupID: from})
		}
	}
	if bastion {
		nodes = append(nodes, tcp(22, ids[infrav1.ManagedSecurityGroupBastion]))
	}
	nodes = append(nodes, egressAll...)
	nodes = append(nodes, userRules(m.AllNodesSecurityGroupRules, ids)...)

	out := map[infrav1.ManagedSecurityGroupName][]rule{}
	out[infrav1.ManagedSecurityGroupControlPlane] = dedupe(append(append([]rule{
		tcp(apiPort, ""), tcpRange(2379, 2380, cp),
	}, nodes...), userRules(m.ControlPlaneNodesSecurityGroupRules, ids)...))
	out[infrav1.ManagedSecurityGroupWorker] = dedupe(append(append([]rule{
		tcpRange(30000, 32767, ""),
		{Direction: "ingress", EtherType: "IPv4", Protocol: "udp", PortMin: 30000, PortMax: 32767},
	}, nodes...), userRules(m.WorkerNodesSecurityGroupRules, ids)...))
	if bastion {
		out[infrav1.ManagedSecurityGroupBastion] = dedupe(append([]rule{tcp(22, "")}, egressAll...))
	}
	return out
}

// userRules turns rules of the spec into Neutron rules, one per remote managed group.
func userRules(specs []infrav1.SecurityGroupRuleSpec, ids groupIDs) []rule {
	var out []rule
	for _, s := range specs {
		r := rule{Direction: s.Direction, EtherType: "IPv4"}
		if s.EtherType != nil {
			r.EtherType = *s.EtherType
		}
		if s.Protocol != nil {
			r.Protocol = *s.Protocol
		}
		if s.PortRangeMin != nil {
			r.PortMin = int(*s.PortRangeMin)
		}
		if s.PortRangeMax != nil {
			r.PortMax = int(*s.PortRangeMax)
		}
		if s.RemoteIPPrefix != nil {
			r.RemoteIPPrefix = *s.RemoteIPPrefix
		}
		if s.RemoteGroupID != nil {
			r.RemoteGroupID = *s.RemoteGroupID
		}
		if len(s.RemoteManagedGroups) == 0 {
			out = append(out, r)
		}
		for _, g := range s.RemoteManagedGroups {
			if id := ids[g]; id != "" {
				r.RemoteGroupID = id
				out = append(out, r)
			}
		}
	}
	return out
}

func dedupe(in []rule) []rule {
	seen := map[rule]bool{}
	out := in[:0]
	for _, r := range in {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// diffRules returns the desired rules missing from observed, and the observed rule IDs that
// are not desired.
func diffRules(desired []rule, observedRules []rules.SecGroupRule) ([]rule, []string) {
	want := map[rule]bool{}
	for _, r := range desired {
		want[r] = true
	}
	have := map[rule]bool{}
	var extra []string
	for _, o := range observedRules {
		r := observed(o)
		if want[r] && !have[r] {
			have[r] = true
			continue
		}
		extra = append(extra, o.ID)
	}
	var missing []rule
	for _, r := range desired {
		if !have[r] {
			missing = append(missing, r)
		}
	}
	return missing, extra
}
