package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

// MachineService creates, observes and deletes the Nova server of a machine together with its
// ports, trunks and volumes. Every call does a few OpenStack calls at most and never waits:
// work OpenStack does asynchronously is reported as a Result to check again later.
type MachineService struct {
	Compute clients.Compute
	Network clients.Network
	Image   clients.Image
	Volume  clients.Volume
	// Region goes into provider IDs (openstack://<region>/<id>); empty gives the form the
	// OpenStack cloud controller manager writes by default, openstack:///<id>.
	Region string
	// Now is the clock requeue suggestions are computed with; nil means time.Now.
	Now func() time.Time
}

// Machine is what the service needs to know about one machine. Status is read and updated in
// place; the caller persists it after every call, and Save is called right after each ID
// of a created resource is recorded in it.
type Machine struct {
	// Name is the server name. Ports are named <Name>-<nameSuffix or index>, volumes
	// <Name>-root and <Name>-<device name>.
	Name   string
	Spec   *infrav1.OpenStackMachineSpec
	Status *infrav1.OpenStackMachineStatus
	// Owner is the cluster's ownership tag (cloud.ClusterTag); ClusterTags are the cluster's
	// other tags. Both go on the server, its ports and trunks.
	Owner       string
	ClusterTags []string
	// FailureDomain is the availability zone of the server; empty lets Nova choose.
	FailureDomain string
	// UserData is the bootstrap data as is (not base64).
	UserData []byte
	// NetworkID and SubnetIDs are the cluster network (OpenStackCluster status.network),
	// used by ports that name no network, and by the single port of a spec without ports.
	NetworkID string
	SubnetIDs []string
	// SecurityGroupIDs apply when neither a port nor the spec lists security groups: the
	// managed control-plane or worker group, if any.
	SecurityGroupIDs []string
}

// Result says whether a call finished its work. A zero Result is done.
type Result struct {
	// RequeueAfter, when positive, means OpenStack is still working: call again after it.
	RequeueAfter time.Duration
	// Reason says what is awaited, for conditions and logs.
	Reason string
	// ProviderID is set by Reconcile once the server is ACTIVE: openstack://<region>/<uuid>.
	ProviderID string
}

// Done reports whether nothing is left to wait for.
func (r Result) Done() bool { return r.RequeueAfter <= 0 }

func wait(d time.Duration, format string, args ...any) Result {
	return Result{RequeueAfter: d, Reason: fmt.Sprintf(format, args...)}
}

// ErrServerGone marks a server that status.instanceID names but Nova no longer has: it was
// deleted outside the provider. Reconcile does not create a replacement.
var ErrServerGone = errors.New("the server was deleted outside the provider")

// ServerError is a server Nova put in ERROR. Nova does not retry: the machine must be replaced.
type ServerError struct {
	ID, Name string
	// Fault is Nova's fault message, verbatim.
	Fault string
}

func (e *ServerError) Error() string {
	fault := e.Fault
	if fault == "" {
		fault = "Nova gave no fault message"
	}
	return fmt.Sprintf("server %s (%s) is in ERROR: %s. Nova does not retry a failed build: "+
		"fix the cause (quota, flavor, image, availability zone, server group), then delete the Machine so that a new server is made",
		e.Name, e.ID, fault)
}

// ProviderID is the Kubernetes provider ID of a server: openstack://<region>/<id>, or
// openstack:///<id> without a region. Cluster API links a Machine to its Node only when it
// equals the Node's providerID, which the cloud controller manager sets.
func ProviderID(region, serverID string) string {
	return fmt.Sprintf("openstack://%s/%s", region, serverID)
}

// Reconcile drives the machine towards an ACTIVE server: it resolves the spec once, then
// creates the ports, the volumes and the server, each found again by name before it is
// created so that a lost response never makes a duplicate. It records what it made in
// m.Status and leaves writing it to the caller, once per call: every resource is found again
// by name and tags, so nothing is lost if that write is. Once status.instanceID is set, a call
// costs exactly one GET of the server.
func (s *MachineService) Reconcile(ctx context.Context, m *Machine) (Result, error) {
	if err := s.Resolve(ctx, m); err != nil {
		return Result{}, err
	}
	if id := m.Status.InstanceID; id != nil {
		srv, err := s.Compute.GetServer(ctx, *id)
		if clients.IsNotFound(err) {
			// Nova no longer has it: the recorded state (ACTIVE) would be stale.
			m.Status.InstanceState = ptr.To(infrav1.InstanceStateDeleted)
			return Result{}, fmt.Errorf("server %s of machine %s: %w: delete the Machine to get a new one", *id, m.Name, ErrServerGone)
		}
		if err != nil {
			return Result{}, fmt.Errorf("reading server %s: %w", *id, err)
		}
		return s.Observe(m, srv)
	}
	found, err := s.findServers(ctx, m)
	if err != nil {
		return Result{}, err
	}
	switch len(found) {
	case 0:
	case 1:
		m.Status.InstanceID = &found[0].ID
		if err := s.adoptPorts(ctx, m, found[0].ID); err != nil {
			return Result{}, err
		}
		return s.Observe(m, &found[0])
	default:
		return Result{}, fmt.Errorf("%d servers are named %s with tag %s (%s): delete all but one",
			len(found), m.Name, m.Owner, serverIDs(found))
	}
	portIDs, err := s.ensurePorts(ctx, m)
	if err != nil {
		return Result{}, err
	}
	volumeIDs, res, err := s.ensureVolumes(ctx, m)
	if err != nil || !res.Done() {
		return res, err
	}
	return s.createServer(ctx, m, portIDs, volumeIDs)
}

// adoptPorts records the ports of an adopted server (its status was lost) in the order of the
// resolved ports, so what needs a machine's first port keeps working.
func (s *MachineService) adoptPorts(ctx context.Context, m *Machine, serverID string) error {
	if r := m.Status.Resources; r != nil && len(r.Ports) > 0 {
		return nil
	}
	attached, err := s.Network.ListPorts(ctx, ports.ListOpts{DeviceID: serverID})
	if err != nil {
		return fmt.Errorf("listing the ports of server %s: %w", serverID, err)
	}
	byName := map[string]string{}
	for _, p := range attached {
		byName[p.Name] = p.ID
	}
	res := m.resources()
	for _, want := range m.Status.Resolved.Ports {
		if id, ok := byName[want.Name]; ok {
			res.Ports = append(res.Ports, infrav1.PortStatus{ID: id})
		}
	}
	return nil
}

func (m *Machine) resources() *infrav1.MachineResources {
	if m.Status.Resources == nil {
		m.Status.Resources = &infrav1.MachineResources{}
	}
	return m.Status.Resources
}

// tags are the tags of the server: the cluster's, the machine's and the ownership tag.
func (m *Machine) tags(extra ...string) []string {
	return cloud.Tags(slices.Concat(m.ClusterTags, m.Spec.Tags, extra), m.Owner)
}

func (s *MachineService) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// backoff suggests when to look again at work started elapsed ago: a few seconds at first,
// then half the time spent so far, up to a minute.
func backoff(elapsed time.Duration) time.Duration {
	return min(max(elapsed/2, 5*time.Second), time.Minute)
}
