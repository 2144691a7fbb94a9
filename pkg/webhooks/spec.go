package webhooks

import (
	"fmt"
	"net/netip"

	"k8s.io/apimachinery/pkg/util/validation/field"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
)

// rootVolumeName is the block device name the root volume uses.
const rootVolumeName = "root"

// validateMachineSpec checks what the CRD schema cannot: names that would collide in OpenStack
// and addresses that must parse.
func validateMachineSpec(spec *infrav1.OpenStackMachineSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.RootVolume != nil {
		for i, bd := range spec.AdditionalBlockDevices {
			if bd.Name == rootVolumeName {
				errs = append(errs, field.Invalid(path.Child("additionalBlockDevices").Index(i).Child("name"), bd.Name,
					`the name "root" is reserved for the root volume when rootVolume is set: choose another name`))
			}
		}
	}
	seen := map[string]int{}
	for i, p := range spec.Ports {
		suffix := fmt.Sprint(i)
		if p.NameSuffix != nil {
			suffix = *p.NameSuffix
		}
		pp := path.Child("ports").Index(i)
		if j, dup := seen[suffix]; dup {
			errs = append(errs, field.Duplicate(pp.Child("nameSuffix"),
				fmt.Sprintf("%s (port %d gets the same name): give each port a distinct nameSuffix", suffix, j)))
		}
		seen[suffix] = i
		for k, ip := range p.FixedIPs {
			if ip.IPAddress != nil {
				errs = append(errs, validateIP(pp.Child("fixedIPs").Index(k).Child("ipAddress"), *ip.IPAddress)...)
			}
		}
		for k, pair := range p.AllowedAddressPairs {
			errs = append(errs, validateIPOrCIDR(pp.Child("allowedAddressPairs").Index(k).Child("ipAddress"), pair.IPAddress)...)
		}
	}
	return errs
}

func validateIP(path *field.Path, s string) field.ErrorList {
	if _, err := netip.ParseAddr(s); err != nil {
		return field.ErrorList{field.Invalid(path, s, "must be an IP address such as 10.0.0.5 or fd00::5")}
	}
	return nil
}

func validateCIDR(path *field.Path, s string) field.ErrorList {
	if _, err := netip.ParsePrefix(s); err != nil {
		return field.ErrorList{field.Invalid(path, s, "must be a CIDR such as 10.0.0.0/24 or fd00::/64")}
	}
	return nil
}

func validateIPOrCIDR(path *field.Path, s string) field.ErrorList {
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return nil
	}
	return field.ErrorList{field.Invalid(path, s, "must be an IP address or a CIDR")}
}
