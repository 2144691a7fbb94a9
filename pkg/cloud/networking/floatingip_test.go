package networking

import (
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"go.uber.org/mock/gomock"
	"k8s.io/utils/ptr"
)

const fipKey = testName + "-kubeapi"

var fipByKey = floatingips.ListOpts{FloatingNetworkID: extNetID, Description: fipKey}

func TestEnsureFloatingIP(t *testing.T) {
	t.Run("none yet: created with the key as description, then tagged", func(t *testing.T) {
		e := newEnv(t)
		gomock.InOrder(
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil),
			e.net.EXPECT().CreateFloatingIP(gomock.Any(), floatingips.CreateOpts{FloatingNetworkID: extNetID, Description: fipKey}).
				Return(&floatingips.FloatingIP{ID: "fip-1", FloatingIP: "203.0.113.5", Description: fipKey}, nil),
			e.net.EXPECT().ReplaceTags(gomock.Any(), "floatingips", "fip-1", testTags).Return(testTags, nil),
		)
		fip, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, "")
		if err != nil || fip.ID != "fip-1" || fip.FloatingIP != "203.0.113.5" {
			t.Fatalf("EnsureFloatingIP = %+v, %v", fip, err)
		}
	})

	t.Run("lost create response: found by description next time, not created twice", func(t *testing.T) {
		e := newEnv(t)
		gomock.InOrder(
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return(nil, nil),
			e.net.EXPECT().CreateFloatingIP(gomock.Any(), gomock.Any()).Return(nil, lost),
		)
		_, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, "")
		wantErr(t, err, "creating floating IP")
		// The description was part of the create itself: the floating IP is found, untagged.
		gomock.InOrder(
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).
				Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5", Description: fipKey}}, nil),
			e.net.EXPECT().ReplaceTags(gomock.Any(), "floatingips", "fip-1", testTags).Return(testTags, nil),
		)
		fip, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, "")
		if err != nil || fip.ID != "fip-1" {
			t.Fatalf("EnsureFloatingIP = %+v, %v", fip, err)
		}
	})

	t.Run("found, tagged: no call but the lookup", func(t *testing.T) {
		e := newEnv(t)
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).
			Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5", Tags: []string{"team=blue", testOwner}}}, nil)
		if fip, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, ""); err != nil || fip.ID != "fip-1" {
			t.Fatalf("EnsureFloatingIP = %+v, %v", fip, err)
		}
	})

	t.Run("several tagged with the key: an error naming them", func(t *testing.T) {
		e := newEnv(t)
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return([]floatingips.FloatingIP{{ID: "fip-1", Tags: testTags}, {ID: "fip-2", Tags: testTags}}, nil)
		_, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, "")
		wantErr(t, err, "2 floating IPs", "fip-1, fip-2")
	})

	// A create that timed out on our side and that Neutron carried out after the next attempt's
	// create (the fault campaign found clusters stuck on "2 floating IPs share the name"): the
	// late one never got its tags; it is deleted, the tagged one kept.
	t.Run("an untagged second one: deleted", func(t *testing.T) {
		e := newEnv(t)
		e.net.EXPECT().ListFloatingIPs(gomock.Any(), fipByKey).Return([]floatingips.FloatingIP{
			{ID: "fip-late", FloatingIP: "203.0.113.2"}, {ID: "fip-1", FloatingIP: "203.0.113.1", PortID: "vip", Tags: testTags},
		}, nil)
		e.net.EXPECT().DeleteFloatingIP(gomock.Any(), "fip-late").Return(nil)
		if fip, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, ""); err != nil || fip.ID != "fip-1" {
			t.Fatalf("EnsureFloatingIP = %+v, %v", fip, err)
		}
		if len(e.events) != 1 || !strings.Contains(e.events[0], "DuplicateDeleted: deleted floating IP fip-late") {
			t.Errorf("events %q", e.events)
		}
	})

	t.Run("user's address that does not exist yet: allocated with that address", func(t *testing.T) {
		e := newEnv(t)
		gomock.InOrder(
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingNetworkID: extNetID, FloatingIP: "203.0.113.9"}).Return(nil, nil),
			e.net.EXPECT().CreateFloatingIP(gomock.Any(), floatingips.CreateOpts{FloatingNetworkID: extNetID, FloatingIP: "203.0.113.9", Description: fipKey}).
				Return(&floatingips.FloatingIP{ID: "fip-9", FloatingIP: "203.0.113.9"}, nil),
			e.net.EXPECT().ReplaceTags(gomock.Any(), "floatingips", "fip-9", testTags).Return(testTags, nil),
		)
		if fip, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, "203.0.113.9"); err != nil || fip.ID != "fip-9" {
			t.Fatalf("EnsureFloatingIP = %+v, %v", fip, err)
		}
	})

	t.Run("user's existing floating IP: adopted by address, keeping its own tags", func(t *testing.T) {
		e := newEnv(t)
		theirs := []string{"owner=alice", "zzz"}
		merged := []string{testOwner, "owner=alice", "team=blue", "zzz"}
		gomock.InOrder(
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingNetworkID: extNetID, FloatingIP: "203.0.113.9"}).
				Return([]floatingips.FloatingIP{{ID: "fip-9", FloatingIP: "203.0.113.9", Description: "alice's", Tags: theirs}}, nil),
			e.net.EXPECT().ReplaceTags(gomock.Any(), "floatingips", "fip-9", merged).Return(merged, nil),
		)
		if fip, err := e.svc.EnsureFloatingIP(ctx, extNetID, fipKey, "203.0.113.9"); err != nil || fip.ID != "fip-9" {
			t.Fatalf("EnsureFloatingIP = %+v, %v", fip, err)
		}
	})
}

