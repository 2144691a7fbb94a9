package networking

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

const (
	sgCP      = "sg-cp"
	sgWorker  = "sg-worker"
	sgBastion = "sg-bastion"
)

var (
	cpName      = testName + "-secgroup-controlplane"
	workerName  = testName + "-secgroup-worker"
	bastionName = testName + "-secgroup-bastion"
	allIDs      = groupIDs{
		infrav1.ManagedSecurityGroupControlPlane: sgCP, infrav1.ManagedSecurityGroupWorker: sgWorker,
		infrav1.ManagedSecurityGroupBastion: sgBastion,
	}
)

func ingress(proto string, lo, hi int, fromGroup string) rule {
	return rule{Direction: "ingress", EtherType: "IPv4", Protocol: proto, PortMin: lo, PortMax: hi, RemoteGroupID: fromGroup}
}

var (
	egressV4 = rule{Direction: "egress", EtherType: "IPv4"}
	egressV6 = rule{Direction: "egress", EtherType: "IPv6"}
)

// calicoNodes are the default rules between nodes without allowAllInClusterTraffic.
var calicoNodes = []rule{
	ingress("tcp", 10250, 10250, sgCP), ingress("tcp", 179, 179, sgCP), ingress("4", 0, 0, sgCP),
	ingress("tcp", 10250, 10250, sgWorker), ingress("tcp", 179, 179, sgWorker), ingress("4", 0, 0, sgWorker),
}

func concat(parts ...[]rule) []rule { return slices.Concat(parts...) }

