package v1beta2

// Condition types. Ready summarises the others of the same object, so a failing phase can
// never leave Ready true.
const (
	// ReadyCondition: every phase of the object has succeeded.
	ReadyCondition = "Ready"
	// PausedCondition: reconciliation is paused by Cluster.spec.paused or the paused annotation.
	PausedCondition = "Paused"

	// CredentialsReadyCondition: the identityRef Secret was read and the cloud accepted it.
	CredentialsReadyCondition = "CredentialsReady"
	// NetworkReadyCondition: the cluster network and subnets exist (created or found).
	NetworkReadyCondition = "NetworkReady"
	// RouterReadyCondition: the router connects the cluster network to the external network.
	RouterReadyCondition = "RouterReady"
	// SecurityGroupsReadyCondition: the managed security groups exist with the desired rules.
	SecurityGroupsReadyCondition = "SecurityGroupsReady"
	// APIEndpointReadyCondition: the API server endpoint (load balancer or floating IP) is ready.
	APIEndpointReadyCondition = "APIEndpointReady"
	// BastionReadyCondition: the bastion is running, or is not wanted.
	BastionReadyCondition = "BastionReady"
	// FailureDomainsReadyCondition: availability zones were read from Nova.
	FailureDomainsReadyCondition = "FailureDomainsReady"

	// InstanceReadyCondition: the machine's Nova server is ACTIVE.
	InstanceReadyCondition = "InstanceReady"
	// PortsReadyCondition: the machine's ports exist.
	PortsReadyCondition = "PortsReady"
	// VolumesReadyCondition: the machine's volumes are available or attached.
	VolumesReadyCondition = "VolumesReady"
	// APIServerMemberReadyCondition: a control-plane machine is a member of the API load balancer.
	APIServerMemberReadyCondition = "APIServerMemberReady"

	// CapacityReadyCondition: a template's capacity and node info were read from flavor and image.
	CapacityReadyCondition = "CapacityReady"
)

// Condition reasons.
const (
	// ReadyReason: the condition is met.
	ReadyReason = "Ready"
	// NotReadyReason: at least one sub-condition is not met; the message says which.
	NotReadyReason = "NotReady"
	// PausedReason: reconciliation is paused.
	PausedReason = "Paused"
	// NotPausedReason: reconciliation is not paused.
	NotPausedReason = "NotPaused"
	// ProvisioningReason: OpenStack is still creating the resource; the provider checks again later.
	ProvisioningReason = "Provisioning"
	// DeletingReason: the provider is deleting the resource.
	DeletingReason = "Deleting"
	// DeletionFailedReason: a delete failed; the message has OpenStack's error.
	DeletionFailedReason = "DeletionFailed"
	// DisabledReason: the feature is turned off in the spec, so the condition does not apply.
	DisabledReason = "Disabled"
	// InvalidCredentialsReason: the identityRef Secret or its clouds.yaml is missing or wrong.
	InvalidCredentialsReason = "InvalidCredentials"
	// InvalidSpecReason: the spec cannot be satisfied as written (e.g. a filter matches nothing or several).
	InvalidSpecReason = "InvalidSpec"
	// CloudErrorReason: OpenStack refused a request for a reason the user must fix (quota, permissions, bad value).
	CloudErrorReason = "CloudError"
	// TransientErrorReason: OpenStack failed temporarily; the provider retries with back-off.
	TransientErrorReason = "TransientError"
	// WaitingForClusterInfrastructureReason: the OpenStackCluster is not provisioned yet.
	WaitingForClusterInfrastructureReason = "WaitingForClusterInfrastructure"
	// WaitingForBootstrapDataReason: the Machine has no bootstrap data secret yet.
	WaitingForBootstrapDataReason = "WaitingForBootstrapData"
	// InstanceErrorReason: Nova put the server in ERROR; the message has Nova's fault.
	InstanceErrorReason = "InstanceError"
	// InstanceNotFoundReason: the server disappeared from Nova; it is not recreated behind the user's back.
	InstanceNotFoundReason = "InstanceNotFound"
	// InstanceStoppedReason: the server exists but is not running.
	InstanceStoppedReason = "InstanceStopped"
)
