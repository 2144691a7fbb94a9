package loadbalancer

import (
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"go.uber.org/mock/gomock"
)

var (
	cascade  = loadbalancers.DeleteOpts{Cascade: true}
	fipByKey = floatingips.ListOpts{Description: lbName}
)

func TestDelete(t *testing.T) {
	tests := []struct {
		name     string
		recorded bool
		userIP   string
		expect   func(e *env)
		want     time.Duration
		wantErr  []string
	}{{
		name:     "active: floating IP deleted, cascade delete started",
		recorded: true,
		expect: func(e *env) {
			gomock.InOrder(
				e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5"}}, nil),
				e.net.EXPECT().DeleteFloatingIP(gomock.Any(), "fip-1").Return(nil),
				e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ACTIVE"), nil),
				e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(nil),
			)
		},
		want: updatingRequeue,
	}, {
		name:     "in ERROR: deleted too",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ERROR"), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(nil)
		},
		want: updatingRequeue,
	}, {
		name:     "PENDING_DELETE: wait, no second delete",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("PENDING_DELETE"), nil)
		},
		want: updatingRequeue,
	}, {
		name:     "PENDING_UPDATE: immutable, wait",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("PENDING_UPDATE"), nil)
		},
		want: updatingRequeue,
	}, {
		name:     "the delete answers 409 (it turned PENDING meanwhile): wait",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ACTIVE"), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(pending)
		},
		want: updatingRequeue,
	}, {
		name:     "the delete answers 404: gone meanwhile, confirmed next time",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ACTIVE"), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(notFound)
		},
		want: updatingRequeue,
	}, {
		name:     "gone: done",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil)
		},
	}, {
		name: "status lost: found by name",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ACTIVE"), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(nil)
		},
		want: updatingRequeue,
	}, {
		name: "status lost, none found: done",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil)
		},
	}, {
		name:     "the user's floating IP: only disassociated",
		recorded: true,
		userIP:   "203.0.113.9",
		expect: func(e *env) {
			fip := floatingips.FloatingIP{ID: "fip-9", FloatingIP: "203.0.113.9", PortID: vipPort}
			gomock.InOrder(
				e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return([]floatingips.FloatingIP{fip}, nil),
				e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingIP: "203.0.113.9"}).Return([]floatingips.FloatingIP{fip}, nil),
				e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-9", floatingips.UpdateOpts{PortID: new(string)}).Return(&fip, nil),
				e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil),
			)
		},
	}, {
		name:     "the floating IP cannot be deleted",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, boom)
		},
		wantErr: []string{"boom"},
	}, {
		name: "lookup by name fails",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, boom)
		},
		wantErr: []string{"looking up load balancer " + lbName, "boom"},
	}, {
		name:     "a twin left by a create that timed out: both deleted",
		recorded: true,
		expect: func(e *env) {
			twin := *lbIn("ACTIVE")
			twin.ID = "lb-twin"
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(append(listed("ACTIVE"), twin), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), "lb-twin", cascade).Return(nil)
		},
		want: updatingRequeue,
	}, {
		name:     "recorded under another name: read by ID as well",
		recorded: true,
		expect: func(e *env) {
			e.status.APIServerLoadBalancer.Name = "renamed"
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil)
			e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(lbIn("ACTIVE"), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(nil)
		},
		want: updatingRequeue,
	}, {
		name:     "recorded under another name, gone: done",
		recorded: true,
		expect: func(e *env) {
			e.status.APIServerLoadBalancer.Name = "renamed"
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil)
			e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(nil, notFound)
		},
	}, {
		name:     "reading fails",
		recorded: true,
		expect: func(e *env) {
			e.status.APIServerLoadBalancer.Name = "renamed"
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil)
			e.lb.EXPECT().GetLoadBalancer(gomock.Any(), lbID).Return(nil, boom)
		},
		wantErr: []string{"reading load balancer " + lbID, "boom"},
	}, {
		name:     "the delete fails",
		recorded: true,
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil)
			e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ACTIVE"), nil)
			e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(httpError(500, "oops"))
		},
		wantErr: []string{"deleting load balancer " + lbID},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.recorded {
				e.recorded()
			}
			tt.expect(e)
			wait, err := e.svc.Delete(ctx, e.status, tt.userIP)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				if tt.recorded && e.status.APIServerLoadBalancer == nil {
					t.Error("status forgotten after an error")
				}
				return
			}
			if err != nil || wait != tt.want {
				t.Fatalf("Delete = %v, %v; want %v", wait, err, tt.want)
			}
			if st := e.status.APIServerLoadBalancer; (tt.want == 0 && st != nil) || (tt.want > 0 && tt.recorded && st == nil) {
				t.Errorf("status %+v with wait %v: want it kept until the load balancer is gone", st, wait)
			}
		})
	}
}

func TestDeleteUntilGone(t *testing.T) {
	// The whole sequence: cascade delete started, PENDING_DELETE, gone.
	e := newEnv(t)
	e.recorded()
	e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil).Times(3)
	gomock.InOrder(
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("ACTIVE"), nil),
		e.lb.EXPECT().DeleteLoadBalancer(gomock.Any(), lbID, cascade).Return(nil),
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(listed("PENDING_DELETE"), nil),
		e.lb.EXPECT().ListLoadBalancers(gomock.Any(), byName).Return(nil, nil),
	)
	for i, want := range []time.Duration{updatingRequeue, updatingRequeue, 0} {
		wait, err := e.svc.Delete(ctx, e.status, "")
		if err != nil || wait != want {
			t.Fatalf("call %d: Delete = %v, %v; want %v", i, wait, err, want)
		}
	}
	if e.status.APIServerLoadBalancer != nil {
		t.Errorf("status %+v once gone", e.status.APIServerLoadBalancer)
	}
}

// listed is what Octavia lists by name: the cluster's load balancer in state.
func listed(state string) []loadbalancers.LoadBalancer {
	return []loadbalancers.LoadBalancer{*lbIn(state)}
}
