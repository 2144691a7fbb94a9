// Package scope turns an identityRef (a Secret holding clouds.yaml) into an authenticated set
// of OpenStack clients, cached per credential so that reconciles reuse one token and one set
// of service clients.
package scope

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// IdentityRef names the Secret with clouds.yaml (key "clouds.yaml", optional "cacert"), the
// cloud entry in it, and optionally a region that overrides the entry's region_name.
// The Secret is always read from the namespace of the object being reconciled.
type IdentityRef struct {
	Name      string
	CloudName string
	Region    string
}

// Scope is the set of OpenStack clients for one credential.
type Scope struct {
	Compute      clients.Compute
	Network      clients.Network
	LoadBalancer clients.LoadBalancer
	Image        clients.Image
	Volume       clients.Volume
	// ProjectID is the project the token is scoped to; Region is the catalog region in use.
	ProjectID, Region string
	// Zones caches the credential's availability zones (nil: list them every time).
	Zones *Zones
}

// ScopeGetter returns the clients for an identityRef of an object in namespace. Factory
// implements it; tests use scopetest.Mocks.
type ScopeGetter interface {
	ForIdentity(ctx context.Context, namespace string, ref IdentityRef) (*Scope, error)
}

// DefaultCacheSize is the number of credentials whose client sets are kept.
const DefaultCacheSize = 64

// Factory builds and caches a client set per credential.
type Factory struct {
	reader    client.Reader
	opts      clients.Options
	managerCA []byte
	limiter   *clients.Limiter
	cache     *cache
}

var _ ScopeGetter = &Factory{}

// NewFactory returns a Factory that reads Secrets through reader (normally the manager's
// cached client), trusts caCerts (the PEM content of the manager's --ca-certs file, may be
// empty) for every cloud, and keeps up to cacheSize client sets (DefaultCacheSize if <= 0).
func NewFactory(reader client.Reader, opts clients.Options, caCerts []byte, cacheSize int) (*Factory, error) {
	if len(caCerts) > 0 && !x509.NewCertPool().AppendCertsFromPEM(caCerts) {
		return nil, errors.New("the --ca-certs file holds no PEM certificate")
	}
	if cacheSize <= 0 {
		cacheSize = DefaultCacheSize
	}
	opts = opts.WithDefaults()
	return &Factory{
		reader:    reader,
		opts:      opts,
		managerCA: caCerts,
		limiter:   clients.NewLimiter(opts.RateLimits),
		cache:     newCache(cacheSize),
	}, nil
}

// ForIdentity returns the clients for ref, read from namespace. On a cache hit it costs one
// Secret read from the reader and a hash, and renews the token only when it nears expiry.
// A changed Secret gets a new client set and the old one is dropped.
func (f *Factory) ForIdentity(ctx context.Context, namespace string, ref IdentityRef) (*Scope, error) {
	if ref.Name == "" || ref.CloudName == "" {
		return nil, invalid("identityRef needs both name and cloudName")
	}
	secretName := namespace + "/" + ref.Name
	secret := &corev1.Secret{}
	if err := f.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, missingSecretError{invalid("identityRef Secret %s not found: create it with a %q key", secretName, CloudsYAMLKey)}
		}
		return nil, fmt.Errorf("reading identityRef Secret %s: %w", secretName, err)
	}
	refID := secretName + "\x00" + ref.CloudName + "\x00" + ref.Region
	e, err := f.cache.get(ctx, refID, cacheKey(secret.Data, ref), func() (*clients.ClientSet, Scope, error) {
		return f.build(ctx, secretName, secret.Data, ref)
	})
	if err != nil {
		return nil, err
	}
	if err := e.set.RefreshToken(ctx); err != nil {
		return nil, authError(ref.CloudName, secretName, err)
	}
	s := e.scope
	return &s, nil
}

func (f *Factory) build(ctx context.Context, secretName string, data map[string][]byte, ref IdentityRef) (*clients.ClientSet, Scope, error) {
	cfg, err := parseCredentials(secretName, data, ref, f.managerCA)
	if err != nil {
		return nil, Scope{}, err
	}
	set, err := clients.NewClientSet(ctx, cfg, f.limiter, f.opts)
	if err != nil {
		return nil, Scope{}, authError(ref.CloudName, secretName, err)
	}
	return set, Scope{
		Compute:      set.Compute,
		Network:      set.Network,
		LoadBalancer: set.LoadBalancer,
		Image:        set.Image,
		Volume:       set.Volume,
		ProjectID:    set.ProjectID,
		Region:       cfg.Endpoint.Region,
		Zones:        newZones(set.Compute, zoneTTL),
	}, nil
}
