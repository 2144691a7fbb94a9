package v1beta2

import (
	corev1 "k8s.io/api/core/v1"
)

// OpenStackMachineSpec is the desired Nova server of one machine.
// +kubebuilder:validation:XValidation:rule="!has(self.floatingIPPoolRef)",message="floatingIPPoolRef is not supported by this provider yet"
type OpenStackMachineSpec struct {
	// providerID is the ID of the server as Kubernetes knows it: openstack://<region>/<server-uuid>.
	// Set by the provider.
	// +optional
	ProviderID *string `json:"providerID,omitempty"`

	// flavor of the server, by ID or name.
	// +required
	Flavor FlavorParam `json:"flavor"`

	// image to boot from, by ID or filter. With rootVolume set, the image is copied to the root volume.
	// +required
	Image ImageParam `json:"image"`

	// sshKeyName is the name of a Nova keypair to inject.
	// +optional
	SSHKeyName string `json:"sshKeyName,omitempty"`

	// ports to attach, in order. Empty means one port on the cluster's network.
	// +listType=atomic
	// +optional
	Ports []PortOpts `json:"ports,omitempty"`

	// securityGroups applied to ports that do not list their own. Empty means the cluster's
	// managed security group for this machine's role, when managed security groups are enabled.
	// +listType=atomic
	// +optional
	SecurityGroups []SecurityGroupParam `json:"securityGroups,omitempty"`

	// trunk creates a trunk on every port that does not say otherwise.
	// +optional
	Trunk bool `json:"trunk,omitempty"`

	// tags set on the server and every resource created for it, in addition to the cluster's tags.
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`

	// serverMetadata is key/value metadata set on the server.
	// +listType=map
	// +listMapKey=key
	// +optional
	ServerMetadata []ServerMetadata `json:"serverMetadata,omitempty"`

	// configDrive attaches a config drive holding the user data.
	// +optional
	ConfigDrive *bool `json:"configDrive,omitempty"`

	// rootVolume boots the server from a new Cinder volume made from the image.
	// +optional
	RootVolume *RootVolume `json:"rootVolume,omitempty"`

	// additionalBlockDevices are extra disks: Cinder volumes or local ephemeral disks.
	// +listType=map
	// +listMapKey=name
	// +optional
	AdditionalBlockDevices []AdditionalBlockDevice `json:"additionalBlockDevices,omitempty"`

	// serverGroup to place the server in, by ID or filter.
	// +optional
	ServerGroup *ServerGroupParam `json:"serverGroup,omitempty"`

	// identityRef overrides the cluster's credentials for this machine.
	// +optional
	IdentityRef *OpenStackIdentityReference `json:"identityRef,omitempty"`

	// floatingIPPoolRef is not supported by this provider yet; it is in the schema only so
	// that manifests using it are rejected with a clear message.
	// +optional
	FloatingIPPoolRef *corev1.TypedLocalObjectReference `json:"floatingIPPoolRef,omitempty"`

	// schedulerHintAdditionalProperties are extra Nova scheduler hints.
	// +listType=map
	// +listMapKey=name
	// +optional
	SchedulerHintAdditionalProperties []SchedulerHintAdditionalProperty `json:"schedulerHintAdditionalProperties,omitempty"`
}

// ServerMetadata is one key/value pair of Nova server metadata.
type ServerMetadata struct {
	// key of the metadata item.
	// +kubebuilder:validation:MaxLength:=255
	// +required
	Key string `json:"key"`
	// value of the metadata item.
	// +kubebuilder:validation:MaxLength:=255
	// +required
	Value string `json:"value"`
}

// OpenStackIdentityReference names the Secret with the clouds.yaml to use and the cloud in it.
// The Secret is always read from the namespace of the object that references it.
type OpenStackIdentityReference struct {
	// type of the identity. Only Secret is supported.
	// +kubebuilder:validation:Enum:=Secret
	// +kubebuilder:default:=Secret
	// +optional
	Type string `json:"type,omitempty"`

	// name of the Secret holding clouds.yaml (key "clouds.yaml") and optionally "cacert".
	// +kubebuilder:validation:MinLength:=1
	// +required
	Name string `json:"name"`

	// cloudName is the entry of clouds.yaml to use.
	// +kubebuilder:validation:MinLength:=1
	// +required
	CloudName string `json:"cloudName"`

	// region overrides the region of the clouds.yaml entry.
	// +optional
	Region string `json:"region,omitempty"`
}

// RootVolume describes the Cinder volume a server boots from.
type RootVolume struct {
	// sizeGiB of the volume.
	// +kubebuilder:validation:Minimum:=1
	// +required
	SizeGiB int32 `json:"sizeGiB"`

	BlockDeviceVolume `json:",inline"`
}

// BlockDeviceVolume describes a Cinder volume's type and availability zone.
type BlockDeviceVolume struct {
	// type is the Cinder volume type. Empty means the cloud's default.
	// +optional
	Type string `json:"type,omitempty"`

	// availabilityZone of the volume. Empty means the cloud's default.
	// +optional
	AvailabilityZone *VolumeAvailabilityZone `json:"availabilityZone,omitempty"`
}

// VolumeAZSource says where a volume's availability zone comes from.
// +kubebuilder:validation:Enum:=Name;Machine
type VolumeAZSource string

const (
	// VolumeAZFromName takes the availability zone from the name field.
	VolumeAZFromName VolumeAZSource = "Name"
	// VolumeAZFromMachine takes the availability zone of the machine (its failure domain).
	VolumeAZFromMachine VolumeAZSource = "Machine"
)

// VolumeAvailabilityZone is the availability zone of a volume.
// +kubebuilder:validation:XValidation:rule="!has(self.from) || self.from == 'Name' ? has(self.name) : !has(self.name)",message="name is required when from is Name (the default) and forbidden when from is Machine"
type VolumeAvailabilityZone struct {
	// from says where the availability zone comes from.
	// +kubebuilder:default:=Name
	// +optional
	From VolumeAZSource `json:"from,omitempty"`

	// name of the availability zone, when from is Name.
	// +kubebuilder:validation:MinLength:=1
	// +optional
	Name *string `json:"name,omitempty"`
}

// BlockDeviceType is the kind of storage behind a block device.
// +kubebuilder:validation:Enum:=Local;Volume
type BlockDeviceType string

const (
	// LocalBlockDevice is an ephemeral disk on the hypervisor.
	LocalBlockDevice BlockDeviceType = "Local"
	// VolumeBlockDevice is a Cinder volume.
	VolumeBlockDevice BlockDeviceType = "Volume"
)

// BlockDeviceStorage says what backs an additional block device.
// +kubebuilder:validation:XValidation:rule="self.type == 'Volume' || !has(self.volume)",message="volume may only be set when type is Volume"
type BlockDeviceStorage struct {
	// type of the storage.
	// +required
	Type BlockDeviceType `json:"type"`

	// volume options when type is Volume.
	// +optional
	Volume *BlockDeviceVolume `json:"volume,omitempty"`
}

// AdditionalBlockDevice is an extra disk attached to the server.
type AdditionalBlockDevice struct {
	// name of the device, unique in the machine. Used in the volume name and as the device tag.
	// The name "root" is reserved for the root volume.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Name string `json:"name"`

	// sizeGiB of the device.
	// +kubebuilder:validation:Minimum:=1
	// +required
	SizeGiB int32 `json:"sizeGiB"`

	// storage backing the device.
	// +required
	Storage BlockDeviceStorage `json:"storage"`
}

// SchedulerHintValueType is the type of a scheduler hint value.
// +kubebuilder:validation:Enum:=Bool;String;Number
type SchedulerHintValueType string

const (
	// SchedulerHintBool is a boolean hint.
	SchedulerHintBool SchedulerHintValueType = "Bool"
	// SchedulerHintString is a string hint.
	SchedulerHintString SchedulerHintValueType = "String"
	// SchedulerHintNumber is a numeric hint.
	SchedulerHintNumber SchedulerHintValueType = "Number"
)

// SchedulerHintAdditionalValue is a typed scheduler hint value; the field named by type must be set.
// +kubebuilder:validation:XValidation:rule="self.type == 'Bool' ? has(self.bool) : !has(self.bool)",message="bool must be set when type is Bool, and only then"
// +kubebuilder:validation:XValidation:rule="self.type == 'Number' ? has(self.number) : !has(self.number)",message="number must be set when type is Number, and only then"
// +kubebuilder:validation:XValidation:rule="self.type == 'String' ? has(self.string) : !has(self.string)",message="string must be set when type is String, and only then"
type SchedulerHintAdditionalValue struct {
	// type of the value.
	// +required
	Type SchedulerHintValueType `json:"type"`
	// bool value.
	// +optional
	Bool *bool `json:"bool,omitempty"`
	// number value.
	// +optional
	Number *int32 `json:"number,omitempty"`
	// string value.
	// +kubebuilder:validation:MaxLength:=255
	// +optional
	String *string `json:"string,omitempty"`
}

// SchedulerHintAdditionalProperty is one extra Nova scheduler hint.
type SchedulerHintAdditionalProperty struct {
	// name of the hint.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Name string `json:"name"`
	// value of the hint.
	// +required
	Value SchedulerHintAdditionalValue `json:"value"`
}