func TestDesiredRules(t *testing.T) {
	withBastion := &infrav1.Bastion{Spec: &infrav1.OpenStackMachineSpec{}}
	tests := []struct {
		name    string
		spec    infrav1.OpenStackClusterSpec
		apiPort int
		want    map[infrav1.ManagedSecurityGroupName][]rule
	}{{
		name:    "defaults",
		spec:    infrav1.OpenStackClusterSpec{ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{}},
		apiPort: 6443,
		want: map[infrav1.ManagedSecurityGroupName][]rule{
			infrav1.ManagedSecurityGroupControlPlane: concat(
				[]rule{ingress("tcp", 6443, 6443, ""), ingress("tcp", 2379, 2380, sgCP)}, calicoNodes, []rule{egressV4, egressV6}),
			infrav1.ManagedSecurityGroupWorker: concat(
				[]rule{ingress("tcp", 30000, 32767, ""), ingress("udp", 30000, 32767, "")}, calicoNodes, []rule{egressV4, egressV6}),
		},
	}, {
		name:    "allowAllInClusterTraffic, API on 443",
		spec:    infrav1.OpenStackClusterSpec{ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{AllowAllInClusterTraffic: true}},
		apiPort: 443,
		want: map[infrav1.ManagedSecurityGroupName][]rule{
			infrav1.ManagedSecurityGroupControlPlane: {
				ingress("tcp", 443, 443, ""), ingress("tcp", 2379, 2380, sgCP),
				ingress("tcp", 10250, 10250, sgCP), ingress("", 0, 0, sgCP), ingress("tcp", 10250, 10250, sgWorker), ingress("", 0, 0, sgWorker),
				egressV4, egressV6,
			},
			infrav1.ManagedSecurityGroupWorker: {
				ingress("tcp", 30000, 32767, ""), ingress("udp", 30000, 32767, ""),
				ingress("tcp", 10250, 10250, sgCP), ingress("", 0, 0, sgCP), ingress("tcp", 10250, 10250, sgWorker), ingress("", 0, 0, sgWorker),
				egressV4, egressV6,
			},
		},
	}, {
		name:    "bastion: SSH from the bastion to nodes, SSH from anywhere to the bastion",
		spec:    infrav1.OpenStackClusterSpec{ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{}, Bastion: withBastion},
		apiPort: 6443,
		want: map[infrav1.ManagedSecurityGroupName][]rule{
			infrav1.ManagedSecurityGroupControlPlane: concat(
				[]rule{ingress("tcp", 6443, 6443, ""), ingress("tcp", 2379, 2380, sgCP)}, calicoNodes,
				[]rule{ingress("tcp", 22, 22, sgBastion), egressV4, egressV6}),
			infrav1.ManagedSecurityGroupWorker: concat(
				[]rule{ingress("tcp", 30000, 32767, ""), ingress("udp", 30000, 32767, "")}, calicoNodes,
				[]rule{ingress("tcp", 22, 22, sgBastion), egressV4, egressV6}),
			infrav1.ManagedSecurityGroupBastion: {ingress("tcp", 22, 22, ""), egressV4, egressV6},
		},
	}, {
		name: "user rules: remote managed groups expand to their IDs, duplicates of defaults dropped",
		spec: infrav1.OpenStackClusterSpec{ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{
			AllowAllInClusterTraffic: true,
			AllNodesSecurityGroupRules: []infrav1.SecurityGroupRuleSpec{{
				Name: "vxlan", Description: ptr.To("flannel"), Direction: "ingress", Protocol: ptr.To("udp"),
				PortRangeMin: ptr.To[int32](8472), PortRangeMax: ptr.To[int32](8472),
				RemoteManagedGroups: []infrav1.ManagedSecurityGroupName{infrav1.ManagedSecurityGroupControlPlane, infrav1.ManagedSecurityGroupWorker},
			}, {
				// There is no bastion group: the rule has no remote to expand to.
				Name: "from-bastion", Direction: "ingress", RemoteManagedGroups: []infrav1.ManagedSecurityGroupName{infrav1.ManagedSecurityGroupBastion},
			}, {
				// The same as a default rule.
				Name: "kubelet", Direction: "ingress", Protocol: ptr.To("tcp"), PortRangeMin: ptr.To[int32](10250), PortRangeMax: ptr.To[int32](10250),
				RemoteManagedGroups: []infrav1.ManagedSecurityGroupName{infrav1.ManagedSecurityGroupControlPlane},
			}},
			ControlPlaneNodesSecurityGroupRules: []infrav1.SecurityGroupRuleSpec{{
				Name: "ssh-v6", Direction: "ingress", EtherType: ptr.To("IPv6"), Protocol: ptr.To("tcp"),
				PortRangeMin: ptr.To[int32](22), PortRangeMax: ptr.To[int32](22), RemoteIPPrefix: ptr.To("2001:db8::/32"),
			}},
			WorkerNodesSecurityGroupRules: []infrav1.SecurityGroupRuleSpec{{
				Name: "from-lb", Direction: "ingress", RemoteGroupID: ptr.To("sg-octavia"),
			}, {
				Name: "egress-dup", Direction: "egress",
			}},
		}},
		apiPort: 6443,
		want: map[infrav1.ManagedSecurityGroupName][]rule{
			infrav1.ManagedSecurityGroupControlPlane: {
				ingress("tcp", 6443, 6443, ""), ingress("tcp", 2379, 2380, sgCP),
				ingress("tcp", 10250, 10250, sgCP), ingress("", 0, 0, sgCP), ingress("tcp", 10250, 10250, sgWorker), ingress("", 0, 0, sgWorker),
				egressV4, egressV6,
				ingress("udp", 8472, 8472, sgCP), ingress("udp", 8472, 8472, sgWorker),
				{Direction: "ingress", EtherType: "IPv6", Protocol: "tcp", PortMin: 22, PortMax: 22, RemoteIPPrefix: "2001:db8::/32"},
			},
			infrav1.ManagedSecurityGroupWorker: {
				ingress("tcp", 30000, 32767, ""), ingress("udp", 30000, 32767, ""),
				ingress("tcp", 10250, 10250, sgCP), ingress("", 0, 0, sgCP), ingress("tcp", 10250, 10250, sgWorker), ingress("", 0, 0, sgWorker),
				egressV4, egressV6,
				ingress("udp", 8472, 8472, sgCP), ingress("udp", 8472, 8472, sgWorker),
				ingress("", 0, 0, "sg-octavia"),
			},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := groupIDs{}
			for g, id := range allIDs {
				if g != infrav1.ManagedSecurityGroupBastion || BastionEnabled(&tt.spec) {
					ids[g] = id
				}
			}
			got := desiredRules(&tt.spec, ids, tt.apiPort, BastionEnabled(&tt.spec))
			if !reflect.DeepEqual(got, tt.want) {
				for g := range tt.want {
					if !reflect.DeepEqual(got[g], tt.want[g]) {
						t.Errorf("%s rules:\n got %+v\nwant %+v", g, got[g], tt.want[g])
					}
				}
				t.Errorf("groups: got %d, want %d", len(got), len(tt.want))
			}
		})
	}
}

