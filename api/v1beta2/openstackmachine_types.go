package v1beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// MachineFinalizer lets the provider delete a machine's server, ports and volumes before
// the OpenStackMachine goes away.
const MachineFinalizer = "openstackmachine.infrastructure.cluster.x-k8s.io"

// InstanceState is the status of a Nova server as Nova reports it.
type InstanceState string

// Nova server states the provider acts on.
const (
	InstanceStateBuild       InstanceState = "BUILD"
	InstanceStateActive      InstanceState = "ACTIVE"
	InstanceStateError       InstanceState = "ERROR"
	InstanceStateStopped     InstanceState = "STOPPED"
	InstanceStateShutoff     InstanceState = "SHUTOFF"
	InstanceStateDeleted     InstanceState = "DELETED"
	InstanceStateSoftDeleted InstanceState = "SOFT_DELETED"
)

// ResolvedMachineSpec is the machine spec with every reference turned into IDs.
// It is computed once and reused, so references are not looked up again on every reconcile.
type ResolvedMachineSpec struct {
	// serverGroupID of the server.
	// +optional
	ServerGroupID string `json:"serverGroupID,omitempty"`

	// imageID of the server.
	// +optional
	ImageID string `json:"imageID,omitempty"`

	// flavorID of the server.
	// +optional
	FlavorID string `json:"flavorID,omitempty"`

	// ports of the server, resolved.
	// +listType=atomic
	// +optional
	Ports []ResolvedPortSpec `json:"ports,omitempty"`
}

// VolumeStatus records a Cinder volume this provider created.
type VolumeStatus struct {
	// name of the volume.
	// +required
	Name string `json:"name"`
	// id of the volume.
	// +required
	ID string `json:"id"`
}

// MachineResources are the OpenStack resources created for a machine, recorded as they are
// created so none is ever forgotten.
type MachineResources struct {
	// ports created for the server.
	// +listType=atomic
	// +optional
	Ports []PortStatus `json:"ports,omitempty"`

	// volumes created for the server.
	// +listType=atomic
	// +optional
	Volumes []VolumeStatus `json:"volumes,omitempty"`
}

// MachineInitialization is the provisioning state Cluster API reads (contract v1beta2).
type MachineInitialization struct {
	// provisioned is true once the server is ACTIVE and providerID is set.
	// +optional
	Provisioned *bool `json:"provisioned,omitempty"`
}

// OpenStackMachineStatus is the observed state of an OpenStackMachine.
type OpenStackMachineStatus struct {
	// initialization says whether the server is provisioned.
	// +optional
	Initialization *MachineInitialization `json:"initialization,omitempty"`

	// instanceID is the Nova server ID.
	// +optional
	InstanceID *string `json:"instanceID,omitempty"`

	// addresses of the server.
	// +listType=atomic
	// +optional
	Addresses []clusterv1.MachineAddress `json:"addresses,omitempty"`

	// instanceState is the server status Nova reports.
	// +optional
	InstanceState *InstanceState `json:"instanceState,omitempty"`

	// failureDomain is the availability zone Nova placed the server in.
	// +optional
	FailureDomain string `json:"failureDomain,omitempty"`

	// resolved is the spec with references resolved to IDs.
	// +optional
	Resolved *ResolvedMachineSpec `json:"resolved,omitempty"`

	// resources are the OpenStack resources created for this machine.
	// +optional
	Resources *MachineResources `json:"resources,omitempty"`

	// conditions describe the machine's state; Ready summarises them.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=openstackmachines,scope=Namespaced,categories=cluster-api,shortName=osm
// +kubebuilder:metadata:labels="cluster.x-k8s.io/v1beta2=v1beta2"
// +kubebuilder:printcolumn:name="Cluster",type="string",JSONPath=".metadata.labels['cluster\\.x-k8s\\.io/cluster-name']",description="Cluster this machine belongs to"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status",description="Whether the server is ready"
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.instanceState",description="Nova server status"
// +kubebuilder:printcolumn:name="Reason",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].reason",description="Why the machine is (not) ready",priority=1
// +kubebuilder:printcolumn:name="ProviderID",type="string",JSONPath=".spec.providerID",description="Server ID as Kubernetes knows it"
// +kubebuilder:printcolumn:name="Machine",type="string",JSONPath=".metadata.ownerReferences[?(@.kind==\"Machine\")].name",description="Machine that owns this object"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// OpenStackMachine is one Nova server of a Cluster API Machine.
type OpenStackMachine struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired server.
	// +optional
	Spec OpenStackMachineSpec `json:"spec,omitempty"`
	// status is the observed server.
	// +optional
	Status OpenStackMachineStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// OpenStackMachineList is a list of OpenStackMachines.
type OpenStackMachineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OpenStackMachine `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OpenStackMachine{}, &OpenStackMachineList{})
}

// GetConditions returns the machine's conditions.
func (m *OpenStackMachine) GetConditions() []metav1.Condition { return m.Status.Conditions }

// SetConditions replaces the machine's conditions.
func (m *OpenStackMachine) SetConditions(c []metav1.Condition) { m.Status.Conditions = c }
