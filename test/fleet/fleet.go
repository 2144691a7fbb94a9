package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

// Env is the framework (API server, Cluster API's controllers, our webhooks, the simulator)
// and our manager as a separate process.
type Env struct {
	F       *framework.Framework
	Manager *ManagerProcess
	dir     string
}

// Options of Start.
type Options struct {
	Latencies simulator.Latencies
	// ManagerArgs are the manager's extra flags.
	ManagerArgs []string
	// Password of the simulator's user (framework.Options.Password).
	Password string
	// NoManager starts everything but our manager (Env.Manager stays nil).
	NoManager bool
}

// Start starts the framework without our reconcilers, builds the manager and starts it.
func Start(ctx context.Context, opts Options) (*Env, error) {
	dir, err := os.MkdirTemp("", "capo-fleet-")
	if err != nil {
		return nil, err
	}
	bin := ""
	if !opts.NoManager {
		if bin, err = BuildManager(ctx, dir); err != nil {
			return nil, err
		}
	}
	f, err := framework.Start(ctx, framework.Options{Latencies: opts.Latencies, ExternalProvider: true, Password: opts.Password})
	if err != nil {
		return nil, err
	}
	e := &Env{F: f, dir: dir}
	if opts.NoManager {
		return e, nil
	}
	kc, err := f.Kubeconfig()
	if err != nil {
		_ = e.Stop()
		return nil, err
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		_ = e.Stop()
		return nil, err
	}
	e.Manager = &ManagerProcess{Binary: bin, Kubeconfig: path, Args: opts.ManagerArgs}
	if err := e.Manager.Start(); err != nil {
		_ = e.Stop()
		return nil, err
	}
	return e, nil
}

// Stop stops the manager, then the framework.
func (e *Env) Stop() error {
	if e.Manager != nil {
		_ = e.Manager.Stop()
	}
	err := e.F.Stop()
	_ = os.RemoveAll(e.dir)
	return err
}

// ClusterRef names one workload cluster: a namespace of its own holding a Cluster, its
// OpenStackCluster and one worker MachineDeployment "<name>-md".
type ClusterRef struct{ Namespace, Name string }

// MD is the name of the cluster's MachineDeployment (and its OpenStackMachineTemplate).
func (c ClusterRef) MD() string { return c.Name + "-md" }

// CreateCluster creates the namespace, the clouds.yaml Secret, pre-made bootstrap data (as a
// bootstrap provider would), the Cluster and OpenStackCluster (managed network, router,
// security groups and, when lb, an Octavia API load balancer) and a MachineDeployment of
// replicas workers.
func (e *Env) CreateCluster(ctx context.Context, c ClusterRef, replicas int32, lb bool) error {
	f := e.F
	labels := map[string]string{clusterv1.ClusterNameLabel: c.Name}
	spec := infrav1.OpenStackMachineSpec{
		Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To(framework.NodeFlavor)}},
		Image:  infrav1.ImageParam{Filter: &infrav1.ImageFilter{Name: ptr.To(framework.Image)}},
	}
	api := &infrav1.APIServer{} // a floating IP on the first control-plane machine
	if lb {
		api.ManagedLoadBalancer = &infrav1.APIServerLoadBalancer{Enabled: ptr.To(true)}
	}
	bootstrap := clusterv1.Bootstrap{DataSecretName: ptr.To(c.Name + "-bootstrap")}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.Namespace}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "cloud-config", Namespace: c.Namespace},
			Data: map[string][]byte{"clouds.yaml": f.CloudsYAML()}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: c.Name + "-bootstrap", Namespace: c.Namespace, Labels: labels},
			Type: clusterv1.ClusterSecretType,
			Data: map[string][]byte{"value": []byte("#cloud-config\nruncmd: [echo " + c.Name + "]\n"), "format": []byte("cloud-config")}},
		&clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: c.Namespace, Labels: labels}, Spec: clusterv1.ClusterSpec{
			ClusterNetwork:    clusterv1.ClusterNetwork{Pods: clusterv1.NetworkRanges{CIDRBlocks: []string{"192.168.0.0/16"}}},
			InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackCluster", Name: c.Name},
		}},
		&infrav1.OpenStackCluster{ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: c.Namespace, Labels: labels}, Spec: infrav1.OpenStackClusterSpec{
			IdentityRef:           infrav1.OpenStackIdentityReference{Name: "cloud-config", CloudName: framework.CloudName},
			ManagedSubnets:        []infrav1.SubnetSpec{{CIDR: "10.6.0.0/22"}},
			ExternalNetwork:       &infrav1.NetworkParam{ID: ptr.To(f.ExternalNetworkID)},
			APIServer:             api,
			ManagedSecurityGroups: &infrav1.ManagedSecurityGroups{AllowAllInClusterTraffic: true},
		}},
		&infrav1.OpenStackMachineTemplate{ObjectMeta: metav1.ObjectMeta{Name: c.MD(), Namespace: c.Namespace},
			Spec: infrav1.OpenStackMachineTemplateSpec{Template: infrav1.OpenStackMachineTemplateResource{Spec: spec}}},
		&clusterv1.MachineDeployment{ObjectMeta: metav1.ObjectMeta{Name: c.MD(), Namespace: c.Namespace}, Spec: clusterv1.MachineDeploymentSpec{
			ClusterName: c.Name, Replicas: ptr.To(replicas),
			Template: clusterv1.MachineTemplateSpec{Spec: clusterv1.MachineSpec{
				ClusterName: c.Name, Version: "v1.36.3", Bootstrap: bootstrap,
				InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: infrav1.GroupVersion.Group, Kind: "OpenStackMachineTemplate", Name: c.MD()},
			}},
		}},
	}
	for _, o := range objs {
		if err := f.Client.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %T %s/%s: %w", o, c.Namespace, o.GetName(), err)
		}
	}
	return nil
}

// Scale sets the MachineDeployment's replicas through its scale subresource.
func (e *Env) Scale(ctx context.Context, c ClusterRef, replicas int32) error {
	md := &clusterv1.MachineDeployment{ObjectMeta: metav1.ObjectMeta{Name: c.MD(), Namespace: c.Namespace}}
	sc := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: c.MD(), Namespace: c.Namespace}, Spec: autoscalingv1.ScaleSpec{Replicas: replicas}}
	return e.F.Client.SubResource("scale").Update(ctx, md, client.WithSubResourceBody(sc))
}

// DeleteCluster deletes the Cluster (Cluster API deletes the rest).
func (e *Env) DeleteCluster(ctx context.Context, c ClusterRef) error {
	return client.IgnoreNotFound(e.F.Client.Delete(ctx, &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: c.Namespace}}))
}

// Provisioned reports whether a Machine's infrastructure is provisioned: a providerID and the
// Provisioned (or, with a Node, Running) phase.
func Provisioned(m *clusterv1.Machine) bool {
	return m.Spec.ProviderID != "" && (m.Status.Phase == string(clusterv1.MachinePhaseProvisioned) || m.Status.Phase == string(clusterv1.MachinePhaseRunning))
}

// Poll calls cond every interval until it returns true or an error, or timeout passes.
func Poll(ctx context.Context, interval, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
