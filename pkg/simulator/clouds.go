package simulator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CloudsYAML returns a clouds.yaml for the started simulator with two
// clouds: cloudName (user demo, password auth) and cloudName+"-appcred"
// (application credential). It has no cacert; see WriteConfig for HTTPS.
func (s *Simulator) CloudsYAML(cloudName string) []byte {
	return s.cloudsYAML(cloudName, "")
}

// WriteConfig writes clouds.yaml (and ca.pem when TLS is on, referenced as
// cacert) into dir and returns the clouds.yaml path.
func (s *Simulator) WriteConfig(dir, cloudName string) (string, error) {
	caPath := ""
	if s.caPEM != nil {
		caPath = filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(caPath, s.caPEM, 0o600); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "clouds.yaml")
	return path, os.WriteFile(path, s.cloudsYAML(cloudName, caPath), 0o600)
}

func (s *Simulator) cloudsYAML(cloudName, caPath string) []byte {
	authURL := s.URL() + "/identity"
	common := fmt.Sprintf("    region_name: %q\n    interface: public\n    identity_api_version: 3\n", s.opts.Region)
	if caPath != "" {
		common += fmt.Sprintf("    cacert: %q\n", caPath)
	}
	var b strings.Builder
	b.WriteString("clouds:\n")
	fmt.Fprintf(&b, "  %s:\n    auth:\n      auth_url: %q\n      username: %q\n      password: %q\n"+
		"      project_name: %q\n      user_domain_name: %q\n      project_domain_name: %q\n%s",
		cloudName, authURL, s.demo.Name, s.opts.Password, "demo", defaultDomainName, defaultDomainName, common)
	fmt.Fprintf(&b, "  %s-appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: %q\n"+
		"      application_credential_id: %q\n      application_credential_secret: %q\n%s",
		cloudName, authURL, s.appCred.ID, s.appCred.Secret, common)
	return []byte(b.String())
}
