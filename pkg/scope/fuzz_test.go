package scope

import (
	"errors"
	"testing"
)

// FuzzParseCredentials feeds any Secret content to the parser: it must return a usable
// configuration or an invalid-identity error, never panic.
func FuzzParseCredentials(f *testing.F) {
	f.Add([]byte(passwordCloud("https://k", "")), []byte(nil), "openstack", "")
	f.Add([]byte("clouds: {c: {auth: {auth_url: x, application_credential_id: a, application_credential_secret: s}}}"), []byte("-----BEGIN CERTIFICATE-----\n"), "c", "r")
	f.Add([]byte("clouds:\n  c:\n    regions: [a, {name: b, values: {region_name: c}}]\n    verify: yes\n"), []byte{}, "c", "")
	f.Add([]byte("clouds: {c: {auth: &a {auth_url: *a}}}"), []byte{0}, "c", "")
	f.Add([]byte("\x00\xff"), []byte("x"), "", "")
	f.Fuzz(func(t *testing.T, cloudsYAML, caCert []byte, cloudName, region string) {
		data := map[string][]byte{CloudsYAMLKey: cloudsYAML, CACertKey: caCert}
		cfg, err := parseCredentials("ns/s", data, IdentityRef{Name: "s", CloudName: cloudName, Region: region}, nil)
		if err != nil {
			if !errors.Is(err, ErrInvalidIdentity) {
				t.Fatalf("error is not an invalid-identity error: %v", err)
			}
			return
		}
		if cfg.Auth.IdentityEndpoint == "" || cfg.TLS == nil {
			t.Fatalf("accepted without auth_url or TLS config: %+v", cfg)
		}
	})
}