func TestAssociateFloatingIP(t *testing.T) {
	e := newEnv(t)
	// Already on the port: no call.
	if err := e.svc.AssociateFloatingIP(ctx, &floatingips.FloatingIP{ID: "fip-1", PortID: "port-1"}, "port-1"); err != nil {
		t.Fatal(err)
	}
	e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-1", floatingips.UpdateOpts{PortID: ptr.To("port-2")}).Return(&floatingips.FloatingIP{}, nil)
	if err := e.svc.AssociateFloatingIP(ctx, &floatingips.FloatingIP{ID: "fip-1", PortID: "port-1"}, "port-2"); err != nil {
		t.Fatal(err)
	}
	e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-1", gomock.Any()).Return(nil, inUse)
	err := e.svc.AssociateFloatingIP(ctx, &floatingips.FloatingIP{ID: "fip-1", FloatingIP: "203.0.113.5"}, "port-2")
	wantErr(t, err, "associating floating IP 203.0.113.5 with port port-2")
}

var disassociate = floatingips.UpdateOpts{PortID: new(string)}

func TestDeleteFloatingIPs(t *testing.T) {
	tests := []struct {
		name    string
		keep    string
		expect  func(e *env)
		wantErr []string
	}{{
		name: "ours: deleted, one already gone",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).
				Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5"}, {ID: "fip-2", FloatingIP: "203.0.113.6"}}, nil)
			e.net.EXPECT().DeleteFloatingIP(gomock.Any(), "fip-1").Return(nil)
			e.net.EXPECT().DeleteFloatingIP(gomock.Any(), "fip-2").Return(notFound)
		},
	}, {
		name: "none: nothing to do",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).Return(nil, nil)
		},
	}, {
		name: "the user's address: only disassociated, even when we allocated it",
		keep: "203.0.113.9",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).
				Return([]floatingips.FloatingIP{{ID: "fip-9", FloatingIP: "203.0.113.9", PortID: "vip-port"}}, nil)
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingIP: "203.0.113.9"}).
				Return([]floatingips.FloatingIP{{ID: "fip-9", FloatingIP: "203.0.113.9", PortID: "vip-port"}}, nil)
			e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-9", disassociate).Return(&floatingips.FloatingIP{}, nil)
		},
	}, {
		name: "the user's address, already disassociated: no update",
		keep: "203.0.113.9",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).Return(nil, nil)
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingIP: "203.0.113.9"}).
				Return([]floatingips.FloatingIP{{ID: "fip-9", FloatingIP: "203.0.113.9"}}, nil)
		},
	}, {
		name: "the user's address gone meanwhile: done",
		keep: "203.0.113.9",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).Return(nil, nil)
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingIP: "203.0.113.9"}).
				Return([]floatingips.FloatingIP{{ID: "fip-9", FloatingIP: "203.0.113.9", PortID: "p"}}, nil)
			e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-9", disassociate).Return(nil, notFound)
		},
	}, {
		name: "lookup fails",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), gomock.Any()).Return(nil, boom)
		},
		wantErr: []string{"looking up floating IPs", "boom"},
	}, {
		name: "lookup of the user's address fails",
		keep: "203.0.113.9",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).Return(nil, nil)
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingIP: "203.0.113.9"}).Return(nil, boom)
		},
		wantErr: []string{"looking up floating IP 203.0.113.9", "boom"},
	}, {
		name: "disassociating fails",
		keep: "203.0.113.9",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).Return(nil, nil)
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{FloatingIP: "203.0.113.9"}).
				Return([]floatingips.FloatingIP{{ID: "fip-9", FloatingIP: "203.0.113.9", PortID: "p"}}, nil)
			e.net.EXPECT().UpdateFloatingIP(gomock.Any(), "fip-9", disassociate).Return(nil, inUse)
		},
		wantErr: []string{"disassociating floating IP 203.0.113.9"},
	}, {
		name: "deleting is refused",
		expect: func(e *env) {
			e.net.EXPECT().ListFloatingIPs(gomock.Any(), floatingips.ListOpts{Description: fipKey}).
				Return([]floatingips.FloatingIP{{ID: "fip-1", FloatingIP: "203.0.113.5"}}, nil)
			e.net.EXPECT().DeleteFloatingIP(gomock.Any(), "fip-1").Return(inUse)
		},
		wantErr: []string{"deleting floating IP 203.0.113.5"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.expect(e)
			err := e.svc.DeleteFloatingIPs(ctx, fipKey, tt.keep)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDisassociateBodyClearsThePort(t *testing.T) {
	// PortID pointing at "" is sent as "port_id": null, which is what disassociates.
	body, err := disassociate.ToFloatingIPUpdateMap()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := body["floatingip"].(map[string]any)["port_id"]; !ok || v != nil {
		t.Errorf("update body %v: want port_id null", body)
	}
}
