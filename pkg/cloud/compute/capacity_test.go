package compute

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"go.uber.org/mock/gomock"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
)

func TestCapacity(t *testing.T) {
	f := &flavors.Flavor{VCPUs: 4, RAM: 8192, Disk: 80}
	check := func(name string, got corev1.ResourceList, want map[corev1.ResourceName]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
		for k, v := range want {
			if q, ok := got[k]; !ok || q.Cmp(resource.MustParse(v)) != 0 {
				t.Errorf("%s: %s = %v, want %s", name, k, got[k], v)
			}
		}
	}
	check("flavor disk", Capacity(f, nil), map[corev1.ResourceName]string{"cpu": "4", "memory": "8Gi", "ephemeral-storage": "80Gi"})
	check("root volume", Capacity(f, &infrav1.RootVolume{SizeGiB: 200}), map[corev1.ResourceName]string{"cpu": "4", "memory": "8Gi", "ephemeral-storage": "200Gi"})
	check("no disk", Capacity(&flavors.Flavor{VCPUs: 1, RAM: 512}, nil), map[corev1.ResourceName]string{"cpu": "1", "memory": "512Mi"})
}

func TestNodeInfo(t *testing.T) {
	for arch, want := range map[string]infrav1.Architecture{
		"x86_64": infrav1.ArchitectureAmd64, "amd64": infrav1.ArchitectureAmd64,
		"aarch64": infrav1.ArchitectureArm64, "ARM64": infrav1.ArchitectureArm64,
		"s390x": infrav1.ArchitectureS390x, "ppc64le": infrav1.ArchitecturePpc64le, "ppc64el": infrav1.ArchitecturePpc64le,
		"riscv64": "", "": "",
	} {
		got := NodeInfo(&images.Image{Properties: map[string]any{"architecture": arch, "os_type": "linux"}})
		if got.Architecture != want || got.OperatingSystem != "linux" {
			t.Errorf("architecture %q: %+v, want %q", arch, got, want)
		}
	}
	if got := NodeInfo(&images.Image{}); *got != (infrav1.NodeInfo{}) {
		t.Errorf("no properties: %+v", got)
	}
}

func TestTemplateStatus(t *testing.T) {
	e := newEnv(t)
	e.compute.EXPECT().ListFlavors(gomock.Any()).Return([]flavors.Flavor{{ID: "3", Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40}}, nil)
	e.image.EXPECT().GetImage(gomock.Any(), "image-1").Return(&images.Image{ID: "image-1", Properties: map[string]any{"os_type": "windows", "architecture": "x86_64"}}, nil)
	spec := &infrav1.OpenStackMachineSpec{
		Flavor: infrav1.FlavorParam{Filter: &infrav1.FlavorFilter{Name: ptr.To("m1.medium")}},
		Image:  infrav1.ImageParam{ID: ptr.To("image-1")},
	}
	capacity, info, err := e.svc.TemplateStatus(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if capacity.Cpu().Value() != 2 || capacity.Memory().Cmp(resource.MustParse("4Gi")) != 0 || *info != (infrav1.NodeInfo{OperatingSystem: "windows", Architecture: "amd64"}) {
		t.Errorf("capacity %v, node info %+v", capacity, info)
	}

	e = newEnv(t)
	e.compute.EXPECT().GetFlavor(gomock.Any(), "9").Return(nil, notFound)
	spec.Flavor = infrav1.FlavorParam{ID: ptr.To("9")}
	if _, _, err := e.svc.TemplateStatus(context.Background(), spec); !cloud.IsInvalidSpec(err) {
		t.Fatalf("unknown flavor: %v, want an invalid spec error", err)
	}
}
