package scope

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"gopkg.in/yaml.v2"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// Keys of the identityRef Secret.
const (
	CloudsYAMLKey = "clouds.yaml"
	CACertKey     = "cacert"
)

// ErrInvalidIdentity marks errors the user fixes in the identityRef or its Secret.
var ErrInvalidIdentity = errors.New("invalid identity")

// missingSecretError: the identityRef Secret does not exist, perhaps not yet (kubectl and
// GitOps tools may apply it after the objects that name it).
type missingSecretError struct{ error }

func (e missingSecretError) Unwrap() error { return e.error }

// IsSecretMissing reports an error of ForIdentity because the identityRef Secret does not exist.
func IsSecretMissing(err error) bool {
	var m missingSecretError
	return errors.As(err, &m)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidIdentity}, args...)...)
}

// cacheKey identifies a credential: the Secret content, the cloud entry and the region.
func cacheKey(data map[string][]byte, ref IdentityRef) string {
	h := sha256.New()
	for _, part := range [][]byte{data[CloudsYAMLKey], data[CACertKey], []byte(ref.CloudName), []byte(ref.Region)} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// parseCredentials turns the Secret's data into a client configuration. It reads nothing but
// data and managerCA: no environment variable, no file named in clouds.yaml, no
// clouds-public.yaml. That is why it decodes into gophercloud's clouds.yaml types itself
// rather than calling clouds.Parse, which falls back to OS_CLOUD, OS_REGION_NAME,
// OS_INTERFACE, OS_CLIENT_CONFIG_FILE, OS_CACERT, OS_CERT and OS_KEY and reads the files
// they and the cacert, cert and key entries name.
func parseCredentials(secret string, data map[string][]byte, ref IdentityRef, managerCA []byte) (clients.Config, error) {
	raw, ok := data[CloudsYAMLKey]
	if !ok || len(raw) == 0 {
		return clients.Config{}, invalid("Secret %s has no %q key: put the clouds.yaml file there", secret, CloudsYAMLKey)
	}
	var file clouds.Clouds
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return clients.Config{}, invalid("Secret %s key %q is not valid clouds.yaml: %s", secret, CloudsYAMLKey, hideValues(err))
	}
	cloud, ok := file.Clouds[ref.CloudName]
	if !ok {
		names := slices.Sorted(maps.Keys(file.Clouds))
		return clients.Config{}, invalid("cloud %q is not in Secret %s key %q (clouds found: %q): set identityRef.cloudName to one of them",
			ref.CloudName, secret, CloudsYAMLKey, names)
	}
	where := fmt.Sprintf("cloud %q in Secret %s", ref.CloudName, secret)
	if err := checkUnsupported(where, cloud); err != nil {
		return clients.Config{}, err
	}
	auth, err := authOptions(where, cloud)
	if err != nil {
		return clients.Config{}, err
	}
	endpoint, err := endpointOptions(where, cloud, ref.Region)
	if err != nil {
		return clients.Config{}, err
	}
	tlsConfig, err := tlsConfig(secret, cloud, data[CACertKey], managerCA)
	if err != nil {
		return clients.Config{}, err
	}
	return clients.Config{Auth: auth, Endpoint: endpoint, TLS: tlsConfig}, nil
}

var quotedValue = regexp.MustCompile("`[^`]*`")

// hideValues drops the values yaml quotes in its errors: a misplaced password must not end
// up in a condition message.
func hideValues(err error) string {
	return quotedValue.ReplaceAllString(err.Error(), "(value hidden)")
}

