package framework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// NodeClusterLabel marks the Nodes a Kubelets registers: "<namespace>.<cluster>".
const NodeClusterLabel = "e2e.capo-ng.io/cluster"

// Kubeconfig reaches the test API server as an administrator, for kubectl or a workload
// cluster's Secret.
func (f *Framework) Kubeconfig() ([]byte, error) {
	const name = "capo-e2e"
	kc := clientcmdapi.NewConfig()
	kc.Clusters[name] = &clientcmdapi.Cluster{Server: f.Config.Host, CertificateAuthorityData: f.Config.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: f.Config.CertData, ClientKeyData: f.Config.KeyData, Token: f.Config.BearerToken,
	}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: "admin"}
	kc.CurrentContext = name
	return clientcmd.Write(*kc)
}

// WriteWorkloadKubeconfig writes the Secret "<cluster>-kubeconfig" through which Cluster API
// reaches a workload cluster, pointing at the test API server itself. Cluster API then
// connects to it, finds the Nodes a Kubelets registers there and moves Machines to Running.
// Call it before creating the Cluster. Do not use it for a cluster whose KubeadmControlPlane
// writes its own kubeconfig.
//
// Cluster API connects only to the clusters given here: the endpoint of every other cluster
// is an address of the simulator's external network, which may well be routable from this
// machine to someone else's host.
func (f *Framework) WriteWorkloadKubeconfig(ctx context.Context, namespace, cluster string) error {
	f.workloads.Store(client.ObjectKey{Namespace: namespace, Name: cluster}, true)
	data, err := f.Kubeconfig()
	if err != nil {
		return err
	}
	return f.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: cluster + "-kubeconfig", Namespace: namespace,
			Labels: map[string]string{clusterv1.ClusterNameLabel: cluster},
		},
		Type: clusterv1.ClusterSecretType,
		Data: map[string][]byte{"value": data},
	})
}

// isWorkload is Cluster API's ClusterCache filter: connect only to WriteWorkloadKubeconfig's.
func (f *Framework) isWorkload(c *clusterv1.Cluster) bool {
	_, ok := f.workloads.Load(client.ObjectKeyFromObject(c))
	return ok
}

// Kubelets plays the kubelets of one cluster's machines: as soon as a Machine has a
// providerID it registers a Ready Node (named after the namespace and the Machine) in the test
// API server, as a kubelet booted from the server's user data would. The Node's providerID is
// the Machine's, as with a kubelet given --provider-id, unless WithNodeProviderID says
// otherwise. Machines whose Node Cluster API deleted are not registered again.
type Kubelets struct {
	f                  *Framework
	namespace, cluster string
	nodeProviderID     func(machineProviderID string) string
	cancel             context.CancelFunc
	done               chan struct{}
	mu                 sync.Mutex
	registered         map[string]string // Machine providerID -> Node name
	lastErr            error
}

// KubeletOption tunes StartKubelets.
type KubeletOption func(*Kubelets)

// WithNodeProviderID makes the Nodes' providerID fn(the Machine's providerID), e.g.
// OCCMProviderID: what the node's cloud controller manager would set.
func WithNodeProviderID(fn func(machineProviderID string) string) KubeletOption {
	return func(k *Kubelets) { k.nodeProviderID = fn }
}

// OCCMProviderID is the providerID the OpenStack cloud controller manager gives the Node of a
// server by default (OS_CCM_REGIONAL unset): "openstack:///<server-id>". The templates run
// kubelets with cloud-provider=external, so this is the providerID their Nodes get.
func OCCMProviderID(machineProviderID string) string {
	return "openstack:///" + machineProviderID[strings.LastIndex(machineProviderID, "/")+1:]
}

