package networking

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

var tagFilter = infrav1.FilterByNeutronTags{
	Tags: []infrav1.NeutronTag{"a", "b"}, TagsAny: []infrav1.NeutronTag{"c"},
	NotTags: []infrav1.NeutronTag{"d", "e"}, NotTagsAny: []infrav1.NeutronTag{"f"},
}

// outcome is what a resolver returned: the ID found, or the error.
type outcome struct {
	id      string
	err     []string
	invalid bool
}

func checkOutcome(t *testing.T, gotID string, err error, want outcome) {
	t.Helper()
	if want.err != nil {
		wantErr(t, err, want.err...)
		if want.invalid {
			wantInvalid(t, err)
		} else if cloud.IsInvalidSpec(err) {
			t.Errorf("error %q is an InvalidSpecError, but retrying would help", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if gotID != want.id {
		t.Errorf("resolved %q, want %q", gotID, want.id)
	}
}

func TestResolveNetwork(t *testing.T) {
	filter := &infrav1.NetworkFilter{Name: "n", Description: "d", ProjectID: "p", FilterByNeutronTags: tagFilter}
	listOpts := networks.ListOpts{Name: "n", Description: "d", ProjectID: "p", Tags: "a,b", TagsAny: "c", NotTags: "d,e", NotTagsAny: "f"}
	tests := []struct {
		name   string
		param  infrav1.NetworkParam
		expect func(e *env)
		want   outcome
	}{{
		name:  "by ID",
		param: infrav1.NetworkParam{ID: ptr.To(netID)},
		expect: func(e *env) {
			n := network(netID, "n", false)
			e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(&n, nil)
		},
		want: outcome{id: netID},
	}, {
		name:   "by ID, gone",
		param:  infrav1.NetworkParam{ID: ptr.To(netID)},
		expect: func(e *env) { e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(nil, notFound) },
		want:   outcome{err: []string{"network " + netID + " does not exist"}, invalid: true},
	}, {
		name:   "by ID, transient error",
		param:  infrav1.NetworkParam{ID: ptr.To(netID)},
		expect: func(e *env) { e.net.EXPECT().GetNetwork(gomock.Any(), netID).Return(nil, boom) },
		want:   outcome{err: []string{"boom"}},
	}, {
		name:  "by filter with tags joined by commas",
		param: infrav1.NetworkParam{Filter: filter},
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), listOpts).Return([]clients.NetworkExt{network(netID, "n", false)}, nil)
		},
		want: outcome{id: netID},
	}, {
		name:   "by filter, no match",
		param:  infrav1.NetworkParam{Filter: filter},
		expect: func(e *env) { e.net.EXPECT().ListNetworks(gomock.Any(), listOpts).Return(nil, nil) },
		want:   outcome{err: []string{"no network matches"}, invalid: true},
	}, {
		name:  "by filter, several matches",
		param: infrav1.NetworkParam{Filter: filter},
		expect: func(e *env) {
			e.net.EXPECT().ListNetworks(gomock.Any(), listOpts).Return([]clients.NetworkExt{network("n1", "n", false), network("n2", "n", false)}, nil)
		},
		want: outcome{err: []string{"2 networks match", "n1, n2"}, invalid: true},
	}, {
		name:   "by filter, list error",
		param:  infrav1.NetworkParam{Filter: filter},
		expect: func(e *env) { e.net.EXPECT().ListNetworks(gomock.Any(), listOpts).Return(nil, boom) },
		want:   outcome{err: []string{"boom"}},
	}, {
		name: "neither ID nor filter",
		want: outcome{err: []string{"needs an id or a filter"}, invalid: true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			n, err := ResolveNetwork(ctx, e.net, tt.param)
			id := ""
			if err == nil {
				id = n.ID
			}
			checkOutcome(t, id, err, tt.want)
		})
	}
}

