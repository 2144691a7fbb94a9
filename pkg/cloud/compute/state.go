package compute

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// Observe records what Nova reports about the machine's server in its status (instanceState,
// failureDomain, and addresses once ACTIVE) and says what it means:
//   - BUILD: in progress, to check again after a delay that grows with the build time;
//   - ACTIVE: done, with the provider ID;
//   - ERROR: a *ServerError carrying Nova's fault message;
//   - DELETED or SOFT_DELETED: an error wrapping ErrServerGone;
//   - anything else (SHUTOFF, REBOOT, RESIZE...): in progress, to check again in a minute.
func (s *MachineService) Observe(m *Machine, srv *servers.Server) (Result, error) {
	state := infrav1.InstanceState(srv.Status)
	m.Status.InstanceState = &state
	if srv.AvailabilityZone != "" {
		m.Status.FailureDomain = srv.AvailabilityZone
	}
	switch state {
	case infrav1.InstanceStateBuild:
		return wait(backoff(s.now().Sub(srv.Created)), "server %s is building", srv.Name), nil
	case infrav1.InstanceStateActive:
		m.Status.Addresses = addresses(srv)
		return Result{ProviderID: ProviderID(s.Region, srv.ID)}, nil
	case infrav1.InstanceStateError:
		return Result{}, &ServerError{ID: srv.ID, Name: srv.Name, Fault: srv.Fault.Message}
	case infrav1.InstanceStateDeleted, infrav1.InstanceStateSoftDeleted:
		return Result{}, fmt.Errorf("server %s of machine %s is %s: %w: delete the Machine to get a new one", srv.ID, m.Name, state, ErrServerGone)
	}
	return wait(time.Minute, "server %s is %s, not ACTIVE", srv.Name, state), nil
}

// novaAddress is one entry of a server's addresses, grouped by network name.
type novaAddress struct {
	Addr string `json:"addr"`
	Type string `json:"OS-EXT-IPS:type"`
}

// addresses lists the fixed IPs as InternalIP and the floating IPs as ExternalIP, network by
// network in name order, then the server name as InternalDNS.
func addresses(srv *servers.Server) []clusterv1.MachineAddress {
	var byNetwork map[string][]novaAddress
	if raw, err := json.Marshal(srv.Addresses); err == nil {
		_ = json.Unmarshal(raw, &byNetwork) // an unexpected shape leaves only the DNS name
	}
	var internal, external []clusterv1.MachineAddress
	for _, network := range slices.Sorted(maps.Keys(byNetwork)) {
		for _, a := range byNetwork[network] {
			switch {
			case a.Addr == "":
			case a.Type == "floating":
				external = append(external, clusterv1.MachineAddress{Type: clusterv1.MachineExternalIP, Address: a.Addr})
			default:
				internal = append(internal, clusterv1.MachineAddress{Type: clusterv1.MachineInternalIP, Address: a.Addr})
			}
		}
	}
	return append(slices.Concat(internal, external), clusterv1.MachineAddress{Type: clusterv1.MachineInternalDNS, Address: srv.Name})
}

// InternalIP is the machine's first InternalIP inside one of cidrs (the cluster network's
// subnets), or its first InternalIP at all when none is; "" when it has none. It is the address
// to register with the API server's load balancer.
func InternalIP(addrs []clusterv1.MachineAddress, cidrs []string) string {
	first := ""
	for _, a := range addrs {
		if a.Type != clusterv1.MachineInternalIP {
			continue
		}
		if first == "" {
			first = a.Address
		}
		ip, err := netip.ParseAddr(a.Address)
		if err != nil {
			continue
		}
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil && p.Contains(ip) {
				return a.Address
			}
		}
	}
	return first
}