func TestBastionEnabled(t *testing.T) {
	for _, tt := range []struct {
		b    *infrav1.Bastion
		want bool
	}{
		{nil, false},
		{&infrav1.Bastion{}, true},
		{&infrav1.Bastion{Enabled: ptr.To(true)}, true},
		{&infrav1.Bastion{Enabled: ptr.To(false)}, false},
	} {
		if got := BastionEnabled(&infrav1.OpenStackClusterSpec{Bastion: tt.b}); got != tt.want {
			t.Errorf("BastionEnabled(%+v) = %v", tt.b, got)
		}
	}
}

func observedRule(id string, r rule, description string) rules.SecGroupRule {
	return rules.SecGroupRule{
		ID: id, Description: description, Direction: r.Direction, EtherType: r.EtherType, Protocol: r.Protocol,
		PortRangeMin: r.PortMin, PortRangeMax: r.PortMax, RemoteGroupID: r.RemoteGroupID, RemoteIPPrefix: r.RemoteIPPrefix,
	}
}

func TestDiffRules(t *testing.T) {
	ssh := ingress("tcp", 22, 22, "")
	api := ingress("tcp", 6443, 6443, "")
	tests := []struct {
		name        string
		desired     []rule
		observed    []rules.SecGroupRule
		wantMissing []rule
		wantExtra   []string
	}{
		{"nothing there", []rule{ssh, api}, nil, []rule{ssh, api}, nil},
		{"in sync, descriptions ignored", []rule{ssh, api},
			[]rules.SecGroupRule{observedRule("r1", api, "made by hand"), observedRule("r2", ssh, "")}, nil, nil},
		{"extra rule deleted", []rule{ssh},
			[]rules.SecGroupRule{observedRule("r1", ssh, ruleDescription), observedRule("r2", api, ruleDescription)}, nil, []string{"r2"}},
		{"a rule twice: the second is extra", []rule{ssh},
			[]rules.SecGroupRule{observedRule("r1", ssh, ""), observedRule("r2", ssh, "")}, nil, []string{"r2"}},
		{"a field differs: both missing and extra", []rule{ssh},
			[]rules.SecGroupRule{observedRule("r1", ingress("tcp", 22, 22, sgCP), "")}, []rule{ssh}, []string{"r1"}},
		{"nothing desired", nil, []rules.SecGroupRule{observedRule("r1", ssh, "")}, nil, []string{"r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			missing, extra := diffRules(tt.desired, tt.observed)
			if !reflect.DeepEqual(missing, tt.wantMissing) || !reflect.DeepEqual(extra, tt.wantExtra) {
				t.Errorf("diffRules = %+v, %v; want %+v, %v", missing, extra, tt.wantMissing, tt.wantExtra)
			}
		})
	}
}

// ruleStore keeps security group rules as Neutron does, for the tests of the rule sync: it
// lists rules by group, creates a bulk of rules all or none (refusing a rule that exists), and
// deletes by ID (404 when gone).
type ruleStore struct {
	t       *testing.T
	byGroup map[string][]rules.SecGroupRule
	creates map[string]int // bulk create requests per group
	deletes []string
	next    int
}

