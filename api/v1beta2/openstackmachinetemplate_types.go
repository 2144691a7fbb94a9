package v1beta2

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// OpenStackMachineTemplateResource is the machine a template stamps out.
type OpenStackMachineTemplateResource struct {
	// metadata is copied to every machine made from this template.
	// +optional
	ObjectMeta clusterv1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// spec of every machine made from this template.
	// +required
	Spec OpenStackMachineSpec `json:"spec"`
}

// OpenStackMachineTemplateSpec is the desired state of an OpenStackMachineTemplate.
type OpenStackMachineTemplateSpec struct {
	// template of the machines.
	// +required
	Template OpenStackMachineTemplateResource `json:"template"`
}

// Architecture is a CPU architecture as Kubernetes names it.
// +kubebuilder:validation:Enum:=amd64;arm64;s390x;ppc64le
type Architecture string

// CPU architectures Kubernetes nodes report.
const (
	ArchitectureAmd64   Architecture = "amd64"
	ArchitectureArm64   Architecture = "arm64"
	ArchitectureS390x   Architecture = "s390x"
	ArchitecturePpc64le Architecture = "ppc64le"
)

// NodeInfo describes the nodes a template makes, for scaling from zero.
type NodeInfo struct {
	// architecture of the image, from its "architecture" property.
	// +optional
	Architecture Architecture `json:"architecture,omitempty"`

	// operatingSystem of the image, from its "os_type" property.
	// +optional
	OperatingSystem string `json:"operatingSystem,omitempty"`
}

// OpenStackMachineTemplateStatus is what a template's machines would have, read from the flavor
// and the image, so the cluster autoscaler can scale a MachineDeployment up from zero.
type OpenStackMachineTemplateStatus struct {
	// capacity of one machine: cpu, memory, ephemeral-storage.
	// +optional
	Capacity corev1.ResourceList `json:"capacity,omitempty"`

	// nodeInfo of one machine.
	// +optional
	NodeInfo *NodeInfo `json:"nodeInfo,omitempty"`

	// conditions describe whether capacity could be computed.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=openstackmachinetemplates,scope=Namespaced,categories=cluster-api,shortName=osmt
// +kubebuilder:metadata:labels="cluster.x-k8s.io/v1beta2=v1beta2"
// +kubebuilder:printcolumn:name="Flavor",type="string",JSONPath=".spec.template.spec.flavor.filter.name",description="Flavor name"
// +kubebuilder:printcolumn:name="CPU",type="string",JSONPath=".status.capacity.cpu",description="vCPUs per machine"
// +kubebuilder:printcolumn:name="Memory",type="string",JSONPath=".status.capacity.memory",description="Memory per machine"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// OpenStackMachineTemplate is a template for OpenStackMachines, used by MachineDeployments,
// MachineSets and control planes.
type OpenStackMachineTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the machine template.
	// +optional
	Spec OpenStackMachineTemplateSpec `json:"spec,omitempty"`
	// status reports the capacity of the template's machines.
	// +optional
	Status OpenStackMachineTemplateStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// OpenStackMachineTemplateList is a list of OpenStackMachineTemplates.
type OpenStackMachineTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OpenStackMachineTemplate `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OpenStackMachineTemplate{}, &OpenStackMachineTemplateList{})
}

// GetConditions returns the template's conditions.
func (t *OpenStackMachineTemplate) GetConditions() []metav1.Condition { return t.Status.Conditions }

// SetConditions replaces the template's conditions.
func (t *OpenStackMachineTemplate) SetConditions(c []metav1.Condition) { t.Status.Conditions = c }
