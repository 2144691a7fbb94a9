package compute

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// TemplateStatus reads the flavor and the image of a machine template's spec and returns what
// one of its machines would have, for status.capacity and status.nodeInfo: two OpenStack calls
// (a flavor by name lists every flavor). Only Compute and Image of s are used.
func (s *MachineService) TemplateStatus(ctx context.Context, spec *infrav1.OpenStackMachineSpec) (corev1.ResourceList, *infrav1.NodeInfo, error) {
	f, err := s.resolveFlavor(ctx, spec.Flavor)
	if err != nil {
		return nil, nil, err
	}
	img, err := s.resolveImage(ctx, spec.Image)
	if err != nil {
		return nil, nil, err
	}
	return Capacity(f, spec.RootVolume), NodeInfo(img), nil
}

// Capacity is the capacity of a server of flavor f: cpu from its vCPUs, memory from its RAM
// (MiB) and ephemeral-storage from its disk (GiB), or from the root volume when booting from
// one. A flavor disk of 0 (the image's size) gives no ephemeral-storage.
func Capacity(f *flavors.Flavor, root *infrav1.RootVolume) corev1.ResourceList {
	out := corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewQuantity(int64(f.VCPUs), resource.DecimalSI),
		corev1.ResourceMemory: resource.MustParse(fmt.Sprintf("%dMi", f.RAM)),
	}
	disk := int64(f.Disk)
	if root != nil {
		disk = int64(root.SizeGiB)
	}
	if disk > 0 {
		out[corev1.ResourceEphemeralStorage] = resource.MustParse(fmt.Sprintf("%dGi", disk))
	}
	return out
}

// NodeInfo reads the operating system from the image's os_type property and the architecture
// from its architecture property, named as Kubernetes names it. An architecture Kubernetes
// nodes do not report is left out.
func NodeInfo(img *images.Image) *infrav1.NodeInfo {
	prop := func(key string) string {
		v, _ := img.Properties[key].(string)
		return strings.ToLower(strings.TrimSpace(v))
	}
	return &infrav1.NodeInfo{OperatingSystem: prop("os_type"), Architecture: architecture(prop("architecture"))}
}

func architecture(a string) infrav1.Architecture {
	switch a {
	case "x86_64", "amd64":
		return infrav1.ArchitectureAmd64
	case "aarch64", "arm64":
		return infrav1.ArchitectureArm64
	case "s390x":
		return infrav1.ArchitectureS390x
	case "ppc64le", "ppc64el":
		return infrav1.ArchitecturePpc64le
	}
	return ""
}
