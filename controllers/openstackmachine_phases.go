package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cluster-api/util"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/compute"
)

// reconcileNormal waits for the cluster's infrastructure and the bootstrap data, then drives
// the server to ACTIVE and, for control-plane machines, into the API load balancer.
func (r *OpenStackMachineReconciler) reconcileNormal(ctx context.Context, s *machineScope) (ctrl.Result, error) {
	if err := s.loadCluster(ctx); err != nil {
		return ctrl.Result{}, err
	}
	if s.osc == nil || s.osc.Status.Initialization == nil || !ptr.Deref(s.osc.Status.Initialization.Provisioned, false) {
		markFalse(s.osm, infrav1.InstanceReadyCondition, infrav1.WaitingForClusterInfrastructureReason, "waiting for the OpenStackCluster to be provisioned")
		return ctrl.Result{}, nil // the OpenStackCluster watch wakes us
	}
	secretName := s.machine.Spec.Bootstrap.DataSecretName
	if secretName == nil {
		markFalse(s.osm, infrav1.InstanceReadyCondition, infrav1.WaitingForBootstrapDataReason, "waiting for the Machine's bootstrap data secret")
		return ctrl.Result{}, nil // the Machine watch wakes us
	}
	if err := s.connect(ctx); err != nil {
		return ctrl.Result{RequeueAfter: markError(s.osm, infrav1.InstanceReadyCondition, err)}, nil
	}
	svc, m := s.service()
	if s.osm.Status.InstanceID == nil {
		data, err := s.bootstrapData(ctx, *secretName)
		if err != nil {
			markFalse(s.osm, infrav1.InstanceReadyCondition, infrav1.WaitingForBootstrapDataReason, err.Error())
			return ctrl.Result{RequeueAfter: userFixRequeue}, nil
		}
		m.UserData = data
	}
	res, err := svc.Reconcile(ctx, m)
	if err != nil {
		return ctrl.Result{RequeueAfter: s.markInstanceError(err)}, nil
	}
	if !res.Done() {
		markFalse(s.osm, infrav1.InstanceReadyCondition, infrav1.ProvisioningReason, res.Reason)
		return ctrl.Result{RequeueAfter: res.RequeueAfter}, nil
	}
	if s.osm.Spec.ProviderID == nil || *s.osm.Spec.ProviderID != res.ProviderID {
		s.osm.Spec.ProviderID = ptr.To(res.ProviderID)
		s.event("Normal", "Provisioned", "server "+res.ProviderID+" is ACTIVE")
	}
	s.osm.Status.Initialization = &infrav1.MachineInitialization{Provisioned: ptr.To(true)}
	markTrue(s.osm, infrav1.InstanceReadyCondition, "")
	wait, err := s.reconcileAPIServerMember(ctx, m)
	if err != nil {
		return ctrl.Result{RequeueAfter: markError(s.osm, infrav1.APIServerMemberReadyCondition, err)}, nil
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

// markInstanceError explains a failed server: Nova's fault verbatim, or a server deleted
// outside the provider (which is not recreated behind the user's back).
func (s *machineScope) markInstanceError(err error) time.Duration {
	var serverErr *compute.ServerError
	switch {
	case errors.Is(err, compute.ErrServerGone):
		markFalse(s.osm, infrav1.InstanceReadyCondition, infrav1.InstanceNotFoundReason,
			err.Error()+": delete the Machine to get a new one (a MachineHealthCheck does this for you)")
		return 0
	case errors.As(err, &serverErr):
		markFalse(s.osm, infrav1.InstanceReadyCondition, infrav1.InstanceErrorReason, err.Error())
		return 0
	}
	return markError(s.osm, infrav1.InstanceReadyCondition, err)
}

// bootstrapData reads the Machine's bootstrap data secret.
func (s *machineScope) bootstrapData(ctx context.Context, name string) ([]byte, error) {
	secret := &corev1.Secret{}
	if err := s.reconciler.Client.Get(ctx, client.ObjectKey{Namespace: s.osm.Namespace, Name: name}, secret); err != nil {
		return nil, fmt.Errorf("reading bootstrap data secret %s: %w", name, err)
	}
	data, ok := secret.Data["value"]
	if !ok || len(data) == 0 {
		return nil, fmt.Errorf("bootstrap data secret %s has no 'value' key", name)
	}
	return data, nil
}

// reconcileAPIServerMember puts a control-plane machine behind the API endpoint: a member of
// every pool of the load balancer, or the holder of the API floating IP when there is no load
// balancer. Done once per spec; steady state costs nothing.
func (s *machineScope) reconcileAPIServerMember(ctx context.Context, m *compute.Machine) (time.Duration, error) {
	if !util.IsControlPlaneMachine(s.machine) {
		markTrue(s.osm, infrav1.APIServerMemberReadyCondition, "not a control-plane machine")
		return 0, nil
	}
	if isCurrent(s.osm, infrav1.APIServerMemberReadyCondition) {
		return 0, nil
	}
	spec, status := &s.osc.Spec, &s.osc.Status
	switch {
	case loadBalancerEnabled(spec) && status.APIServerLoadBalancer != nil:
		res, err := compute.AddMember(ctx, s.cloud.LoadBalancer, s.member(m))
		if err != nil || !res.Done() {
			if err == nil {
				markFalse(s.osm, infrav1.APIServerMemberReadyCondition, infrav1.ProvisioningReason, res.Reason)
			}
			return res.RequeueAfter, err
		}
	case !loadBalancerEnabled(spec) && wantFloatingIP(spec, status) && s.osm.Status.Resources != nil && len(s.osm.Status.Resources.Ports) > 0:
		if err := s.holdAPIFloatingIP(ctx); err != nil {
			return 0, err
		}
	}
	markTrue(s.osm, infrav1.APIServerMemberReadyCondition, "")
	return 0, nil
}

func (s *machineScope) member(m *compute.Machine) compute.Member {
	lb := s.osc.Status.APIServerLoadBalancer
	port := apiServerPort(&s.osc.Spec)
	ports := append([]int{port}, s.osc.Spec.APIServer.ManagedLoadBalancer.AdditionalPorts...)
	var cidrs []string
	if n := s.osc.Status.Network; n != nil {
		for _, sub := range n.Subnets {
			cidrs = append(cidrs, sub.CIDR)
		}
	}
	return compute.Member{
		LoadBalancerID: lb.ID, LoadBalancerName: lb.Name, Ports: ports,
		Name: s.osm.Name, IP: compute.InternalIP(s.osm.Status.Addresses, cidrs), Tags: cloud.Tags(s.osc.Spec.Tags, m.Owner),
	}
}

// holdAPIFloatingIP associates the cluster's API floating IP with this machine's first port,
// unless another port holds it already.
func (s *machineScope) holdAPIFloatingIP(ctx context.Context) error {
	net := networkingFor(s.cluster, s.osc, s.cloud, nil)
	fip, err := net.EnsureFloatingIP(ctx, s.osc.Status.ExternalNetwork.ID, apiServerName(s.cluster), ptr.Deref(apiServerFloatingIP(&s.osc.Spec), ""))
	if err != nil {
		return err
	}
	if fip.PortID != "" {
		return nil
	}
	return net.AssociateFloatingIP(ctx, fip, s.osm.Status.Resources.Ports[0].ID)
}

// reconcileDelete takes a control-plane machine out of the load balancer, deletes the server,
// its ports, trunks and volumes, and only then the finalizer.
func (r *OpenStackMachineReconciler) reconcileDelete(ctx context.Context, s *machineScope) (ctrl.Result, error) {
	if err := s.loadCluster(ctx); err != nil {
		return ctrl.Result{}, err
	}
	if s.osc == nil && s.osm.Spec.IdentityRef == nil {
		markFalse(s.osm, infrav1.ReadyCondition, infrav1.DeletionFailedReason,
			"the OpenStackCluster is gone and the machine has no identityRef: its server cannot be reached; delete it by hand and remove the finalizer")
		return ctrl.Result{}, nil
	}
	if s.osc == nil {
		s.osc = &infrav1.OpenStackCluster{}
		s.osc.Namespace, s.osc.Name = s.cluster.Namespace, s.cluster.Spec.InfrastructureRef.Name
	}
	if err := s.connect(ctx); err != nil {
		reason, msg, requeue := explain(err)
		markFalse(s.osm, infrav1.ReadyCondition, reason, "cannot delete the server: "+msg)
		return ctrl.Result{RequeueAfter: requeue}, nil
	}
	svc, m := s.service()
	if util.IsControlPlaneMachine(s.machine) && s.osc.Status.APIServerLoadBalancer != nil && loadBalancerEnabled(&s.osc.Spec) {
		res, err := compute.RemoveMember(ctx, s.cloud.LoadBalancer, s.member(m))
		if err != nil || !res.Done() {
			return s.deleting(err, res, "removing the machine from the API load balancer")
		}
	}
	res, err := svc.Delete(ctx, m)
	if err != nil || !res.Done() {
		return s.deleting(err, res, "deleting the server")
	}
	s.event("Normal", "Deleted", "deleted the server and its ports and volumes")
	controllerutil.RemoveFinalizer(s.osm, infrav1.MachineFinalizer)
	return ctrl.Result{}, nil
}

func (s *machineScope) deleting(err error, res compute.Result, what string) (ctrl.Result, error) {
	if err != nil {
		reason, msg, requeue := explain(err)
		if reason == infrav1.TransientErrorReason {
			reason = infrav1.DeletingReason
		}
		markFalse(s.osm, infrav1.ReadyCondition, reason, what+": "+msg)
		return ctrl.Result{RequeueAfter: requeue}, nil
	}
	markFalse(s.osm, infrav1.ReadyCondition, infrav1.DeletingReason, what+": "+res.Reason)
	return ctrl.Result{RequeueAfter: res.RequeueAfter}, nil
}
