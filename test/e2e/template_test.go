package e2e

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	bootstrapv1 "sigs.k8s.io/cluster-api/api/bootstrap/kubeadm/v1beta2"
	controlplanev1 "sigs.k8s.io/cluster-api/api/controlplane/kubeadm/v1beta2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/framework"
)

// TestDefaultTemplateWithKubeadm renders templates/cluster-template.yaml with the real
// clusterctl for the simulator and applies it through every admission webhook (ours, Cluster
// API core, kubeadm bootstrap and control plane), with the kubeadm bootstrap and control-plane
// controllers running. There is no real API server behind the load balancer, so the control
// plane never initializes; up to that point everything is real: the OpenStackCluster gets its
// network, load balancer and endpoint, KubeadmControlPlane creates the first control-plane
// Machine, the kubeadm bootstrap provider writes its `kubeadm init` cloud-config, and the
// server we create boots with exactly that user data and becomes the load balancer's member.
// The worker waits for its join data (which needs an initialized control plane) without a
// server. Deleting the Cluster removes everything.
func TestDefaultTemplateWithKubeadm(t *testing.T) {
	simulatorOnly(t)
	t.Parallel()
	ctx := context.Background()
	step := stepper(t)
	ns := newNamespace(t, "template")
	const name = "gamma"
	tag := cloud.ClusterTag(ns, name)

	objs := render(t, "cluster-template.yaml", name, ns, map[string]string{"WORKER_MACHINE_COUNT": "1"})
	createAll(t, objs)
	step("rendered and applied %d objects", len(objs))

	// Infrastructure: Ready, with the endpoint on the load balancer's floating IP.
	osc := &infrav1.OpenStackCluster{}
	eventually(t, 60*time.Second, func() (bool, string) {
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, osc); err != nil {
			return false, err.Error()
		}
		c := apimeta.FindStatusCondition(osc.Status.Conditions, infrav1.ReadyCondition)
		return c != nil && c.Status == metav1.ConditionTrue && osc.Spec.ControlPlaneEndpoint != nil && osc.Spec.ControlPlaneEndpoint.IsValid(),
			fmt.Sprintf("Ready %+v, endpoint %+v", c, osc.Spec.ControlPlaneEndpoint)
	})
	cluster := &clusterv1.Cluster{}
	eventually(t, 30*time.Second, func() (bool, string) {
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cluster); err != nil {
			return false, err.Error()
		}
		return cluster.Spec.ControlPlaneEndpoint == *osc.Spec.ControlPlaneEndpoint,
			fmt.Sprintf("Cluster endpoint %+v, OpenStackCluster's %+v", cluster.Spec.ControlPlaneEndpoint, *osc.Spec.ControlPlaneEndpoint)
	})
	step("OpenStackCluster Ready, endpoint %s:%d", osc.Spec.ControlPlaneEndpoint.Host, osc.Spec.ControlPlaneEndpoint.Port)

	// KubeadmControlPlane creates the first control-plane Machine; its server boots with the
	// kubeadm bootstrap provider's init data.
	var cp clusterv1.Machine
	eventually(t, 60*time.Second, func() (bool, string) {
		for _, m := range machines(t, ns, name) {
			if _, ok := m.Labels[clusterv1.MachineControlPlaneLabel]; ok {
				cp = m
			}
		}
		return cp.Spec.ProviderID != "" && cp.Spec.Bootstrap.DataSecretName != nil,
			fmt.Sprintf("control-plane Machine %q: providerID %q, bootstrap %+v, phase %q", cp.Name, cp.Spec.ProviderID, cp.Spec.Bootstrap, cp.Status.Phase)
	})
	step("KubeadmControlPlane's Machine %s has server %s", cp.Name, cp.Spec.ProviderID)
	config := &bootstrapv1.KubeadmConfig{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: cp.Spec.Bootstrap.ConfigRef.Name}, config); err != nil {
		t.Fatal(err)
	}
	if config.Status.DataSecretName != *cp.Spec.Bootstrap.DataSecretName || !ptr.Deref(config.Status.Initialization.DataSecretCreated, false) {
		t.Errorf("KubeadmConfig %s: data secret %q, initialization %+v; Machine's %q", config.Name, config.Status.DataSecretName, config.Status.Initialization, *cp.Spec.Bootstrap.DataSecretName)
	}
	secret := &corev1.Secret{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: *cp.Spec.Bootstrap.DataSecretName}, secret); err != nil {
		t.Fatal(err)
	}
	srv, err := f.GetServer(ctx, serverID(cp.Spec.ProviderID))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(srv.UserData, secret.Data["value"]) {
		t.Errorf("server %s user data (%d bytes) is not the KubeadmConfig's data secret (%d bytes)", srv.ID, len(srv.UserData), len(secret.Data["value"]))
	}
	if !bytes.Contains(srv.UserData, []byte("kubeadm init")) {
		t.Errorf("server %s user data is not a kubeadm init cloud-config:\n%s", srv.ID, srv.UserData)
	}
	// The KubeadmControlPlane picked a failure domain for it.
	if cp.Spec.FailureDomain == "" || srv.AvailabilityZone != cp.Spec.FailureDomain {
		t.Errorf("control-plane Machine failure domain %q, server in %q", cp.Spec.FailureDomain, srv.AvailabilityZone)
	}
	// It becomes the member of the API load balancer.
	eventually(t, 30*time.Second, func() (bool, string) {
		osm := &infrav1.OpenStackMachine{}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: cp.Spec.InfrastructureRef.Name}, osm); err != nil {
			return false, err.Error()
		}
		c := apimeta.FindStatusCondition(osm.Status.Conditions, infrav1.APIServerMemberReadyCondition)
		members := f.Resources("member", tag)
		return c != nil && c.Status == metav1.ConditionTrue && len(members) == 1,
			fmt.Sprintf("APIServerMemberReady %+v, members %+v", c, members)
	})
	step("server boots with kubeadm init data and is the load balancer's member")

	// The worker waits for its join data: no server.
	eventually(t, 30*time.Second, func() (bool, string) {
		for _, m := range machines(t, ns, name) {
			if _, ok := m.Labels[clusterv1.MachineControlPlaneLabel]; ok {
				continue
			}
			osm := &infrav1.OpenStackMachine{}
			if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: m.Spec.InfrastructureRef.Name}, osm); err != nil {
				return false, err.Error()
			}
			c := apimeta.FindStatusCondition(osm.Status.Conditions, infrav1.InstanceReadyCondition)
			return c != nil && c.Reason == infrav1.WaitingForBootstrapDataReason, fmt.Sprintf("worker %s InstanceReady %+v", m.Name, c)
		}
		return false, "no worker Machine yet"
	})
	if n := len(f.Resources("server", tag)); n != 1 {
		t.Errorf("%d servers, want only the control plane's", n)
	}
	kcp := &controlplanev1.KubeadmControlPlane{}
	if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name + "-control-plane"}, kcp); err != nil {
		t.Fatal(err)
	}
	step("worker waits for join data; KubeadmControlPlane initialized=%v", ptr.Deref(kcp.Status.Initialization.ControlPlaneInitialized, false))

	deleteClusterAndCheck(t, ns, name, tag, 120*time.Second)
	step("cluster deleted, nothing left in the simulator")
}

