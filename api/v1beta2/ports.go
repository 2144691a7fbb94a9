package v1beta2

// PortOpts describes one Neutron port of a server.
type PortOpts struct {
	// network of the port. Empty means the cluster's network.
	// +optional
	Network *NetworkParam `json:"network,omitempty"`

	// description of the port.
	// +optional
	Description *string `json:"description,omitempty"`

	// nameSuffix is appended to the server name to name the port. Empty means the port's index.
	// +optional
	NameSuffix *string `json:"nameSuffix,omitempty"`

	// fixedIPs requested for the port. Empty means one address from each subnet Neutron picks.
	// +listType=atomic
	// +optional
	FixedIPs []FixedIP `json:"fixedIPs,omitempty"`

	// securityGroups of the port. Empty means the machine's security groups.
	// +listType=atomic
	// +optional
	SecurityGroups []SecurityGroupParam `json:"securityGroups,omitempty"`

	// tags of the port, in addition to the machine's and the cluster's tags.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`

	// trunk creates a trunk with this port as parent. Empty means the machine's trunk setting.
	// +optional
	Trunk *bool `json:"trunk,omitempty"`

	ResolvedPortSpecFields `json:",inline"`
}

// FixedIP requests an address on a port.
type FixedIP struct {
	// subnet to take the address from, by ID or filter.
	// +optional
	Subnet *SubnetParam `json:"subnet,omitempty"`

	// ipAddress to request. Empty means any free address of the subnet.
	// +optional
	IPAddress *string `json:"ipAddress,omitempty"`
}

// AddressPair is an extra address a port may send from.
type AddressPair struct {
	// ipAddress or CIDR allowed on the port.
	// +kubebuilder:validation:MinLength:=1
	// +required
	IPAddress string `json:"ipAddress"`

	// macAddress allowed with it. Empty means the port's MAC.
	// +optional
	MACAddress *string `json:"macAddress,omitempty"`
}

// BindingProfile is the subset of Neutron's binding:profile we support.
// +kubebuilder:validation:MinProperties:=1
type BindingProfile struct {
	// ovsHWOffload enables OVS hardware offload.
	// +optional
	OVSHWOffload *bool `json:"ovsHWOffload,omitempty"`

	// trustedVF marks the port as a trusted SR-IOV virtual function.
	// +optional
	TrustedVF *bool `json:"trustedVF,omitempty"`
}

// ValueSpec is a raw key/value passed in the Neutron port create request, for extensions
// this API does not model.
type ValueSpec struct {
	// name of this value spec, unique in the list.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Name string `json:"name"`
	// key in the request body.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Key string `json:"key"`
	// value in the request body.
	// +required
	Value string `json:"value"`
}

// ResolvedPortSpecFields are the port options that need no lookup.
type ResolvedPortSpecFields struct {
	// adminStateUp sets the port's administrative state.
	// +optional
	AdminStateUp *bool `json:"adminStateUp,omitempty"`

	// macAddress of the port. Empty means Neutron picks one.
	// +optional
	MACAddress *string `json:"macAddress,omitempty"`

	// allowedAddressPairs of the port. These may change on a running machine.
	// +listType=atomic
	// +optional
	AllowedAddressPairs []AddressPair `json:"allowedAddressPairs,omitempty"`

	// hostID binds the port to a specific hypervisor.
	// +optional
	HostID *string `json:"hostID,omitempty"`

	// vnicType of the port: normal, direct, macvtap, ...
	// +optional
	VNICType *string `json:"vnicType,omitempty"`

	// profile is the port's binding profile.
	// +optional
	Profile *BindingProfile `json:"profile,omitempty"`

	// enablePortSecurity enables or disables port security.
	// +optional
	EnablePortSecurity *bool `json:"enablePortSecurity,omitempty"`

	// propagateUplinkStatus propagates the physical link status to the VM.
	// +optional
	PropagateUplinkStatus *bool `json:"propagateUplinkStatus,omitempty"`

	// valueSpecs are raw extra attributes for the port create request.
	// +listType=map
	// +listMapKey=name
	// +optional
	ValueSpecs []ValueSpec `json:"valueSpecs,omitempty"`
}

// ResolvedPortSpec is a port with every reference turned into IDs.
type ResolvedPortSpec struct {
	// name of the port.
	// +required
	Name string `json:"name"`

	// description of the port.
	// +optional
	Description string `json:"description,omitempty"`

	// networkID of the port.
	// +required
	NetworkID string `json:"networkID"`

	// fixedIPs requested on the port.
	// +listType=atomic
	// +optional
	FixedIPs []ResolvedFixedIP `json:"fixedIPs,omitempty"`

	// securityGroups of the port, by ID.
	// +listType=atomic
	// +optional
	SecurityGroups []string `json:"securityGroups,omitempty"`

	// tags of the port.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`

	// trunk says whether a trunk is created with this port as parent.
	// +optional
	Trunk *bool `json:"trunk,omitempty"`

	ResolvedPortSpecFields `json:",inline"`
}

// ResolvedFixedIP is a fixed IP request with its subnet as an ID.
type ResolvedFixedIP struct {
	// subnet ID.
	// +optional
	Subnet *string `json:"subnet,omitempty"`

	// ipAddress requested.
	// +optional
	IPAddress *string `json:"ipAddress,omitempty"`
}

// PortStatus records a port this provider created.
type PortStatus struct {
	// id of the port.
	// +required
	ID string `json:"id"`
}