func checkUnsupported(where string, cloud clouds.Cloud) error {
	switch {
	case cloud.Profile != "" || cloud.Cloud != "":
		return invalid("%s uses a profile (clouds-public.yaml), which is not read: write auth_url and region_name into the entry", where)
	case cloud.ClientCertFile != "" || cloud.ClientKeyFile != "":
		return invalid("%s names client certificate files (cert, key), which are not supported", where)
	case cloud.AuthInfo == nil:
		return invalid("%s has no auth section", where)
	case cloud.AuthInfo.AuthURL == "":
		return invalid("%s has no auth.auth_url", where)
	case !isHTTPURL(cloud.AuthInfo.AuthURL):
		return invalid("%s: auth.auth_url %q is not an http or https URL", where, cloud.AuthInfo.AuthURL)
	case cloud.AuthInfo.SystemScope != "":
		return invalid("%s asks for system scope; the provider needs a project-scoped token", where)
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func coalesce(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// domain picks one of an ID and a name, preferring the ID as Keystone does.
func domain(id, name string) (string, string) {
	if id != "" {
		return id, ""
	}
	return "", name
}

// authOptions maps a clouds.yaml entry to Keystone v3 authentication with the meaning
// python-openstackclient gives the fields.
func authOptions(where string, cloud clouds.Cloud) (gophercloud.AuthOptions, error) {
	a := cloud.AuthInfo
	opts := gophercloud.AuthOptions{IdentityEndpoint: a.AuthURL, AllowReauth: true}
	method := cloud.AuthType
	if method == "" {
		switch {
		case a.ApplicationCredentialID != "" || a.ApplicationCredentialName != "":
			method = clouds.AuthV3ApplicationCredential
		case a.Token != "" && a.Password == "":
			method = clouds.AuthToken
		default:
			method = clouds.AuthPassword
		}
	}
	// Without user_domain_*, domain_* is the user's domain too.
	userDomainID, userDomainName := domain(coalesce(a.UserDomainID, a.DomainID), coalesce(a.UserDomainName, a.DomainName))
	if a.UserDomainID != "" || a.UserDomainName != "" {
		userDomainID, userDomainName = domain(a.UserDomainID, a.UserDomainName)
	}
	switch method {
	case clouds.AuthPassword, clouds.AuthV3Password:
		if a.Password == "" || a.Username == "" && a.UserID == "" {
			return opts, invalid("%s: password authentication needs auth.password and auth.username or auth.user_id", where)
		}
		opts.Password = a.Password
		if a.UserID != "" {
			opts.UserID = a.UserID
		} else {
			if userDomainID == "" && userDomainName == "" {
				return opts, invalid("%s: auth.username needs auth.user_domain_name or auth.user_domain_id", where)
			}
			opts.Username, opts.DomainID, opts.DomainName = a.Username, userDomainID, userDomainName
		}
		scope, err := projectScope(where, a)
		if err != nil {
			return opts, err
		}
		if scope == nil {
			return opts, invalid("%s: set auth.project_id or auth.project_name (the provider needs a project-scoped token)", where)
		}
		opts.Scope = scope
	case clouds.AuthToken, clouds.AuthV3Token:
		if a.Token == "" {
			return opts, invalid("%s: token authentication needs auth.token", where)
		}
		opts.TokenID = a.Token
		scope, err := projectScope(where, a)
		if err != nil {
			return opts, err
		}
		// Without a scope the token is used as it is and cannot be renewed.
		opts.Scope, opts.AllowReauth = scope, scope != nil
	case clouds.AuthV3ApplicationCredential:
		if a.ApplicationCredentialSecret == "" {
			return opts, invalid("%s: application credential authentication needs auth.application_credential_secret", where)
		}
		opts.ApplicationCredentialSecret = a.ApplicationCredentialSecret
		switch {
		case a.ApplicationCredentialID != "":
			opts.ApplicationCredentialID = a.ApplicationCredentialID
		case a.ApplicationCredentialName == "":
			return opts, invalid("%s: set auth.application_credential_id, or auth.application_credential_name with the user", where)
		case a.UserID != "":
			opts.ApplicationCredentialName, opts.UserID = a.ApplicationCredentialName, a.UserID
		case a.Username != "" && (userDomainID != "" || userDomainName != ""):
			opts.ApplicationCredentialName, opts.Username = a.ApplicationCredentialName, a.Username
			opts.DomainID, opts.DomainName = userDomainID, userDomainName
		default:
			return opts, invalid("%s: auth.application_credential_name needs auth.user_id, or auth.username with auth.user_domain_name or auth.user_domain_id", where)
		}
	default:
		return opts, invalid("%s: auth_type %q is not supported (use password, v3password, token, v3token or v3applicationcredential)", where, method)
	}
	return opts, nil
}

// projectScope is the trust or project the token is scoped to, or nil if the entry names none.
func projectScope(where string, a *clouds.AuthInfo) (*gophercloud.AuthScope, error) {
	switch {
	case a.TrustID != "":
		return &gophercloud.AuthScope{TrustID: a.TrustID}, nil
	case a.ProjectID != "":
		return &gophercloud.AuthScope{ProjectID: a.ProjectID}, nil
	case a.ProjectName != "":
		id, name := domain(coalesce(a.ProjectDomainID, a.DomainID), coalesce(a.ProjectDomainName, a.DomainName))
		if a.ProjectDomainID != "" || a.ProjectDomainName != "" {
			id, name = domain(a.ProjectDomainID, a.ProjectDomainName)
		}
		if id == "" && name == "" {
			return nil, invalid("%s: auth.project_name needs auth.project_domain_name or auth.project_domain_id", where)
		}
		return &gophercloud.AuthScope{ProjectName: a.ProjectName, DomainID: id, DomainName: name}, nil
	}
	return nil, nil
}

func endpointOptions(where string, cloud clouds.Cloud, region string) (gophercloud.EndpointOpts, error) {
	opts := gophercloud.EndpointOpts{Region: coalesce(region, cloud.RegionName)}
	switch iface := strings.TrimSuffix(coalesce(cloud.EndpointType, cloud.Interface), "URL"); iface {
	case "", "public":
		opts.Availability = gophercloud.AvailabilityPublic
	case "internal":
		opts.Availability = gophercloud.AvailabilityInternal
	case "admin":
		opts.Availability = gophercloud.AvailabilityAdmin
	default:
		return opts, invalid("%s: interface %q is not one of public, internal, admin", where, iface)
	}
	return opts, nil
}

// tlsConfig trusts the system roots plus the Secret's cacert and the manager's --ca-certs.
// The cacert entry of clouds.yaml is a file path on the writer's machine and is ignored.
func tlsConfig(secret string, cloud clouds.Cloud, secretCA, managerCA []byte) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cloud.Verify != nil && !*cloud.Verify {
		cfg.InsecureSkipVerify = true
	}
	if len(secretCA) == 0 && len(managerCA) == 0 {
		return cfg, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if len(secretCA) > 0 && !pool.AppendCertsFromPEM(secretCA) {
		return nil, invalid("Secret %s key %q holds no PEM certificate: put the PEM-encoded CA certificate of the cloud there", secret, CACertKey)
	}
	if len(managerCA) > 0 {
		pool.AppendCertsFromPEM(managerCA)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