// TestEveryTemplatePassesEveryWebhook renders every templates/cluster-template*.yaml with the
// real clusterctl and creates the result with server-side dry-run, so that every admission
// webhook (ours, Cluster API core with managed topologies, kubeadm bootstrap and control
// plane) and every schema rule judges it without any controller acting on it. The ClusterClass
// the topology flavor names is created for real first, as clusterctl's output would.
func TestEveryTemplatePassesEveryWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t, "templates")
	createAll(t, render(t, "clusterclass-openstack-kubeadm.yaml", "unused", ns, nil))
	// Cluster API validates topology variables against the ClusterClass once it has reconciled it.
	eventually(t, 30*time.Second, func() (bool, string) {
		cc := &clusterv1.ClusterClass{}
		if err := f.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "openstack-kubeadm"}, cc); err != nil {
			return false, err.Error()
		}
		return cc.Status.ObservedGeneration == cc.Generation && apimeta.IsStatusConditionTrue(cc.Status.Conditions, clusterv1.ClusterClassVariablesReadyCondition),
			fmt.Sprintf("ClusterClass status %+v", cc.Status.Conditions)
	})
	files, err := filepath.Glob(framework.TemplatePath("cluster-template*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("templates: %v %v", files, err)
	}
	for _, file := range files {
		objs, err := f.RenderTemplate(ctx, file, "dry", ns, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if err := f.Client.Create(ctx, o, client.DryRunAll, client.FieldValidation("Strict")); err != nil {
				t.Errorf("%s: %s %s rejected: %v", filepath.Base(file), o.GetKind(), o.GetName(), err)
			}
		}
	}
}
