package scope

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// authError says what to fix when authenticating with a cloud entry failed. The original
// error stays in the chain for clients.Classify.
func authError(cloud, secret string, err error) error {
	where := fmt.Sprintf("cloud %q in Secret %s", cloud, secret)
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch kind := clients.Classify(err); {
	case errors.As(err, &verify) || errors.As(err, &unknownCA) || errors.As(err, &hostname):
		return fmt.Errorf("%w: the TLS certificate of %s's Keystone cannot be verified: put the CA certificate in the Secret's %q key (or set verify: false in clouds.yaml): %w",
			ErrInvalidIdentity, where, CACertKey, err)
	case kind == clients.KindUnauthorized:
		return fmt.Errorf("credentials of %s rejected by Keystone (%s): fix the password, application credential or token: %w",
			where, clients.UserMessage(err), err)
	case kind == clients.KindNotFound:
		return fmt.Errorf("%w: Keystone of %s answered 404: check auth.auth_url: %w", ErrInvalidIdentity, where, err)
	case kind.UserFixable():
		return fmt.Errorf("authentication of %s refused by Keystone (%s): %w", where, clients.UserMessage(err), err)
	case kind == clients.KindTransient:
		return fmt.Errorf("cannot reach Keystone of %s, will retry: %w", where, err)
	}
	return fmt.Errorf("authenticating with %s: %w", where, err)
}
