package compute

import (
	"context"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/pools"
	"go.uber.org/mock/gomock"
)

var testMember = Member{
	LoadBalancerID: "lb-1", LoadBalancerName: "k8s-api", Ports: []int{6443, 9345},
	Name: "cp-0", IP: "10.0.0.5", Tags: []string{testOwner},
}

var testPools = []pools.Pool{{ID: "pool-a", Name: "k8s-api-6443"}, {ID: "pool-b", Name: "k8s-api-9345"}}

func TestAddMember(t *testing.T) {
	ctx := context.Background()
	listPools := func(e *env, found []pools.Pool) {
		e.lb.EXPECT().ListPools(gomock.Any(), pools.ListOpts{LoadbalancerID: "lb-1"}).Return(found, nil)
	}

	// The first pool has the member; the second gets it: one change, then in progress.
	e := newEnv(t)
	listPools(e, testPools)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return([]pools.Member{{ID: "m", Address: "10.0.0.5", ProtocolPort: 6443}}, nil)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-b", gomock.Any()).Return(nil, nil)
	e.lb.EXPECT().CreateMember(gomock.Any(), "pool-b", pools.CreateMemberOpts{Name: "cp-0", Address: "10.0.0.5", ProtocolPort: 9345, Tags: []string{testOwner}}).Return(&pools.Member{}, nil)
	if res, err := AddMember(ctx, e.lb, testMember); err != nil || res.Done() {
		t.Fatalf("AddMember = %+v, %v: want in progress after the change", res, err)
	}

	// Octavia is busy: in progress, not an error.
	e = newEnv(t)
	listPools(e, testPools[:1])
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return(nil, nil)
	e.lb.EXPECT().CreateMember(gomock.Any(), "pool-a", gomock.Any()).Return(nil, httpError(409, `{"faultstring": "Load Balancer lb-1 is immutable and cannot be updated."}`))
	m := testMember
	m.Ports = []int{6443}
	if res, err := AddMember(ctx, e.lb, m); err != nil || res.Done() || !strings.Contains(res.Reason, "immutable") {
		t.Fatalf("AddMember on a busy load balancer = %+v, %v", res, err)
	}

	// A member of the same name with another address is replaced: first removed.
	e = newEnv(t)
	listPools(e, testPools[:1])
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return([]pools.Member{{ID: "old", Name: "cp-0", Address: "10.0.0.99", ProtocolPort: 6443}}, nil)
	e.lb.EXPECT().DeleteMember(gomock.Any(), "pool-a", "old").Return(nil)
	if res, err := AddMember(ctx, e.lb, m); err != nil || res.Done() {
		t.Fatalf("AddMember with a stale member = %+v, %v", res, err)
	}

	// A pool not made yet: in progress. All present: done.
	e = newEnv(t)
	listPools(e, nil)
	if res, err := AddMember(ctx, e.lb, m); err != nil || res.Done() {
		t.Fatalf("AddMember without pools = %+v, %v", res, err)
	}
	e = newEnv(t)
	listPools(e, testPools[:1])
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return([]pools.Member{{Address: "10.0.0.5", ProtocolPort: 6443}}, nil)
	if res, err := AddMember(ctx, e.lb, m); err != nil || !res.Done() {
		t.Fatalf("AddMember when present = %+v, %v", res, err)
	}

	noIP := m
	noIP.IP = ""
	if _, err := AddMember(ctx, newEnv(t).lb, noIP); err == nil {
		t.Fatal("a machine without address was added")
	}
}

func TestRemoveMember(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.lb.EXPECT().ListPools(gomock.Any(), pools.ListOpts{LoadbalancerID: "lb-1"}).Return(testPools, nil)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return([]pools.Member{{ID: "other", Name: "cp-1", Address: "10.0.0.6", ProtocolPort: 6443}}, nil)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-b", gomock.Any()).Return([]pools.Member{{ID: "mine", Name: "cp-0", Address: "10.0.0.5", ProtocolPort: 9345}}, nil)
	e.lb.EXPECT().DeleteMember(gomock.Any(), "pool-b", "mine").Return(nil)
	if res, err := RemoveMember(ctx, e.lb, testMember); err != nil || res.Done() {
		t.Fatalf("RemoveMember = %+v, %v: want in progress after the change", res, err)
	}

	e = newEnv(t)
	e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(testPools[1:], nil)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-b", gomock.Any()).Return([]pools.Member{{ID: "mine", Name: "cp-0"}}, nil)
	e.lb.EXPECT().DeleteMember(gomock.Any(), "pool-b", "mine").Return(notFound)
	if res, err := RemoveMember(ctx, e.lb, testMember); err != nil || !res.Done() {
		t.Fatalf("RemoveMember of a gone member = %+v, %v: want done", res, err)
	}

	e = newEnv(t)
	e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(testPools[:1], nil)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return([]pools.Member{{ID: "mine", Name: "cp-0"}}, nil)
	e.lb.EXPECT().DeleteMember(gomock.Any(), "pool-a", "mine").Return(httpError(500, "boom"))
	if _, err := RemoveMember(ctx, e.lb, testMember); err == nil {
		t.Fatal("a failed removal was not reported")
	}

	// Regression: a member already PENDING_DELETE (our DELETE accepted, the load balancer
	// PENDING_UPDATE) is waited for, not deleted again (each repeat got a 409).
	e = newEnv(t)
	e.lb.EXPECT().ListPools(gomock.Any(), gomock.Any()).Return(testPools[:1], nil)
	e.lb.EXPECT().ListMembers(gomock.Any(), "pool-a", gomock.Any()).Return([]pools.Member{{ID: "mine", Name: "cp-0", ProvisioningStatus: "PENDING_DELETE"}}, nil)
	if res, err := RemoveMember(ctx, e.lb, testMember); err != nil || res.Done() {
		t.Fatalf("RemoveMember of a member being deleted = %+v, %v: want in progress, no DELETE", res, err)
	}
}