func newRuleStore(t *testing.T, e *env) *ruleStore {
	s := &ruleStore{t: t, byGroup: map[string][]rules.SecGroupRule{}, creates: map[string]int{}}
	e.net.EXPECT().ListSecurityGroupRules(gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, b rules.ListOptsBuilder) ([]rules.SecGroupRule, error) {
			return slices.Clone(s.byGroup[b.(rules.ListOpts).SecGroupID]), nil
		}).AnyTimes()
	e.net.EXPECT().CreateSecurityGroupRules(gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, opts []rules.CreateOpts) ([]rules.SecGroupRule, error) {
			if len(opts) == 0 {
				t.Error("a bulk create of no rule")
			}
			group := opts[0].SecGroupID
			s.creates[group]++
			var made []rules.SecGroupRule
			for _, o := range opts {
				if o.SecGroupID != group || o.Description != ruleDescription {
					t.Errorf("rule %+v: want group %s and description %q", o, group, ruleDescription)
				}
				r := rule{
					Direction: string(o.Direction), EtherType: string(o.EtherType), Protocol: string(o.Protocol),
					PortMin: o.PortRangeMin, PortMax: o.PortRangeMax, RemoteGroupID: o.RemoteGroupID, RemoteIPPrefix: o.RemoteIPPrefix,
				}
				for _, have := range append(slices.Clone(s.byGroup[group]), made...) {
					if observed(have) == r {
						return nil, httpError(409, `{"NeutronError": {"type": "SecurityGroupRuleExists"}}`)
					}
				}
				s.next++
				made = append(made, observedRule(fmt.Sprintf("rule-%d", s.next), r, o.Description))
			}
			s.byGroup[group] = append(s.byGroup[group], made...)
			return made, nil
		}).AnyTimes()
	e.net.EXPECT().DeleteSecurityGroupRule(gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, id string) error {
			s.deletes = append(s.deletes, id)
			for g, rs := range s.byGroup {
				if i := slices.IndexFunc(rs, func(r rules.SecGroupRule) bool { return r.ID == id }); i >= 0 {
					s.byGroup[g] = slices.Delete(rs, i, i+1)
					return nil
				}
			}
			return notFound
		}).AnyTimes()
	return s
}

// newGroup gives a group the egress rules Neutron puts in every new group.
func (s *ruleStore) newGroup(id string) {
	s.byGroup[id] = []rules.SecGroupRule{
		observedRule(id+"-egress-v4", egressV4, ""), observedRule(id+"-egress-v6", egressV6, ""),
	}
}

// converged fails the test unless every group holds exactly its desired rules.
func (s *ruleStore) converged(want map[infrav1.ManagedSecurityGroupName][]rule, ids groupIDs) {
	s.t.Helper()
	for g, rs := range want {
		missing, extra := diffRules(rs, s.byGroup[ids[g]])
		if len(missing)+len(extra) > 0 {
			s.t.Errorf("group %s: missing %+v, extra %v", g, missing, extra)
		}
	}
}

func sgSpec() *infrav1.OpenStackClusterSpec {
	return &infrav1.OpenStackClusterSpec{ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{}}
}

func TestReconcileSecurityGroupsNotManaged(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.ReconcileSecurityGroups(ctx, &infrav1.OpenStackClusterSpec{}, &infrav1.OpenStackClusterStatus{}, 6443, true); err != nil {
		t.Fatal(err)
	}
}

func TestReconcileSecurityGroupsCreates(t *testing.T) {
	e := newEnv(t)
	store := newRuleStore(t, e)
	spec := sgSpec()
	spec.Bastion = &infrav1.Bastion{Spec: &infrav1.OpenStackMachineSpec{}}
	status := &infrav1.OpenStackClusterStatus{}
	for _, g := range []struct{ name, id, kind string }{
		{cpName, sgCP, "controlplane"}, {workerName, sgWorker, "worker"}, {bastionName, sgBastion, "bastion"},
	} {
		gomock.InOrder(
			e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: g.name}).Return(nil, nil),
			e.net.EXPECT().CreateSecurityGroup(gomock.Any(), groups.CreateOpts{Name: g.name, Description: "Cluster API managed group " + g.kind}).
				DoAndReturn(func(context.Context, groups.CreateOptsBuilder) (*groups.SecGroup, error) {
					store.newGroup(g.id)
					return &groups.SecGroup{ID: g.id, Name: g.name}, nil
				}),
			e.net.EXPECT().ReplaceTags(gomock.Any(), "security-groups", g.id, testTags).Return(testTags, nil),
		)
	}
	// rulesChanged false: new groups get their rules all the same.
	if err := e.svc.ReconcileSecurityGroups(ctx, spec, status, 6443, false); err != nil {
		t.Fatal(err)
	}
	want := &infrav1.OpenStackClusterStatus{
		ControlPlaneSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgCP, Name: cpName},
		WorkerSecurityGroup:       &infrav1.SecurityGroupStatus{ID: sgWorker, Name: workerName},
		BastionSecurityGroup:      &infrav1.SecurityGroupStatus{ID: sgBastion, Name: bastionName},
	}
	if !reflect.DeepEqual(status, want) {
		t.Errorf("status = %+v, want %+v", status, want)
	}
	if e.saves != 3 {
		t.Errorf("saved %d times, want once per group", e.saves)
	}
	if len(e.events) != 3 {
		t.Errorf("events %q, want one per group", e.events)
	}
	store.converged(desiredRules(spec, allIDs, 6443, true), allIDs)
	// Each group's missing rules in one request; Neutron's default egress rules are kept.
	if !reflect.DeepEqual(store.creates, map[string]int{sgCP: 1, sgWorker: 1, sgBastion: 1}) || len(store.deletes) != 0 {
		t.Errorf("bulk creates %v, deletes %v", store.creates, store.deletes)
	}

	// Steady state: groups in status, rules unchanged: no call at all.
	if err := e.svc.ReconcileSecurityGroups(ctx, spec, status, 6443, false); err != nil {
		t.Fatal(err)
	}
	// Asked to check the rules again: they are listed, nothing is changed.
	if err := e.svc.ReconcileSecurityGroups(ctx, spec, status, 6443, true); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(store.creates, map[string]int{sgCP: 1, sgWorker: 1, sgBastion: 1}) || len(store.deletes) != 0 || e.saves != 3 {
		t.Errorf("in sync, but: bulk creates %v, deletes %v, saves %d", store.creates, store.deletes, e.saves)
	}
}

