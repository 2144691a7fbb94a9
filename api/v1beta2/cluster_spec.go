package v1beta2

import (
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// OpenStackClusterSpec is the desired OpenStack infrastructure of a workload cluster.
// +kubebuilder:validation:XValidation:rule="!has(self.enableExternalNetwork) || self.enableExternalNetwork || ((!has(self.apiServer) || ((!has(self.apiServer.enableFloatingIP) || !self.apiServer.enableFloatingIP) && !has(self.apiServer.floatingIP))) && (!has(self.bastion) || !has(self.bastion.floatingIP)) && !has(self.managedRouter))",message="enableExternalNetwork: false forbids floating IPs (apiServer.enableFloatingIP, apiServer.floatingIP, bastion.floatingIP) and managedRouter.externalIPs: they all need an external network"
// +kubebuilder:validation:XValidation:rule="!has(self.managedSubnets) || size(self.managedSubnets) == 0 || (!has(self.network) && (!has(self.subnets) || size(self.subnets) == 0))",message="managedSubnets creates a new network: it cannot be combined with network or subnets, which select an existing one"
// +kubebuilder:validation:XValidation:rule="(!has(self.managedNetwork) && !has(self.managedRouter)) || (has(self.managedSubnets) && size(self.managedSubnets) > 0)",message="managedNetwork and managedRouter describe the network and router the provider creates: they need managedSubnets"
type OpenStackClusterSpec struct {
	// managedSubnets asks the provider to create a network with these subnets (at most one)
	// and a router to the external network. Empty means use network/subnets, or no network.
	// +kubebuilder:validation:MaxItems=1
	// +listType=atomic
	// +optional
	ManagedSubnets []SubnetSpec `json:"managedSubnets,omitempty"`

	// managedNetwork sets options of the network the provider creates.
	// +optional
	ManagedNetwork *ManagedNetwork `json:"managedNetwork,omitempty"`

	// managedRouter sets options of the router the provider creates.
	// +optional
	ManagedRouter *ManagedRouter `json:"managedRouter,omitempty"`

	// router is an existing router to use instead of creating one.
	// +optional
	Router *RouterParam `json:"router,omitempty"`

	// network is an existing network for the cluster's machines.
	// +optional
	Network *NetworkParam `json:"network,omitempty"`

	// subnets of network to use. Empty means all of the network's subnets.
	// +listType=atomic
	// +optional
	Subnets []SubnetParam `json:"subnets,omitempty"`

	// primarySubnet is the subnet machines' first addresses come from when there are several.
	// +optional
	PrimarySubnet *SubnetParam `json:"primarySubnet,omitempty"`

	// externalNetwork for floating IPs and the router gateway. Empty means the only network
	// marked router:external, if there is exactly one.
	// +optional
	ExternalNetwork *NetworkParam `json:"externalNetwork,omitempty"`

	// enableExternalNetwork: false turns off everything that needs an external network.
	// +optional
	EnableExternalNetwork *bool `json:"enableExternalNetwork,omitempty"`

	// apiServer says how the cluster's API server is reached.
	// +optional
	APIServer *APIServer `json:"apiServer,omitempty"`

	// managedSecurityGroups asks the provider to create and maintain security groups for
	// control-plane, worker and bastion machines.
	// +optional
	ManagedSecurityGroups *ManagedSecurityGroups `json:"managedSecurityGroups,omitempty"`

	// tags set on every OpenStack resource created for the cluster.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`

	// controlPlaneEndpoint is where the API server is reached. Set by the provider unless
	// the user sets it.
	// +optional
	ControlPlaneEndpoint *clusterv1.APIEndpoint `json:"controlPlaneEndpoint,omitempty"`

	// controlPlaneAvailabilityZones are the availability zones control-plane machines may use.
	// Empty means all of them.
	// +listType=set
	// +optional
	ControlPlaneAvailabilityZones []string `json:"controlPlaneAvailabilityZones,omitempty"`

	// controlPlaneOmitAvailabilityZone marks no failure domain as fit for the control plane,
	// so Nova chooses where control-plane machines go.
	// +optional
	ControlPlaneOmitAvailabilityZone *bool `json:"controlPlaneOmitAvailabilityZone,omitempty"`

	// bastion is an optional jump host with a floating IP.
	// +optional
	Bastion *Bastion `json:"bastion,omitempty"`

	// identityRef names the Secret with the cloud credentials.
	// +required
	IdentityRef OpenStackIdentityReference `json:"identityRef"`
}

// SubnetSpec describes a subnet the provider creates.
type SubnetSpec struct {
	// cidr of the subnet, e.g. 10.6.0.0/24.
	// +kubebuilder:validation:MinLength:=1
	// +required
	CIDR string `json:"cidr"`

	// dnsNameservers handed out by DHCP.
	// +listType=atomic
	// +optional
	DNSNameservers []string `json:"dnsNameservers,omitempty"`

	// allocationPools limits which addresses DHCP hands out.
	// +listType=atomic
	// +optional
	AllocationPools []AllocationPool `json:"allocationPools,omitempty"`
}

// AllocationPool is a range of addresses of a subnet.
type AllocationPool struct {
	// start of the range.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Start string `json:"start"`

	// end of the range.
	// +kubebuilder:validation:MinLength:=1
	// +required
	End string `json:"end"`
}

// ManagedNetwork sets options of the network the provider creates.
// +kubebuilder:validation:XValidation:rule="!has(self.mtu) || self.mtu >= 68",message="mtu must be at least 68"
type ManagedNetwork struct {
	// mtu of the network. Empty means the cloud's default.
	// +optional
	MTU *int32 `json:"mtu,omitempty"`

	// enablePortSecurity on the network. Empty means the cloud's default.
	// +optional
	EnablePortSecurity *bool `json:"enablePortSecurity,omitempty"`
}

// ManagedRouter sets options of the router the provider creates.
// +kubebuilder:validation:XValidation:rule="has(self.externalIPs)",message="externalIPs must be set when managedRouter is given"
type ManagedRouter struct {
	// externalIPs to request on the router's external gateway.
	// +kubebuilder:validation:MinItems=1
	// +listType=atomic
	// +optional
	ExternalIPs []ExternalRouterIPParam `json:"externalIPs,omitempty"`
}

// ExternalRouterIPParam is an address requested on the router's external gateway.
type ExternalRouterIPParam struct {
	// fixedIP to request. Empty means any address of subnet.
	// +optional
	FixedIP string `json:"fixedIP,omitempty"`

	// subnet of the external network to take the address from.
	// +required
	Subnet SubnetParam `json:"subnet"`
}

// APIServer says how the cluster's API server is reached.
type APIServer struct {
	// enableFloatingIP gives the API server a floating IP. Empty means yes, when an external
	// network is enabled.
	// +optional
	EnableFloatingIP *bool `json:"enableFloatingIP,omitempty"`

	// floatingIP is an address of the external network to use for the API server.
	// Empty means allocate one.
	// +optional
	FloatingIP *string `json:"floatingIP,omitempty"`

	// fixedIP is the API server's address on the cluster network when there is no floating IP.
	// +optional
	FixedIP *string `json:"fixedIP,omitempty"`

	// port the API server listens on. Empty means 6443.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=65535
	// +optional
	Port *int `json:"port,omitempty"`

	// managedLoadBalancer puts an Octavia load balancer in front of the control plane.
	// +optional
	ManagedLoadBalancer *APIServerLoadBalancer `json:"managedLoadBalancer,omitempty"`
}

// APIServerLoadBalancer configures the Octavia load balancer of the API server.
type APIServerLoadBalancer struct {
	// enabled creates the load balancer.
	// +kubebuilder:default:=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// additionalPorts are extra ports the load balancer forwards to control-plane machines.
	// +listType=set
	// +optional
	AdditionalPorts []int `json:"additionalPorts,omitempty"`

	// allowedCIDRs restricts who may connect. Empty means everyone.
	// +listType=set
	// +optional
	AllowedCIDRs []string `json:"allowedCIDRs,omitempty"`

	// provider is the Octavia provider, e.g. amphora or ovn. Empty means the cloud's default.
	// +optional
	Provider *string `json:"provider,omitempty"`

	// network for the load balancer's VIP. Empty means the cluster network.
	// +optional
	Network *NetworkParam `json:"network,omitempty"`

	// subnets of network for the VIP.
	// +listType=atomic
	// +optional
	Subnets []SubnetParam `json:"subnets,omitempty"`

	// availabilityZone of the load balancer.
	// +optional
	AvailabilityZone *string `json:"availabilityZone,omitempty"`

	// flavor is the name of the Octavia flavor.
	// +optional
	Flavor *string `json:"flavor,omitempty"`

	// monitor is the health monitor of the API server pool.
	// +optional
	Monitor *APIServerLoadBalancerMonitor `json:"monitor,omitempty"`
}

// APIServerLoadBalancerMonitor configures the health monitor of the API server pool.
type APIServerLoadBalancerMonitor struct {
	// delay between probes, in seconds. Empty means 10.
	// +kubebuilder:validation:Minimum:=0
	// +optional
	Delay int32 `json:"delay,omitempty"`

	// timeout of a probe, in seconds. Empty means 5.
	// +kubebuilder:validation:Minimum:=0
	// +optional
	Timeout int32 `json:"timeout,omitempty"`

	// maxRetries is how many successes mark a member healthy. Empty means 5.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=10
	// +optional
	MaxRetries int32 `json:"maxRetries,omitempty"`

	// maxRetriesDown is how many failures mark a member down. Empty means 3.
	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=10
	// +optional
	MaxRetriesDown int32 `json:"maxRetriesDown,omitempty"`
}

// ManagedSecurityGroupName names one of the managed security groups.
// +kubebuilder:validation:Enum=bastion;controlplane;worker
type ManagedSecurityGroupName string

// The managed security groups.
const (
	ManagedSecurityGroupBastion      ManagedSecurityGroupName = "bastion"
	ManagedSecurityGroupControlPlane ManagedSecurityGroupName = "controlplane"
	ManagedSecurityGroupWorker       ManagedSecurityGroupName = "worker"
)

// ManagedSecurityGroups configures the security groups the provider maintains.
type ManagedSecurityGroups struct {
	// allowAllInClusterTraffic opens all traffic between the cluster's machines.
	// +kubebuilder:default:=false
	// +optional
	AllowAllInClusterTraffic bool `json:"allowAllInClusterTraffic"`

	// clusterNodesSecurityGroupRules are added to the control-plane and worker groups.
	// +listType=map
	// +listMapKey=name
	// +optional
	AllNodesSecurityGroupRules []SecurityGroupRuleSpec `json:"clusterNodesSecurityGroupRules,omitempty"`

	// controlPlaneNodesSecurityGroupRules are added to the control-plane group.
	// +listType=map
	// +listMapKey=name
	// +optional
	ControlPlaneNodesSecurityGroupRules []SecurityGroupRuleSpec `json:"controlPlaneNodesSecurityGroupRules,omitempty"`

	// workerNodesSecurityGroupRules are added to the worker group.
	// +listType=map
	// +listMapKey=name
	// +optional
	WorkerNodesSecurityGroupRules []SecurityGroupRuleSpec `json:"workerNodesSecurityGroupRules,omitempty"`
}

// SecurityGroupRuleSpec is one rule of a managed security group.
// +kubebuilder:validation:XValidation:rule="(has(self.remoteGroupID) ? 1 : 0) + (has(self.remoteIPPrefix) ? 1 : 0) + (has(self.remoteManagedGroups) ? 1 : 0) <= 1",message="set at most one of remoteGroupID, remoteIPPrefix and remoteManagedGroups"
// +kubebuilder:validation:XValidation:rule="!has(self.portRangeMin) || !has(self.portRangeMax) || self.portRangeMin <= self.portRangeMax",message="portRangeMin must not be greater than portRangeMax"
type SecurityGroupRuleSpec struct {
	// name identifies the rule in the list. It is not sent to OpenStack.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Name string `json:"name"`

	// description of the rule.
	// +optional
	Description *string `json:"description,omitempty"`

	// direction of the traffic.
	// +kubebuilder:validation:Enum=ingress;egress
	// +required
	Direction string `json:"direction"`

	// etherType of the traffic. Empty means IPv4.
	// +kubebuilder:validation:Enum=IPv4;IPv6
	// +optional
	EtherType *string `json:"etherType,omitempty"`

	// portRangeMin is the lowest port matched.
	// +optional
	PortRangeMin *int32 `json:"portRangeMin,omitempty"`

	// portRangeMax is the highest port matched.
	// +optional
	PortRangeMax *int32 `json:"portRangeMax,omitempty"`

	// protocol matched: tcp, udp, icmp, vrrp or a number. Empty means any.
	// +optional
	Protocol *string `json:"protocol,omitempty"`

	// remoteGroupID matches traffic from this security group.
	// +optional
	RemoteGroupID *string `json:"remoteGroupID,omitempty"`

	// remoteIPPrefix matches traffic from this CIDR.
	// +optional
	RemoteIPPrefix *string `json:"remoteIPPrefix,omitempty"`

	// remoteManagedGroups matches traffic from these managed security groups.
	// +listType=set
	// +optional
	RemoteManagedGroups []ManagedSecurityGroupName `json:"remoteManagedGroups,omitempty"`
}

// Bastion is a jump host for reaching the cluster's machines.
// +kubebuilder:validation:XValidation:rule="(has(self.enabled) && !self.enabled) || has(self.spec)",message="spec is required when the bastion is enabled"
type Bastion struct {
	// enabled creates the bastion. Set it to false, and apply, before changing or removing the bastion.
	// +kubebuilder:default:=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// spec of the bastion server.
	// +optional
	Spec *OpenStackMachineSpec `json:"spec,omitempty"`

	// availabilityZone of the bastion server.
	// +optional
	AvailabilityZone *string `json:"availabilityZone,omitempty"`

	// floatingIP of the external network to give the bastion. Empty means allocate one.
	// +kubebuilder:validation:Format:=ipv4
	// +optional
	FloatingIP *string `json:"floatingIP,omitempty"`
}
