package v1beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// ClusterFinalizer lets the provider delete a cluster's OpenStack resources before the
// OpenStackCluster goes away.
const ClusterFinalizer = "openstackcluster.infrastructure.cluster.x-k8s.io"

// NetworkStatus is a Neutron network the cluster uses.
type NetworkStatus struct {
	// name of the network.
	// +required
	Name string `json:"name"`
	// id of the network.
	// +required
	ID string `json:"id"`
	// tags of the network.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
}

// Subnet is a Neutron subnet the cluster uses.
type Subnet struct {
	// name of the subnet.
	// +required
	Name string `json:"name"`
	// id of the subnet.
	// +required
	ID string `json:"id"`
	// cidr of the subnet.
	// +required
	CIDR string `json:"cidr"`
	// tags of the subnet.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
}

// NetworkStatusWithSubnets is a network and the subnets of it the cluster uses.
type NetworkStatusWithSubnets struct {
	NetworkStatus `json:",inline"`

	// subnets of the network the cluster uses.
	// +listType=atomic
	// +optional
	Subnets []Subnet `json:"subnets,omitempty"`
}

// Router is the Neutron router of the cluster network.
type Router struct {
	// name of the router.
	// +required
	Name string `json:"name"`
	// id of the router.
	// +required
	ID string `json:"id"`
	// tags of the router.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
	// ips of the router's external gateway.
	// +listType=set
	// +optional
	IPs []string `json:"ips,omitempty"`
}

// LoadBalancer is the Octavia load balancer of the API server.
type LoadBalancer struct {
	// name of the load balancer.
	// +required
	Name string `json:"name"`
	// id of the load balancer.
	// +required
	ID string `json:"id"`
	// ip is the address clients use: the floating IP, or the VIP without one.
	// +required
	IP string `json:"ip"`
	// internalIP is the VIP on the load balancer's network.
	// +required
	InternalIP string `json:"internalIP"`
	// allowedCIDRs in effect on the listeners.
	// +listType=set
	// +optional
	AllowedCIDRs []string `json:"allowedCIDRs,omitempty"`
	// tags of the load balancer.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
	// loadBalancerNetwork is the network of the VIP.
	// +optional
	LoadBalancerNetwork *NetworkStatusWithSubnets `json:"loadBalancerNetwork,omitempty"`
}

// SecurityGroupStatus is a managed security group.
type SecurityGroupStatus struct {
	// name of the security group.
	// +required
	Name string `json:"name"`
	// id of the security group.
	// +required
	ID string `json:"id"`
}

// BastionStatus is the observed bastion server.
type BastionStatus struct {
	// id of the server.
	// +optional
	ID string `json:"id,omitempty"`
	// name of the server.
	// +optional
	Name string `json:"name,omitempty"`
	// sshKeyName injected into the server.
	// +optional
	SSHKeyName string `json:"sshKeyName,omitempty"`
	// state of the server as Nova reports it.
	// +optional
	State InstanceState `json:"state,omitempty"`
	// ip of the server on the cluster network.
	// +optional
	IP string `json:"ip,omitempty"`
	// floatingIP of the server.
	// +optional
	FloatingIP string `json:"floatingIP,omitempty"`
	// resolved is the bastion spec with references resolved to IDs.
	// +optional
	Resolved *ResolvedMachineSpec `json:"resolved,omitempty"`
	// resources created for the bastion.
	// +optional
	Resources *MachineResources `json:"resources,omitempty"`
}

// ClusterInitialization is the provisioning state Cluster API reads (contract v1beta2).
type ClusterInitialization struct {
	// provisioned is true once network, security groups and the API endpoint are ready.
	// +optional
	Provisioned *bool `json:"provisioned,omitempty"`
}

// OpenStackClusterStatus is the observed OpenStack infrastructure of a cluster.
type OpenStackClusterStatus struct {
	// initialization says whether the infrastructure is provisioned.
	// +optional
	Initialization *ClusterInitialization `json:"initialization,omitempty"`

	// network of the cluster's machines.
	// +optional
	Network *NetworkStatusWithSubnets `json:"network,omitempty"`

	// externalNetwork used for floating IPs and the router gateway.
	// +optional
	ExternalNetwork *NetworkStatus `json:"externalNetwork,omitempty"`

	// router of the cluster network.
	// +optional
	Router *Router `json:"router,omitempty"`

	// apiServerManagedLoadBalancer is the API server's load balancer.
	// +optional
	APIServerLoadBalancer *LoadBalancer `json:"apiServerManagedLoadBalancer,omitempty"`

	// failureDomains are the Nova availability zones machines can be placed in.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	// +optional
	FailureDomains []clusterv1.FailureDomain `json:"failureDomains,omitempty"`

	// controlPlaneSecurityGroup is the managed group of control-plane machines.
	// +optional
	ControlPlaneSecurityGroup *SecurityGroupStatus `json:"controlPlaneSecurityGroup,omitempty"`

	// workerSecurityGroup is the managed group of worker machines.
	// +optional
	WorkerSecurityGroup *SecurityGroupStatus `json:"workerSecurityGroup,omitempty"`

	// bastionSecurityGroup is the managed group of the bastion.
	// +optional
	BastionSecurityGroup *SecurityGroupStatus `json:"bastionSecurityGroup,omitempty"`

	// bastion is the observed bastion server.
	// +optional
	Bastion *BastionStatus `json:"bastion,omitempty"`

	// conditions describe each part of the infrastructure; Ready summarises them.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=openstackclusters,scope=Namespaced,categories=cluster-api,shortName=osc
// +kubebuilder:metadata:labels="cluster.x-k8s.io/v1beta2=v1beta2"
// +kubebuilder:printcolumn:name="Cluster",type="string",JSONPath=".metadata.labels['cluster\\.x-k8s\\.io/cluster-name']",description="Cluster this belongs to"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status",description="Whether the infrastructure is ready"
// +kubebuilder:printcolumn:name="Reason",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].reason",description="Why it is (not) ready",priority=1
// +kubebuilder:printcolumn:name="Network",type="string",JSONPath=".status.network.id",description="Cluster network"
// +kubebuilder:printcolumn:name="Endpoint",type="string",JSONPath=".spec.controlPlaneEndpoint.host",description="API server address"
// +kubebuilder:printcolumn:name="Bastion IP",type="string",JSONPath=".status.bastion.floatingIP",description="Bastion floating IP"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// OpenStackCluster is the OpenStack infrastructure of a Cluster API cluster.
type OpenStackCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired infrastructure.
	// +optional
	Spec OpenStackClusterSpec `json:"spec,omitempty"`
	// status is the observed infrastructure.
	// +optional
	Status OpenStackClusterStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// OpenStackClusterList is a list of OpenStackClusters.
type OpenStackClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OpenStackCluster `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OpenStackCluster{}, &OpenStackClusterList{})
}

// GetConditions returns the cluster's conditions.
func (c *OpenStackCluster) GetConditions() []metav1.Condition { return c.Status.Conditions }

// SetConditions replaces the cluster's conditions.
func (c *OpenStackCluster) SetConditions(conds []metav1.Condition) { c.Status.Conditions = conds }