func TestReconcileSecurityGroupsSteadyStateNoCalls(t *testing.T) {
	e := newEnv(t) // strict mock, no store: any call fails
	status := &infrav1.OpenStackClusterStatus{
		ControlPlaneSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgCP}, WorkerSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgWorker},
	}
	if err := e.svc.ReconcileSecurityGroups(ctx, sgSpec(), status, 6443, false); err != nil {
		t.Fatal(err)
	}
}

func TestReconcileSecurityGroupsSyncsChangedRules(t *testing.T) {
	e := newEnv(t)
	store := newRuleStore(t, e)
	spec := sgSpec()
	ids := groupIDs{infrav1.ManagedSecurityGroupControlPlane: sgCP, infrav1.ManagedSecurityGroupWorker: sgWorker}
	status := &infrav1.OpenStackClusterStatus{
		ControlPlaneSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgCP}, WorkerSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgWorker},
	}
	// The groups hold the rules of the spec before allowAllInClusterTraffic was turned on,
	// some with another description, plus a rule someone added by hand.
	before := desiredRules(spec, ids, 6443, false)
	for g, rs := range before {
		for i, r := range rs {
			store.byGroup[ids[g]] = append(store.byGroup[ids[g]], observedRule(fmt.Sprintf("%s-old-%d", g, i), r, "described by someone else"))
		}
	}
	store.byGroup[sgWorker] = append(store.byGroup[sgWorker], observedRule("by-hand", ingress("tcp", 8080, 8080, ""), ""))

	spec.ManagedSecurityGroups.AllowAllInClusterTraffic = true
	if err := e.svc.ReconcileSecurityGroups(ctx, spec, status, 6443, true); err != nil {
		t.Fatal(err)
	}
	after := desiredRules(spec, ids, 6443, false)
	store.converged(after, ids)
	if !reflect.DeepEqual(store.creates, map[string]int{sgCP: 1, sgWorker: 1}) {
		t.Errorf("bulk creates %v, want one per group", store.creates)
	}
	// BGP and IP-in-IP from both groups go from both groups, and the rule added by hand.
	slices.Sort(store.deletes)
	want := []string{"by-hand", "controlplane-old-3", "controlplane-old-4", "controlplane-old-6", "controlplane-old-7", "worker-old-3", "worker-old-4", "worker-old-6", "worker-old-7"}
	if !reflect.DeepEqual(store.deletes, want) {
		t.Errorf("deleted %v, want %v", store.deletes, want)
	}
	if e.saves != 0 {
		t.Errorf("saved %d times: no group was created", e.saves)
	}
}