func TestResolveSubnet(t *testing.T) {
	filter := &infrav1.SubnetFilter{
		Name: "s", Description: "d", ProjectID: "p", IPVersion: 6, GatewayIP: "fd00::1", CIDR: "fd00::/64",
		IPv6AddressMode: "slaac", IPv6RAMode: "slaac", FilterByNeutronTags: tagFilter,
	}
	listOpts := subnets.ListOpts{
		NetworkID: netID, Name: "s", Description: "d", ProjectID: "p", IPVersion: 6, GatewayIP: "fd00::1", CIDR: "fd00::/64",
		IPv6AddressMode: "slaac", IPv6RAMode: "slaac", Tags: "a,b", TagsAny: "c", NotTags: "d,e", NotTagsAny: "f",
	}
	sub := subnet(subnetID, netID, "fd00::/64")
	tests := []struct {
		name      string
		param     infrav1.SubnetParam
		networkID string
		expect    func(e *env)
		want      outcome
	}{{
		name:      "by ID on the network",
		param:     infrav1.SubnetParam{ID: ptr.To(subnetID)},
		networkID: netID,
		expect:    func(e *env) { e.net.EXPECT().GetSubnet(gomock.Any(), subnetID).Return(&sub, nil) },
		want:      outcome{id: subnetID},
	}, {
		name:   "by ID, any network",
		param:  infrav1.SubnetParam{ID: ptr.To(subnetID)},
		expect: func(e *env) { e.net.EXPECT().GetSubnet(gomock.Any(), subnetID).Return(&sub, nil) },
		want:   outcome{id: subnetID},
	}, {
		name:      "by ID on another network",
		param:     infrav1.SubnetParam{ID: ptr.To(subnetID)},
		networkID: "net-2",
		expect:    func(e *env) { e.net.EXPECT().GetSubnet(gomock.Any(), subnetID).Return(&sub, nil) },
		want:      outcome{err: []string{"subnet " + subnetID + " is not on network net-2"}, invalid: true},
	}, {
		name:   "by ID, gone",
		param:  infrav1.SubnetParam{ID: ptr.To(subnetID)},
		expect: func(e *env) { e.net.EXPECT().GetSubnet(gomock.Any(), subnetID).Return(nil, notFound) },
		want:   outcome{err: []string{"subnet " + subnetID + " does not exist"}, invalid: true},
	}, {
		name:   "by ID, transient error",
		param:  infrav1.SubnetParam{ID: ptr.To(subnetID)},
		expect: func(e *env) { e.net.EXPECT().GetSubnet(gomock.Any(), subnetID).Return(nil, boom) },
		want:   outcome{err: []string{"boom"}},
	}, {
		name:      "by filter, restricted to the network",
		param:     infrav1.SubnetParam{Filter: filter},
		networkID: netID,
		expect:    func(e *env) { e.net.EXPECT().ListSubnets(gomock.Any(), listOpts).Return([]subnets.Subnet{sub}, nil) },
		want:      outcome{id: subnetID},
	}, {
		name:      "by filter, several matches",
		param:     infrav1.SubnetParam{Filter: filter},
		networkID: netID,
		expect: func(e *env) {
			e.net.EXPECT().ListSubnets(gomock.Any(), listOpts).Return([]subnets.Subnet{{ID: "s1"}, {ID: "s2"}}, nil)
		},
		want: outcome{err: []string{"2 subnets match", "s1, s2"}, invalid: true},
	}, {
		name:      "by filter, list error",
		param:     infrav1.SubnetParam{Filter: filter},
		networkID: netID,
		expect:    func(e *env) { e.net.EXPECT().ListSubnets(gomock.Any(), listOpts).Return(nil, boom) },
		want:      outcome{err: []string{"boom"}},
	}, {
		name: "neither ID nor filter",
		want: outcome{err: []string{"needs an id or a filter"}, invalid: true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			s, err := ResolveSubnet(ctx, e.net, tt.param, tt.networkID)
			id := ""
			if err == nil {
				id = s.ID
			}
			checkOutcome(t, id, err, tt.want)
		})
	}
}

