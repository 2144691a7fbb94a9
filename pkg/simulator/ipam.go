package simulator

import (
	"net/http"
	"net/netip"
	"slices"
)

type ipRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// defaultPools is every host address of prefix except the gateway (and the
// IPv4 broadcast address), split around the gateway as Neutron does.
func defaultPools(prefix netip.Prefix, gateway string) []ipRange {
	first := prefix.Masked().Addr().Next()
	last := lastAddr(prefix)
	if prefix.Addr().Is4() {
		last = last.Prev()
	}
	pools := []ipRange{}
	add := func(from, to netip.Addr) {
		if from.IsValid() && to.IsValid() && !to.Less(from) {
			pools = append(pools, ipRange{Start: from.String(), End: to.String()})
		}
	}
	gw, err := netip.ParseAddr(gateway)
	if err != nil || gw.Less(first) || last.Less(gw) {
		add(first, last)
		return pools
	}
	add(first, gw.Prev())
	add(gw.Next(), last)
	return pools
}

func lastAddr(prefix netip.Prefix) netip.Addr {
	b := prefix.Masked().Addr().AsSlice()
	for i := prefix.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// allocateIP reserves ip (or, when empty, the first free pool address) in sn
// for the port.
func allocateIP(sn *subnet, ip, portID string) (string, error) {
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil || !sn.prefix().Contains(a) {
			return "", badRequest("IP address %s is not a valid IP for the specified subnet.", ip)
		}
		if _, used := sn.used[a.String()]; used {
			return "", errf(http.StatusConflict, "IpAddressAlreadyAllocated",
				"IP address %s already allocated in subnet %s", ip, sn.ID)
		}
		sn.used[a.String()] = portID
		return a.String(), nil
	}
	for _, r := range sn.Pools {
		start, err1 := netip.ParseAddr(r.Start)
		end, err2 := netip.ParseAddr(r.End)
		if err1 != nil || err2 != nil {
			continue
		}
		for a := start; a.IsValid() && !end.Less(a); a = a.Next() {
			if _, used := sn.used[a.String()]; !used {
				sn.used[a.String()] = portID
				return a.String(), nil
			}
		}
	}
	return "", errf(http.StatusConflict, "IpAddressGenerationFailure",
		"No more IP addresses available on network %s.", sn.NetworkID)
}

// subnetFor returns the subnet of network netID that contains ip.
func (s *Simulator) subnetFor(netID, ip string) *subnet {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	for _, st := range s.projects {
		for _, sn := range st.subnets {
			if sn.NetworkID == netID && sn.prefix().Contains(a) {
				return sn
			}
		}
	}
	return nil
}

// checkLayout validates a subnet's gateway and allocation pools as Neutron
// does: pools lie inside the host range, do not overlap and leave out the
// gateway, which is neither the network nor the IPv4 broadcast address.
func checkLayout(prefix netip.Prefix, gateway string, pools []ipRange) error {
	network, last := prefix.Masked().Addr(), lastAddr(prefix)
	var gw netip.Addr
	if gateway != "" {
		a, err := netip.ParseAddr(gateway)
		if err != nil || a.Is4() != network.Is4() {
			return badRequest("Invalid input for gateway_ip. Reason: '%s' is not a valid IP address.", gateway)
		}
		if a == network || (a.Is4() && a == last) {
			return badRequest("Invalid input for operation: Gateway is not valid on subnet.")
		}
		gw = a
	}
	if network.Is4() {
		last = last.Prev()
	}
	type span struct{ start, end netip.Addr }
	var seen []span
	for _, r := range pools {
		start, err1 := netip.ParseAddr(r.Start)
		end, err2 := netip.ParseAddr(r.End)
		name := r.Start + "-" + r.End
		if err1 != nil || err2 != nil || end.Less(start) || start.Is4() != network.Is4() || end.Is4() != network.Is4() {
			return badRequest("The allocation pool %s is not valid.", name)
		}
		if start.Compare(network) <= 0 || last.Less(end) {
			return badRequest("The allocation pool %s spans beyond the subnet cidr %s.", name, prefix)
		}
		if gw.IsValid() && !gw.Less(start) && !end.Less(gw) {
			return errf(http.StatusConflict, "GatewayConflictWithAllocationPools",
				"Gateway ip %s conflicts with allocation pool %s.", gateway, name)
		}
		for _, o := range seen {
			if !end.Less(o.start) && !o.end.Less(start) {
				return errf(http.StatusConflict, "OverlappingAllocationPools",
					"Found overlapping allocation pools: %s-%s %s for subnet %s.", o.start, o.end, name, prefix)
			}
		}
		seen = append(seen, span{start, end})
	}
	return nil
}

// maxNameservers is Neutron's default max_dns_nameservers.
const maxNameservers = 5

func checkNameservers(subnetID string, dns []string) error {
	if len(dns) > maxNameservers {
		return badRequest("Unable to complete operation for %s. The number of DNS nameservers exceeds the limit %d.", subnetID, maxNameservers)
	}
	for i, ns := range dns {
		if _, err := netip.ParseAddr(ns); err != nil {
			return badRequest("Invalid input for dns_nameservers. Reason: '%s' is not a valid nameserver.", ns)
		}
		if slices.Contains(dns[:i], ns) {
			return badRequest("Invalid input for dns_nameservers. Reason: Duplicate nameserver '%s'.", ns)
		}
	}
	return nil
}