func TestReconcileSecurityGroupsAdoptsAndLostResponse(t *testing.T) {
	e := newEnv(t)
	store := newRuleStore(t, e)
	status := &infrav1.OpenStackClusterStatus{}

	// The control-plane group exists with the ownership tag: adopted as it is. The worker
	// group's create times out.
	gomock.InOrder(
		e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: cpName}).
			Return([]groups.SecGroup{{ID: sgCP, Name: cpName, Tags: []string{testOwner}}}, nil),
		e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: workerName}).Return(nil, nil),
		e.net.EXPECT().CreateSecurityGroup(gomock.Any(), gomock.Any()).DoAndReturn(
			func(context.Context, groups.CreateOptsBuilder) (*groups.SecGroup, error) {
				store.newGroup(sgWorker) // Neutron did create it
				return nil, lost
			}),
	)
	err := e.svc.ReconcileSecurityGroups(ctx, sgSpec(), status, 6443, false)
	wantErr(t, err, "creating security group")
	if status.ControlPlaneSecurityGroup == nil || status.WorkerSecurityGroup != nil || e.saves != 1 {
		t.Fatalf("status = %+v, saves %d", status, e.saves)
	}

	// Next run: the worker group is found by name, untagged: tagged, not created again. Both
	// groups get their rules, though rulesChanged is false: the groups are new to status.
	gomock.InOrder(
		e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: workerName}).
			Return([]groups.SecGroup{{ID: sgWorker, Name: workerName}}, nil),
		e.net.EXPECT().ReplaceTags(gomock.Any(), "security-groups", sgWorker, testTags).Return(testTags, nil),
	)
	if err := e.svc.ReconcileSecurityGroups(ctx, sgSpec(), status, 6443, false); err != nil {
		t.Fatal(err)
	}
	ids := groupIDs{infrav1.ManagedSecurityGroupControlPlane: sgCP, infrav1.ManagedSecurityGroupWorker: sgWorker}
	store.converged(desiredRules(sgSpec(), ids, 6443, false), ids)
	if status.WorkerSecurityGroup == nil || status.WorkerSecurityGroup.ID != sgWorker || e.saves != 2 {
		t.Errorf("status = %+v, saves %d", status, e.saves)
	}
}

func TestReconcileSecurityGroupsErrors(t *testing.T) {
	inStatus := func() *infrav1.OpenStackClusterStatus {
		return &infrav1.OpenStackClusterStatus{
			ControlPlaneSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgCP}, WorkerSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgWorker},
		}
	}
	tests := []struct {
		name    string
		status  func() *infrav1.OpenStackClusterStatus
		expect  func(e *env)
		wantErr []string
	}{{
		name:   "several tagged groups share the name",
		status: func() *infrav1.OpenStackClusterStatus { return &infrav1.OpenStackClusterStatus{} },
		expect: func(e *env) {
			e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: cpName}).
				Return([]groups.SecGroup{{ID: "sg-a", Tags: testTags}, {ID: "sg-b", Tags: testTags}}, nil)
		},
		wantErr: []string{"2 security groups", "sg-a, sg-b"},
	}, {
		name:   "listing rules fails",
		status: inStatus,
		expect: func(e *env) {
			e.net.EXPECT().ListSecurityGroupRules(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"listing rules", "boom"},
	}, {
		name:   "the bulk create is refused",
		status: inStatus,
		expect: func(e *env) {
			e.net.EXPECT().ListSecurityGroupRules(gomock.Any(), gomock.Any()).Return(nil, nil)
			e.net.EXPECT().CreateSecurityGroupRules(gomock.Any(), gomock.Any()).Return(nil, httpError(409, "quota exceeded"))
		},
		wantErr: []string{"creating 10 rules"},
	}, {
		name:   "deleting a rule is refused",
		status: inStatus,
		expect: func(e *env) {
			all := desiredRules(sgSpec(), groupIDs{infrav1.ManagedSecurityGroupControlPlane: sgCP, infrav1.ManagedSecurityGroupWorker: sgWorker}, 6443, false)
			e.net.EXPECT().ListSecurityGroupRules(gomock.Any(), gomock.Any()).DoAndReturn(
				func(_ context.Context, b rules.ListOptsBuilder) ([]rules.SecGroupRule, error) {
					g := infrav1.ManagedSecurityGroupControlPlane
					if b.(rules.ListOpts).SecGroupID == sgWorker {
						g = infrav1.ManagedSecurityGroupWorker
					}
					var out []rules.SecGroupRule
					for i, r := range all[g] {
						out = append(out, observedRule(fmt.Sprint(i), r, ""))
					}
					return append(out, observedRule("extra", ingress("tcp", 1, 1, ""), "")), nil
				}).MaxTimes(2)
			e.net.EXPECT().DeleteSecurityGroupRule(gomock.Any(), "extra").Return(inUse)
		},
		wantErr: []string{"deleting rule extra"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.expect(e)
			wantErr(t, e.svc.ReconcileSecurityGroups(ctx, sgSpec(), tt.status(), 6443, true), tt.wantErr...)
		})
	}
}

