package controllers

import (
	"context"
	"time"

	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/compute"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud/networking"
)

// bastionName names the bastion server and is the key of its floating IP.
func bastionName(cluster *clusterv1.Cluster) string {
	return cloud.ClusterResourceName(cluster.Namespace, cluster.Name) + "-bastion"
}

// bastionMachine describes the bastion to the machine service. Its status lives in the
// cluster's status.bastion; storeBastion copies it back for the reconcile's patch.
func (s *clusterScope) bastionMachine(b *infrav1.Bastion, st *infrav1.OpenStackMachineStatus) (*compute.MachineService, *compute.Machine) {
	svc := &compute.MachineService{
		Compute: s.cloud.Compute, Network: s.cloud.Network, Image: s.cloud.Image, Volume: s.cloud.Volume, Region: s.cloud.Region,
	}
	m := &compute.Machine{
		Name: bastionName(s.cluster), Spec: b.Spec, Status: st,
		Owner: clusterTag(s.cluster), ClusterTags: s.osc.Spec.Tags,
		FailureDomain: ptr.Deref(b.AvailabilityZone, ""),
	}
	if n := s.osc.Status.Network; n != nil {
		m.NetworkID = n.ID
		for _, sub := range n.Subnets {
			m.SubnetIDs = append(m.SubnetIDs, sub.ID)
		}
	}
	if g := s.osc.Status.BastionSecurityGroup; g != nil {
		m.SecurityGroupIDs = []string{g.ID}
	}
	return svc, m
}

// loadBastion returns the bastion's state in the shape the machine service works on.
func (s *clusterScope) loadBastion() *infrav1.OpenStackMachineStatus {
	st := &infrav1.OpenStackMachineStatus{}
	if b := s.osc.Status.Bastion; b != nil {
		st.Resolved, st.Resources = b.Resolved, b.Resources
		if b.ID != "" {
			st.InstanceID = ptr.To(b.ID)
		}
	}
	return st
}

// storeBastion writes the machine service's view back into status.bastion.
func (s *clusterScope) storeBastion(st *infrav1.OpenStackMachineStatus) {
	b := s.osc.Status.Bastion
	if b == nil {
		b = &infrav1.BastionStatus{}
		s.osc.Status.Bastion = b
	}
	b.Name, b.Resolved, b.Resources = bastionName(s.cluster), st.Resolved, st.Resources
	b.ID = ptr.Deref(st.InstanceID, "")
	b.State = ptr.Deref(st.InstanceState, "")
	if s.osc.Spec.Bastion != nil && s.osc.Spec.Bastion.Spec != nil {
		b.SSHKeyName = s.osc.Spec.Bastion.Spec.SSHKeyName
	}
	for _, a := range st.Addresses {
		if a.Type == "InternalIP" && b.IP == "" {
			b.IP = a.Address
		}
	}
}

// reconcileBastion runs the bastion once the cluster is provisioned, with a floating IP when
// there is an external network; a disabled bastion is deleted.
func (s *clusterScope) reconcileBastion(ctx context.Context) (time.Duration, error) {
	if !networking.BastionEnabled(&s.osc.Spec) {
		if s.osc.Status.Bastion == nil && isCurrent(s.osc, infrav1.BastionReadyCondition) {
			return 0, nil // nothing to delete: no lookups in steady state
		}
		return s.deleteBastion(ctx)
	}
	st := s.loadBastion()
	svc, m := s.bastionMachine(s.osc.Spec.Bastion, st)
	res, err := svc.Reconcile(ctx, m)
	s.storeBastion(st)
	if err != nil || !res.Done() {
		return res.RequeueAfter, err
	}
	ext := s.osc.Status.ExternalNetwork
	if ext == nil || st.Resources == nil || len(st.Resources.Ports) == 0 || s.osc.Status.Bastion.FloatingIP != "" && isCurrent(s.osc, infrav1.BastionReadyCondition) {
		return 0, nil
	}
	net := s.networking()
	fip, err := net.EnsureFloatingIP(ctx, ext.ID, bastionName(s.cluster), ptr.Deref(s.osc.Spec.Bastion.FloatingIP, ""))
	if err != nil {
		return 0, err
	}
	if s.osc.Status.Bastion.FloatingIP != fip.FloatingIP {
		s.osc.Status.Bastion.FloatingIP = fip.FloatingIP // recorded before the association
		if err := s.patch(ctx); err != nil {
			return 0, err
		}
	}
	return 0, net.AssociateFloatingIP(ctx, fip, st.Resources.Ports[0].ID)
}

// deleteBastion removes the bastion server, its ports and volumes, and its floating IP (a
// user-supplied address is only disassociated). It returns a requeue delay until all is gone.
func (s *clusterScope) deleteBastion(ctx context.Context) (time.Duration, error) {
	b := s.osc.Spec.Bastion
	if s.osc.Status.Bastion == nil && b == nil {
		return 0, nil // never had one
	}
	if b == nil || b.Spec == nil {
		b = &infrav1.Bastion{Spec: &infrav1.OpenStackMachineSpec{}} // found by name: the spec is not needed
	}
	st := s.loadBastion()
	svc, m := s.bastionMachine(b, st)
	res, err := svc.Delete(ctx, m)
	if err != nil || !res.Done() {
		s.storeBastion(st)
		return res.RequeueAfter, err
	}
	if err := s.networking().DeleteFloatingIPs(ctx, bastionName(s.cluster), ptr.Deref(b.FloatingIP, "")); err != nil {
		return 0, err
	}
	s.osc.Status.Bastion = nil
	return 0, nil
}