// StartKubelets starts registering the Nodes of a cluster's Machines until Stop.
func (f *Framework) StartKubelets(ctx context.Context, namespace, cluster string, opts ...KubeletOption) *Kubelets {
	ctx, cancel := context.WithCancel(ctx)
	k := &Kubelets{
		f: f, namespace: namespace, cluster: cluster, cancel: cancel, done: make(chan struct{}), registered: map[string]string{},
		nodeProviderID: func(id string) string { return id },
	}
	for _, o := range opts {
		o(k)
	}
	go func() {
		defer close(k.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			err := k.sync(ctx)
			k.mu.Lock()
			k.lastErr = err
			k.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return k
}

// NodeName is the Node a Kubelets registers for a Machine.
func (k *Kubelets) NodeName(machine string) string { return k.namespace + "-" + machine }

func (k *Kubelets) sync(ctx context.Context) error {
	machines := &clusterv1.MachineList{}
	if err := k.f.Client.List(ctx, machines, client.InNamespace(k.namespace), client.MatchingLabels{clusterv1.ClusterNameLabel: k.cluster}); err != nil {
		return err
	}
	var errs []error
	for i := range machines.Items {
		m := &machines.Items[i]
		if m.Spec.ProviderID == "" || !m.DeletionTimestamp.IsZero() {
			continue
		}
		k.mu.Lock()
		_, done := k.registered[m.Spec.ProviderID]
		k.mu.Unlock()
		if done {
			continue
		}
		name := k.NodeName(m.Name)
		if err := k.register(ctx, name, m); err != nil {
			errs = append(errs, fmt.Errorf("registering Node %s: %w", name, err))
			continue
		}
		k.mu.Lock()
		k.registered[m.Spec.ProviderID] = name
		k.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (k *Kubelets) register(ctx context.Context, name string, m *clusterv1.Machine) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			NodeClusterLabel: k.namespace + "." + k.cluster, corev1.LabelHostname: m.Name,
		}},
		Spec: corev1.NodeSpec{ProviderID: k.nodeProviderID(m.Spec.ProviderID)},
	}
	if err := k.f.Client.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := k.f.Client.Get(ctx, client.ObjectKey{Name: name}, node); err != nil {
		return err
	}
	for _, a := range m.Status.Addresses {
		if a.Type == clusterv1.MachineInternalIP {
			node.Status.Addresses = append(node.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: a.Address})
		}
	}
	node.Status.Addresses = append(node.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeHostName, Address: m.Name})
	setReady(node, corev1.ConditionTrue)
	return k.f.Client.Status().Update(ctx, node)
}

func setReady(node *corev1.Node, status corev1.ConditionStatus) {
	now := metav1.Now()
	ready := corev1.NodeCondition{
		Type: corev1.NodeReady, Status: status, LastHeartbeatTime: now, LastTransitionTime: now,
		Reason: "KubeletReady", Message: "kubelet is posting ready status (emulated)",
	}
	if status != corev1.ConditionTrue {
		ready.Reason, ready.Message = "KubeletNotReady", "kubelet stopped posting ready status (emulated)"
	}
	conds := []corev1.NodeCondition{ready}
	for _, typ := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		conds = append(conds, corev1.NodeCondition{
			Type: typ, Status: corev1.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now,
			Reason: "KubeletHasSufficient" + strings.TrimSuffix(string(typ), "Pressure"), Message: "emulated",
		})
	}
	for _, c := range conds {
		i := slices.IndexFunc(node.Status.Conditions, func(have corev1.NodeCondition) bool { return have.Type == c.Type })
		switch {
		case i < 0:
			node.Status.Conditions = append(node.Status.Conditions, c)
		case node.Status.Conditions[i].Status != c.Status:
			node.Status.Conditions[i] = c
		default:
			node.Status.Conditions[i].LastHeartbeatTime = now
		}
	}
}

// SetReady sets the Ready condition of a Machine's Node, e.g. to make a MachineHealthCheck
// remediate it.
func (k *Kubelets) SetReady(ctx context.Context, machine string, ready bool) error {
	node := &corev1.Node{}
	if err := k.f.Client.Get(ctx, client.ObjectKey{Name: k.NodeName(machine)}, node); err != nil {
		return err
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	setReady(node, status)
	return k.f.Client.Status().Update(ctx, node)
}

// Err is the last registration error, if any.
func (k *Kubelets) Err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}

// Stop stops registering and deletes the Nodes Cluster API left (it keeps those of a deleted
// cluster's control plane).
func (k *Kubelets) Stop(ctx context.Context) error {
	k.cancel()
	<-k.done
	return k.f.Client.DeleteAllOf(ctx, &corev1.Node{}, client.MatchingLabels{NodeClusterLabel: k.namespace + "." + k.cluster})
}
