package v1beta2

// NeutronTag is a tag on a Neutron resource.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:Pattern:="^[^,]+$"
type NeutronTag string

// FilterByNeutronTags selects Neutron resources by their tags.
type FilterByNeutronTags struct {
	// tags: the resource must carry all of these tags.
	// +listType=set
	// +optional
	Tags []NeutronTag `json:"tags,omitempty"`

	// tagsAny: the resource must carry at least one of these tags.
	// +listType=set
	// +optional
	TagsAny []NeutronTag `json:"tagsAny,omitempty"`

	// notTags: the resource must not carry all of these tags together.
	// +listType=set
	// +optional
	NotTags []NeutronTag `json:"notTags,omitempty"`

	// notTagsAny: the resource must carry none of these tags.
	// +listType=set
	// +optional
	NotTagsAny []NeutronTag `json:"notTagsAny,omitempty"`
}

// NetworkFilter selects a Neutron network by its attributes.
// +kubebuilder:validation:MinProperties:=1
type NetworkFilter struct {
	// name of the network.
	// +optional
	Name string `json:"name,omitempty"`
	// description of the network.
	// +optional
	Description string `json:"description,omitempty"`
	// projectID owning the network.
	// +optional
	ProjectID string `json:"projectID,omitempty"`

	FilterByNeutronTags `json:",inline"`
}

// NetworkParam names a Neutron network by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type NetworkParam struct {
	// id of the network.
	// +kubebuilder:validation:Format:=uuid
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one network.
	// +optional
	Filter *NetworkFilter `json:"filter,omitempty"`
}

// SubnetFilter selects a Neutron subnet by its attributes.
// +kubebuilder:validation:MinProperties:=1
type SubnetFilter struct {
	// name of the subnet.
	// +optional
	Name string `json:"name,omitempty"`
	// description of the subnet.
	// +optional
	Description string `json:"description,omitempty"`
	// projectID owning the subnet.
	// +optional
	ProjectID string `json:"projectID,omitempty"`
	// ipVersion of the subnet: 4 or 6.
	// +optional
	IPVersion int32 `json:"ipVersion,omitempty"`
	// gatewayIP of the subnet.
	// +optional
	GatewayIP string `json:"gatewayIP,omitempty"`
	// cidr of the subnet.
	// +optional
	CIDR string `json:"cidr,omitempty"`
	// ipv6AddressMode of the subnet.
	// +optional
	IPv6AddressMode string `json:"ipv6AddressMode,omitempty"`
	// ipv6RAMode of the subnet.
	// +optional
	IPv6RAMode string `json:"ipv6RAMode,omitempty"`

	FilterByNeutronTags `json:",inline"`
}

// SubnetParam names a Neutron subnet by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type SubnetParam struct {
	// id of the subnet.
	// +kubebuilder:validation:Format:=uuid
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one subnet.
	// +optional
	Filter *SubnetFilter `json:"filter,omitempty"`
}

// SecurityGroupFilter selects a Neutron security group by its attributes.
// +kubebuilder:validation:MinProperties:=1
type SecurityGroupFilter struct {
	// name of the security group.
	// +optional
	Name string `json:"name,omitempty"`
	// description of the security group.
	// +optional
	Description string `json:"description,omitempty"`
	// projectID owning the security group.
	// +optional
	ProjectID string `json:"projectID,omitempty"`

	FilterByNeutronTags `json:",inline"`
}

// SecurityGroupParam names a security group by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type SecurityGroupParam struct {
	// id of the security group.
	// +kubebuilder:validation:Format:=uuid
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one security group.
	// +optional
	Filter *SecurityGroupFilter `json:"filter,omitempty"`
}

// RouterFilter selects a Neutron router by its attributes.
// +kubebuilder:validation:MinProperties:=1
type RouterFilter struct {
	// name of the router.
	// +optional
	Name string `json:"name,omitempty"`
	// description of the router.
	// +optional
	Description string `json:"description,omitempty"`
	// projectID owning the router.
	// +optional
	ProjectID string `json:"projectID,omitempty"`

	FilterByNeutronTags `json:",inline"`
}

// RouterParam names a Neutron router by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type RouterParam struct {
	// id of the router.
	// +kubebuilder:validation:Format:=uuid
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one router.
	// +optional
	Filter *RouterFilter `json:"filter,omitempty"`
}

// ImageFilter selects a Glance image by name and tags.
// +kubebuilder:validation:MinProperties:=1
type ImageFilter struct {
	// name of the image.
	// +optional
	Name *string `json:"name,omitempty"`
	// tags the image must carry, all of them.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
}

// ImageParam names a Glance image by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="!has(self.imageRef)",message="imageRef is not supported by this provider: name the image with id or filter"
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type ImageParam struct {
	// id of the image.
	// +kubebuilder:validation:Format:=uuid
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one image.
	// +optional
	Filter *ImageFilter `json:"filter,omitempty"`
	// imageRef is not supported: it is in the schema only so that manifests using it are
	// rejected with a clear message instead of having the field silently dropped.
	// +optional
	ImageRef *Unsupported `json:"imageRef,omitempty"`
}

// Unsupported marks a field of the upstream API that this provider does not implement yet.
// Any value is rejected by a validation rule on the parent object.
// +kubebuilder:pruning:PreserveUnknownFields
// +kubebuilder:validation:Type=object
type Unsupported struct{}

// FlavorFilter selects a Nova flavor by name.
// +kubebuilder:validation:MinProperties:=1
type FlavorFilter struct {
	// name of the flavor.
	// +kubebuilder:validation:MinLength:=1
	// +optional
	Name *string `json:"name,omitempty"`
}

// FlavorParam names a Nova flavor by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type FlavorParam struct {
	// id of the flavor.
	// +kubebuilder:validation:MinLength:=1
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one flavor.
	// +optional
	Filter *FlavorFilter `json:"filter,omitempty"`
}

// ServerGroupFilter selects a Nova server group by name.
// +kubebuilder:validation:MinProperties:=1
type ServerGroupFilter struct {
	// name of the server group.
	// +kubebuilder:validation:MinLength:=1
	// +optional
	Name *string `json:"name,omitempty"`
}

// ServerGroupParam names a Nova server group by ID or by filter; exactly one must be set.
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.filter)",message="exactly one of id or filter must be set"
type ServerGroupParam struct {
	// id of the server group.
	// +kubebuilder:validation:Format:=uuid
	// +optional
	ID *string `json:"id,omitempty"`
	// filter that must match exactly one server group.
	// +optional
	Filter *ServerGroupFilter `json:"filter,omitempty"`
}
