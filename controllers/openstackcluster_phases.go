package controllers

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/compute"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/loadbalancer"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/networking"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// defaultAPIServerPort is the API server port when spec.apiServer.port is unset.
const defaultAPIServerPort = 6443

// phase is one step of the cluster's infrastructure, with the condition that reports it. run
// returns how long to wait before checking again while OpenStack is still working.
type phase struct {
	condition string
	run       func(context.Context) (time.Duration, error)
}

// reconcileNormal runs the phases in order and stops at the first that is not done.
func (r *OpenStackClusterReconciler) reconcileNormal(ctx context.Context, s *clusterScope) (ctrl.Result, error) {
	if wait, err := s.connect(ctx); err != nil {
		s.log.Info("cannot connect to OpenStack", "reason", err.Error())
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	phases := []phase{
		{infrav1.NetworkReadyCondition, s.reconcileNetwork},
		{infrav1.RouterReadyCondition, s.reconcileRouter},
		{infrav1.SecurityGroupsReadyCondition, s.reconcileSecurityGroups},
		{infrav1.APIEndpointReadyCondition, s.reconcileAPIEndpoint},
		{infrav1.FailureDomainsReadyCondition, s.reconcileFailureDomains},
		{infrav1.BastionReadyCondition, s.reconcileBastion}, // after provisioning, as machines need nothing of it
	}
	for i, p := range phases {
		wait, err := p.run(ctx)
		if err != nil {
			requeue := markError(s.osc, p.condition, err)
			s.log.Info("phase failed", "condition", p.condition, "reason", err.Error())
			markWaiting(s.osc, phases[i+1:], p.condition)
			return ctrl.Result{RequeueAfter: requeue}, nil
		}
		if wait > 0 {
			markFalse(s.osc, p.condition, infrav1.ProvisioningReason, fmt.Sprintf("OpenStack is still working; checking again in %s", wait))
			markWaiting(s.osc, phases[i+1:], p.condition)
			return ctrl.Result{RequeueAfter: wait}, nil
		}
		markTrue(s.osc, p.condition, "")
		if p.condition == infrav1.FailureDomainsReadyCondition {
			s.osc.Status.Initialization = &infrav1.ClusterInitialization{Provisioned: ptr.To(true)}
		}
	}
	if !networking.BastionEnabled(&s.osc.Spec) {
		setCondition(s.osc, infrav1.BastionReadyCondition, metav1.ConditionTrue, infrav1.DisabledReason, "no bastion is wanted")
	}
	return ctrl.Result{}, nil
}

// markWaiting gives phases that have never run a condition saying what they wait for.
func markWaiting(obj conditionsObject, rest []phase, blocker string) {
	for _, p := range rest {
		if !isCurrent(obj, p.condition) {
			markFalse(obj, p.condition, infrav1.NotReadyReason, "waiting for "+blocker)
		}
	}
}

// clusterTag marks every OpenStack resource made for a cluster. It and the resources' names
// come from the Cluster, not the OpenStackCluster: a ClusterClass names the OpenStackCluster
// with a random suffix, and users, the cloud controller manager and other tools know the
// Cluster's name.
func clusterTag(cluster *clusterv1.Cluster) string {
	return cloud.ClusterTag(cluster.Namespace, cluster.Name)
}

// networkingFor is the Neutron service of a cluster; save may be nil.
func networkingFor(cluster *clusterv1.Cluster, osc *infrav1.OpenStackCluster, c *scope.Scope, save func(context.Context) error) *networking.Service {
	owner := clusterTag(cluster)
	return &networking.Service{
		Net: c.Network, Name: cloud.ClusterResourceName(cluster.Namespace, cluster.Name), Owner: owner,
		Tags: cloud.Tags(osc.Spec.Tags, owner), Save: save,
	}
}

// apiServerName names the API load balancer and is the key of the API floating IP.
func apiServerName(cluster *clusterv1.Cluster) string {
	return cloud.ClusterResourceName(cluster.Namespace, cluster.Name) + "-kubeapi"
}

func (s *clusterScope) networking() *networking.Service {
	svc := networkingFor(s.cluster, s.osc, s.cloud, s.patch)
	svc.Event = func(reason, msg string) { s.event("Normal", reason, msg) } // only creations
	return svc
}

func (s *clusterScope) loadBalancer() *loadbalancer.Service {
	return &loadbalancer.Service{
		LB: s.cloud.LoadBalancer, Net: s.networking(), Name: apiServerName(s.cluster),
		Tags: cloud.Tags(s.osc.Spec.Tags, clusterTag(s.cluster)),
		Event: func(reason, msg string) {
			typ := "Warning" // a provider or flavor that does not exist
			if reason == "LoadBalancerCreated" {
				typ = "Normal"
			}
			s.event(typ, reason, msg)
		},
		Save: s.patch,
	}
}

func (s *clusterScope) reconcileNetwork(ctx context.Context) (time.Duration, error) {
	net := s.networking()
	if err := net.ReconcileExternalNetwork(ctx, &s.osc.Spec, &s.osc.Status); err != nil {
		return 0, err
	}
	return 0, net.ReconcileNetwork(ctx, &s.osc.Spec, &s.osc.Status)
}

func (s *clusterScope) reconcileRouter(ctx context.Context) (time.Duration, error) {
	return 0, s.networking().ReconcileRouter(ctx, &s.osc.Spec, &s.osc.Status)
}

func (s *clusterScope) reconcileSecurityGroups(ctx context.Context) (time.Duration, error) {
	changed := !isCurrent(s.osc, infrav1.SecurityGroupsReadyCondition)
	return 0, s.networking().ReconcileSecurityGroups(ctx, &s.osc.Spec, &s.osc.Status, apiServerPort(&s.osc.Spec), changed)
}

func (s *clusterScope) reconcileFailureDomains(ctx context.Context) (time.Duration, error) {
	zones, err := s.cloud.AvailabilityZones(ctx)
	if err != nil {
		return 0, err
	}
	s.osc.Status.FailureDomains = compute.FailureDomains(zones, &s.osc.Spec)
	return 0, nil
}

// reconcileAPIEndpoint makes the API server reachable (load balancer, floating IP, fixed IP or
// the user's endpoint) and sets spec.controlPlaneEndpoint unless the user did.
func (s *clusterScope) reconcileAPIEndpoint(ctx context.Context) (time.Duration, error) {
	spec, status := &s.osc.Spec, &s.osc.Status
	port := apiServerPort(spec)
	var host string
	switch {
	case loadBalancerEnabled(spec):
		wait, err := s.reconcileLoadBalancer(ctx, port)
		if err != nil || wait > 0 {
			return wait, err
		}
		host = status.APIServerLoadBalancer.IP
	case wantFloatingIP(spec, status):
		// The control-plane machine controller associates it with the first control-plane port.
		fip, err := s.networking().EnsureFloatingIP(ctx, status.ExternalNetwork.ID, apiServerName(s.cluster), ptr.Deref(apiServerFloatingIP(spec), ""))
		if err != nil {
			return 0, err
		}
		host = fip.FloatingIP
	case spec.APIServer != nil && spec.APIServer.FixedIP != nil:
		host = *spec.APIServer.FixedIP
	case userEndpoint(spec):
		return 0, nil
	default:
		return 0, cloud.Invalid("the API server has no endpoint: enable apiServer.managedLoadBalancer, give it a floating IP " +
			"(needs an external network), or set apiServer.fixedIP or controlPlaneEndpoint")
	}
	if !userEndpoint(spec) {
		// Written at once, so no one ever sees Ready before the endpoint it announces.
		spec.ControlPlaneEndpoint = &clusterv1.APIEndpoint{Host: host, Port: int32(port)}
		return 0, s.patch(ctx)
	}
	return 0, nil
}

func (s *clusterScope) reconcileLoadBalancer(ctx context.Context, port int) (time.Duration, error) {
	status := &s.osc.Status
	lb := s.loadBalancer()
	// Steady state: one GET, unless the effective allow list changed (e.g. a new bastion address).
	allowed := []string(nil)
	if lbSpec := s.osc.Spec.APIServer.ManagedLoadBalancer; lbSpec != nil {
		allowed = effectiveAllowedCIDRs(lbSpec.AllowedCIDRs, status)
	}
	if isCurrent(s.osc, infrav1.APIEndpointReadyCondition) && status.APIServerLoadBalancer != nil &&
		slices.Equal(allowed, status.APIServerLoadBalancer.AllowedCIDRs) {
		if ok, err := lb.Check(ctx, status); err != nil || ok {
			return 0, err
		}
	}
	d, err := s.desiredLoadBalancer(ctx, port)
	if err != nil {
		return 0, err
	}
	return lb.Reconcile(ctx, d, status)
}

func (s *clusterScope) desiredLoadBalancer(ctx context.Context, port int) (loadbalancer.Desired, error) {
	spec, status := &s.osc.Spec, &s.osc.Status
	lbSpec := spec.APIServer.ManagedLoadBalancer
	d := loadbalancer.Desired{Spec: lbSpec, Ports: append([]int{port}, lbSpec.AdditionalPorts...), Network: status.Network}
	switch {
	case lbSpec.Network != nil:
		n, err := networking.ResolveNetwork(ctx, s.cloud.Network, *lbSpec.Network)
		if err != nil {
			return d, fmt.Errorf("apiServer.managedLoadBalancer.network: %w", err)
		}
		d.Network = &infrav1.NetworkStatusWithSubnets{NetworkStatus: infrav1.NetworkStatus{ID: n.ID, Name: n.Name, Tags: n.Tags}}
		for i, p := range lbSpec.Subnets {
			sub, err := networking.ResolveSubnet(ctx, s.cloud.Network, p, n.ID)
			if err != nil {
				return d, fmt.Errorf("apiServer.managedLoadBalancer.subnets[%d]: %w", i, err)
			}
			d.Network.Subnets = append(d.Network.Subnets, infrav1.Subnet{ID: sub.ID, Name: sub.Name, CIDR: sub.CIDR, Tags: sub.Tags})
		}
	case status.Network == nil || len(status.Network.Subnets) == 0:
		return d, cloud.Invalid("the API load balancer needs a network: set managedSubnets, network, or apiServer.managedLoadBalancer.network")
	}
	if len(d.Network.Subnets) == 0 {
		return d, cloud.Invalid("apiServer.managedLoadBalancer.network needs subnets for the VIP")
	}
	d.SubnetID = d.Network.Subnets[0].ID
	if wantFloatingIP(spec, status) {
		d.ExternalNetworkID = status.ExternalNetwork.ID
		d.FloatingIP = ptr.Deref(apiServerFloatingIP(spec), "")
	}
	d.AllowedCIDRs = effectiveAllowedCIDRs(lbSpec.AllowedCIDRs, status)
	return d, nil
}

// effectiveAllowedCIDRs adds the bastion's and the router's addresses to a non-empty allow
// list, so the bastion and the nodes (whose traffic to the floating IP leaves through the
// router) can still reach the API server.
func effectiveAllowedCIDRs(allowed []string, status *infrav1.OpenStackClusterStatus) []string {
	if len(allowed) == 0 {
		return nil
	}
	out := append([]string{}, allowed...)
	add := func(ip string) {
		if a, err := netip.ParseAddr(ip); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()).String())
		}
	}
	if status.Bastion != nil {
		add(status.Bastion.FloatingIP)
	}
	if status.Router != nil {
		for _, ip := range status.Router.IPs {
			add(ip)
		}
	}
	return out
}