func TestResolveRouter(t *testing.T) {
	filter := &infrav1.RouterFilter{Name: "r", Description: "d", ProjectID: "p", FilterByNeutronTags: tagFilter}
	listOpts := routers.ListOpts{Name: "r", Description: "d", ProjectID: "p", Tags: "a,b", TagsAny: "c", NotTags: "d,e", NotTagsAny: "f"}
	tests := []struct {
		name   string
		param  infrav1.RouterParam
		expect func(e *env)
		want   outcome
	}{{
		name:  "by ID",
		param: infrav1.RouterParam{ID: ptr.To(routerID)},
		expect: func(e *env) {
			e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(&routers.Router{ID: routerID}, nil)
		},
		want: outcome{id: routerID},
	}, {
		name:   "by ID, gone",
		param:  infrav1.RouterParam{ID: ptr.To(routerID)},
		expect: func(e *env) { e.net.EXPECT().GetRouter(gomock.Any(), routerID).Return(nil, notFound) },
		want:   outcome{err: []string{"router " + routerID + " does not exist"}, invalid: true},
	}, {
		name:  "by filter",
		param: infrav1.RouterParam{Filter: filter},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), listOpts).Return([]routers.Router{{ID: routerID}}, nil)
		},
		want: outcome{id: routerID},
	}, {
		name:   "by filter, no match",
		param:  infrav1.RouterParam{Filter: filter},
		expect: func(e *env) { e.net.EXPECT().ListRouters(gomock.Any(), listOpts).Return(nil, nil) },
		want:   outcome{err: []string{"no router matches"}, invalid: true},
	}, {
		name:  "by filter, several matches",
		param: infrav1.RouterParam{Filter: filter},
		expect: func(e *env) {
			e.net.EXPECT().ListRouters(gomock.Any(), listOpts).Return([]routers.Router{{ID: "r1"}, {ID: "r2"}}, nil)
		},
		want: outcome{err: []string{"2 routers match", "r1, r2"}, invalid: true},
	}, {
		name:   "by filter, list error",
		param:  infrav1.RouterParam{Filter: filter},
		expect: func(e *env) { e.net.EXPECT().ListRouters(gomock.Any(), listOpts).Return(nil, boom) },
		want:   outcome{err: []string{"boom"}},
	}, {
		name: "neither ID nor filter",
		want: outcome{err: []string{"needs an id or a filter"}, invalid: true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			r, err := ResolveRouter(ctx, e.net, tt.param)
			id := ""
			if err == nil {
				id = r.ID
			}
			checkOutcome(t, id, err, tt.want)
		})
	}
}

func TestResolveSecurityGroup(t *testing.T) {
	filter := &infrav1.SecurityGroupFilter{Name: "g", Description: "d", ProjectID: "p", FilterByNeutronTags: tagFilter}
	listOpts := groups.ListOpts{Name: "g", Description: "d", ProjectID: "p", Tags: "a,b", TagsAny: "c", NotTags: "d,e", NotTagsAny: "f"}
	tests := []struct {
		name   string
		param  infrav1.SecurityGroupParam
		expect func(e *env)
		want   outcome
	}{{
		name:  "by ID: taken as it is, no call",
		param: infrav1.SecurityGroupParam{ID: ptr.To("sg-1")},
		want:  outcome{id: "sg-1"},
	}, {
		name:  "by filter",
		param: infrav1.SecurityGroupParam{Filter: filter},
		expect: func(e *env) {
			e.net.EXPECT().ListSecurityGroups(gomock.Any(), listOpts).Return([]groups.SecGroup{{ID: "sg-1"}}, nil)
		},
		want: outcome{id: "sg-1"},
	}, {
		name:  "by filter, several matches",
		param: infrav1.SecurityGroupParam{Filter: filter},
		expect: func(e *env) {
			e.net.EXPECT().ListSecurityGroups(gomock.Any(), listOpts).Return([]groups.SecGroup{{ID: "sg-1"}, {ID: "sg-2"}}, nil)
		},
		want: outcome{err: []string{"2 security groups match", "sg-1, sg-2"}, invalid: true},
	}, {
		name:   "by filter, list error",
		param:  infrav1.SecurityGroupParam{Filter: filter},
		expect: func(e *env) { e.net.EXPECT().ListSecurityGroups(gomock.Any(), listOpts).Return(nil, boom) },
		want:   outcome{err: []string{"boom"}},
	}, {
		name: "neither ID nor filter",
		want: outcome{err: []string{"needs an id or a filter"}, invalid: true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.expect != nil {
				tt.expect(e)
			}
			id, err := ResolveSecurityGroup(ctx, e.net, tt.param)
			checkOutcome(t, id, err, tt.want)
		})
	}
}