func TestReconcileSecurityGroupsSaveError(t *testing.T) {
	e := newEnv(t)
	e.svc.Save = func(context.Context) error { return boom }
	e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: cpName}).
		Return([]groups.SecGroup{{ID: sgCP, Name: cpName, Tags: []string{testOwner}}}, nil)
	wantErr(t, e.svc.ReconcileSecurityGroups(ctx, sgSpec(), &infrav1.OpenStackClusterStatus{}, 6443, false), "boom")
}

func TestDeleteSecurityGroups(t *testing.T) {
	e := newEnv(t)
	// Control plane in status; worker and bastion lost from status: found by name.
	// The control plane group also has an untagged twin by name (a create Neutron carried out
	// after we had given up on it): deleted too.
	status := &infrav1.OpenStackClusterStatus{ControlPlaneSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgCP}}
	e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: cpName}).Return([]groups.SecGroup{{ID: sgCP}, {ID: "sg-late"}}, nil)
	e.net.EXPECT().DeleteSecurityGroup(gomock.Any(), sgCP).Return(nil)
	e.net.EXPECT().DeleteSecurityGroup(gomock.Any(), "sg-late").Return(nil)
	e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: workerName}).Return([]groups.SecGroup{{ID: sgWorker}}, nil)
	e.net.EXPECT().DeleteSecurityGroup(gomock.Any(), sgWorker).Return(notFound) // already gone: done
	e.net.EXPECT().ListSecurityGroups(gomock.Any(), groups.ListOpts{Name: bastionName}).Return(nil, nil)
	if err := e.svc.DeleteSecurityGroups(ctx, status); err != nil {
		t.Fatal(err)
	}
	if status.ControlPlaneSecurityGroup != nil || status.WorkerSecurityGroup != nil || status.BastionSecurityGroup != nil {
		t.Errorf("status = %+v after a delete", status)
	}
}

func TestDeleteSecurityGroupsErrors(t *testing.T) {
	t.Run("in use: 409 for the caller to retry, the group stays in status", func(t *testing.T) {
		e := newEnv(t)
		status := &infrav1.OpenStackClusterStatus{
			ControlPlaneSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgCP}, WorkerSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgWorker},
			BastionSecurityGroup: &infrav1.SecurityGroupStatus{ID: sgBastion},
		}
		e.net.EXPECT().ListSecurityGroups(gomock.Any(), gomock.Any()).Return(nil, nil).AnyTimes()
		e.net.EXPECT().DeleteSecurityGroup(gomock.Any(), sgCP).Return(inUse)
		e.net.EXPECT().DeleteSecurityGroup(gomock.Any(), sgWorker).Return(nil).MaxTimes(1)
		e.net.EXPECT().DeleteSecurityGroup(gomock.Any(), sgBastion).Return(nil).MaxTimes(1)
		wantErr(t, e.svc.DeleteSecurityGroups(ctx, status), "deleting security group controlplane ("+sgCP+")")
		if status.ControlPlaneSecurityGroup == nil {
			t.Error("the group still in use is forgotten")
		}
	})
	t.Run("lookup fails", func(t *testing.T) {
		e := newEnv(t)
		e.net.EXPECT().ListSecurityGroups(gomock.Any(), gomock.Any()).Return(nil, boom)
		wantErr(t, e.svc.DeleteSecurityGroups(ctx, &infrav1.OpenStackClusterStatus{}), "looking up security group", "boom")
	})
}
