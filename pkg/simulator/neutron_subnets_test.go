package simulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

func TestSubnetUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	n, sn := e.netWithSubnet("nodes", "10.7.0.0/24")
	up, err := subnets.Update(ctx, e.network, sn.ID, subnets.UpdateOpts{
		Name: new("renamed"), Description: new("nodes subnet"), DNSNameservers: &[]string{"8.8.8.8", "1.1.1.1"},
		AllocationPools: []subnets.AllocationPool{{Start: "10.7.0.100", End: "10.7.0.199"}}, EnableDHCP: new(false),
	}).Extract()
	ok(t, err)
	if up.Name != "renamed" || up.Description != "nodes subnet" || !slices.Equal(up.DNSNameservers, []string{"8.8.8.8", "1.1.1.1"}) ||
		len(up.AllocationPools) != 1 || up.AllocationPools[0].Start != "10.7.0.100" || up.EnableDHCP ||
		up.GatewayIP != "10.7.0.1" || up.RevisionNumber != sn.RevisionNumber+1 {
		t.Fatalf("updated %+v", up)
	}
	got, err := subnets.Get(ctx, e.network, sn.ID).Extract()
	ok(t, err)
	if got.Name != "renamed" || len(got.DNSNameservers) != 2 {
		t.Errorf("read back %+v", got)
	}
	// New ports draw from the new pool; an omitted field is left alone.
	p, err := ports.Create(ctx, e.network, ports.CreateOpts{NetworkID: n.ID}).Extract()
	ok(t, err)
	if p.FixedIPs[0].IPAddress != "10.7.0.100" {
		t.Errorf("port address %s", p.FixedIPs[0].IPAddress)
	}
	up, err = subnets.Update(ctx, e.network, sn.ID, subnets.UpdateOpts{GatewayIP: new("10.7.0.254")}).Extract()
	ok(t, err)
	if up.GatewayIP != "10.7.0.254" || up.Name != "renamed" || len(up.DNSNameservers) != 2 {
		t.Errorf("gateway moved %+v", up)
	}
	up, err = subnets.Update(ctx, e.network, sn.ID, subnets.UpdateOpts{GatewayIP: new(""), DNSNameservers: &[]string{}}).Extract()
	ok(t, err)
	if up.GatewayIP != "" || len(up.DNSNameservers) != 0 {
		t.Errorf("gateway and nameservers cleared %+v", up)
	}

	for _, tc := range []struct {
		opts subnets.UpdateOpts
		code int
		msg  string
	}{
		{subnets.UpdateOpts{GatewayIP: new("10.7.0.150")}, http.StatusConflict, "Gateway ip 10.7.0.150 conflicts with allocation pool 10.7.0.100-10.7.0.199."},
		{subnets.UpdateOpts{GatewayIP: new("10.7.0.0")}, 400, "Gateway is not valid on subnet"},
		{subnets.UpdateOpts{GatewayIP: new("bogus")}, 400, "is not a valid IP address"},
		{subnets.UpdateOpts{AllocationPools: []subnets.AllocationPool{{Start: "10.7.0.10", End: "10.7.1.10"}}}, 400, "spans beyond the subnet cidr 10.7.0.0/24"},
		{subnets.UpdateOpts{AllocationPools: []subnets.AllocationPool{{Start: "10.7.0.20", End: "10.7.0.10"}}}, 400, "is not valid"},
		{subnets.UpdateOpts{AllocationPools: []subnets.AllocationPool{{Start: "10.7.0.10", End: "10.7.0.20"}, {Start: "10.7.0.15", End: "10.7.0.30"}}}, http.StatusConflict, "Found overlapping allocation pools"},
		{subnets.UpdateOpts{DNSNameservers: &[]string{"dns.example"}}, 400, "'dns.example' is not a valid nameserver"},
		{subnets.UpdateOpts{DNSNameservers: &[]string{"1.1.1.1", "1.1.1.1"}}, 400, "Duplicate nameserver '1.1.1.1'"},
		{subnets.UpdateOpts{DNSNameservers: &[]string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6"}}, 400, "exceeds the limit 5"},
	} {
		_, err := subnets.Update(ctx, e.network, sn.ID, tc.opts).Extract()
		wantStatus(t, err, tc.code)
		if b := body(t, err); !strings.Contains(b, tc.msg) || !strings.Contains(b, "NeutronError") {
			t.Errorf("%+v: body %s", tc.opts, b)
		}
	}
	if got, _ := subnets.Get(ctx, e.network, sn.ID).Extract(); got.Name != "renamed" || got.AllocationPools[0].End != "10.7.0.199" {
		t.Errorf("a refused update changed the subnet: %+v", got)
	}

	// A gateway held by a router interface cannot move.
	_, sn2 := e.netWithSubnet("routed", "10.9.0.0/24")
	r, err := routers.Create(ctx, e.network, routers.CreateOpts{Name: "r"}).Extract()
	ok(t, err)
	_, err = routers.AddInterface(ctx, e.network, r.ID, routers.AddInterfaceOpts{SubnetID: sn2.ID}).Extract()
	ok(t, err)
	_, err = subnets.Update(ctx, e.network, sn2.ID, subnets.UpdateOpts{
		GatewayIP: new("10.9.0.254"), AllocationPools: []subnets.AllocationPool{{Start: "10.9.0.2", End: "10.9.0.200"}},
	}).Extract()
	wantStatus(t, err, http.StatusConflict)
	if !strings.Contains(body(t, err), "GatewayIpInUse") {
		t.Errorf("body %s", body(t, err))
	}
	_, err = subnets.Update(ctx, e.network, sn2.ID, subnets.UpdateOpts{Name: new("still routed")}).Extract()
	ok(t, err)

	wantStatus(t, subnets.Update(ctx, e.network, "missing", subnets.UpdateOpts{Name: new("x")}).Err, 404)
	for _, s := range e.sim.Inventory() {
		if s.Type == "subnet" && s.Name == "public-subnet" {
			wantStatus(t, subnets.Update(ctx, e.network, s.ID, subnets.UpdateOpts{Name: new("mine")}).Err, 404)
		}
	}
}

func TestSubnetCreateLayout(t *testing.T) {
	e := newEnv(t, Options{})
	n, _ := e.netWithSubnet("n", "10.3.0.0/24")
	// A gateway in the middle splits the default pool around it.
	sn, err := subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: "10.4.0.0/24", IPVersion: 4, GatewayIP: new("10.4.0.254")}).Extract()
	ok(t, err)
	if len(sn.AllocationPools) != 1 || sn.AllocationPools[0].Start != "10.4.0.1" || sn.AllocationPools[0].End != "10.4.0.253" {
		t.Errorf("pools %+v", sn.AllocationPools)
	}
	sn, err = subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: "10.5.0.0/24", IPVersion: 4, GatewayIP: new("10.5.0.100")}).Extract()
	ok(t, err)
	if len(sn.AllocationPools) != 2 || sn.AllocationPools[0].End != "10.5.0.99" || sn.AllocationPools[1].Start != "10.5.0.101" {
		t.Errorf("split pools %+v", sn.AllocationPools)
	}
	_, err = subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: "10.6.0.0/24", IPVersion: 4,
		AllocationPools: []subnets.AllocationPool{{Start: "10.6.0.1", End: "10.6.0.50"}}}).Extract()
	wantStatus(t, err, http.StatusConflict)
	_, err = subnets.Create(ctx, e.network, subnets.CreateOpts{NetworkID: n.ID, CIDR: "10.6.0.0/24", IPVersion: 4,
		AllocationPools: []subnets.AllocationPool{{Start: "10.6.0.2", End: "10.6.0.255"}}}).Extract()
	wantStatus(t, err, 400)
}