func apiServerPort(spec *infrav1.OpenStackClusterSpec) int {
	if spec.APIServer != nil && spec.APIServer.Port != nil && *spec.APIServer.Port != 0 {
		return *spec.APIServer.Port
	}
	return defaultAPIServerPort
}

func apiServerFloatingIP(spec *infrav1.OpenStackClusterSpec) *string {
	if spec.APIServer == nil {
		return nil
	}
	return spec.APIServer.FloatingIP
}

func loadBalancerEnabled(spec *infrav1.OpenStackClusterSpec) bool {
	return spec.APIServer != nil && spec.APIServer.ManagedLoadBalancer != nil &&
		ptr.Deref(spec.APIServer.ManagedLoadBalancer.Enabled, true)
}

// wantFloatingIP: the API server gets a floating IP unless it is turned off or there is no
// external network to take it from.
func wantFloatingIP(spec *infrav1.OpenStackClusterSpec, status *infrav1.OpenStackClusterStatus) bool {
	if status.ExternalNetwork == nil {
		return false
	}
	return spec.APIServer == nil || ptr.Deref(spec.APIServer.EnableFloatingIP, true)
}

func userEndpoint(spec *infrav1.OpenStackClusterSpec) bool {
	return spec.ControlPlaneEndpoint != nil && spec.ControlPlaneEndpoint.Host != ""
}
