package simulator

import (
	"net/http"
	"net/netip"
)

type ipRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// defaultPools is every host address of prefix except the gateway (and the
// IPv4 broadcast address).
func defaultPools(prefix netip.Prefix, gateway string) []ipRange {
	first := prefix.Masked().Addr().Next()
	last := lastAddr(prefix)
	if prefix.Addr().Is4() {
		last = last.Prev()
	}
	if gateway == first.String() {
		first = first.Next()
	}
	if last.Less(first) {
		return []ipRange{}
	}
	return []ipRange{{Start: first.String(), End: last.String()}}
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
