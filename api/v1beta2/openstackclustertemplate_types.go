package v1beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// OpenStackClusterTemplateResource is the cluster infrastructure a template stamps out.
type OpenStackClusterTemplateResource struct {
	// metadata is copied to the OpenStackCluster made from this template.
	// +optional
	ObjectMeta clusterv1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// spec of the OpenStackCluster made from this template.
	// +required
	Spec OpenStackClusterSpec `json:"spec"`
}

// OpenStackClusterTemplateSpec is the desired state of an OpenStackClusterTemplate.
type OpenStackClusterTemplateSpec struct {
	// template of the cluster infrastructure.
	// +required
	Template OpenStackClusterTemplateResource `json:"template"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:path=openstackclustertemplates,scope=Namespaced,categories=cluster-api,shortName=osct
// +kubebuilder:metadata:labels="cluster.x-k8s.io/v1beta2=v1beta2"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// OpenStackClusterTemplate is a template for OpenStackClusters, used by ClusterClasses.
type OpenStackClusterTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the cluster template.
	// +optional
	Spec OpenStackClusterTemplateSpec `json:"spec,omitempty"`
}

// +kubebuilder:object:root=true

// OpenStackClusterTemplateList is a list of OpenStackClusterTemplates.
type OpenStackClusterTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OpenStackClusterTemplate `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OpenStackClusterTemplate{}, &OpenStackClusterTemplateList{})
}
