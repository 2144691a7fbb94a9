package clients

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// Config is what one authenticated client set is built from.
type Config struct {
	// Auth is the Keystone v3 authentication; IdentityEndpoint is the auth_url.
	Auth gophercloud.AuthOptions
	// Endpoint picks the region and interface (public, internal, admin) in the catalog.
	Endpoint gophercloud.EndpointOpts
	// TLS verifies the cloud's certificates; nil means the system roots.
	TLS *tls.Config
}

// ClientSet is one authenticated Keystone session and the service clients built once from its
// catalog. It is safe for concurrent use; build one per credential and reuse it.
type ClientSet struct {
	Compute      Compute
	Network      Network
	LoadBalancer LoadBalancer
	Image        Image
	Volume       Volume
	// ProjectID is the project the token is scoped to.
	ProjectID string

	provider  *gophercloud.ProviderClient
	transport *http.Transport

	mu      sync.Mutex
	tokenID string
	expiry  tokenTimes
}

type tokenTimes struct {
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Project   struct {
		ID string `json:"id"`
	} `json:"project"`
}

// maxRefreshMargin is how long before expiry a token is renewed, or a tenth of its lifetime
// if that is shorter.
const maxRefreshMargin = 5 * time.Minute

// NewClientSet authenticates once (one token request, no version discovery: Keystone v3 is
// assumed) and builds every service client from the catalog. All requests, token requests
// included, go through NewTransport with the shared limiter.
func NewClientSet(ctx context.Context, cfg Config, limiter *Limiter, opts Options) (*ClientSet, error) {
	opts = opts.WithDefaults()
	provider, err := openstack.NewClient(cfg.Auth.IdentityEndpoint)
	if err != nil {
		return nil, err
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = cfg.TLS
	var rt http.RoundTripper = base
	if opts.WrapTransport != nil {
		rt = opts.WrapTransport(base)
	}
	provider.HTTPClient = http.Client{Transport: NewTransport(rt, limiter, opts.Retry), Timeout: opts.RequestTimeout}
	if opts.UserAgent != "" {
		provider.UserAgent.Prepend(opts.UserAgent)
	}
	auth := cfg.Auth
	if err := openstack.AuthenticateV3(ctx, provider, &auth, gophercloud.EndpointOpts{}); err != nil {
		base.CloseIdleConnections()
		return nil, err
	}
	cs := &ClientSet{
		Compute:      NewCompute(provider, cfg.Endpoint),
		Network:      NewNetwork(provider, cfg.Endpoint),
		LoadBalancer: NewLoadBalancer(provider, cfg.Endpoint),
		Image:        NewImage(provider, cfg.Endpoint),
		Volume:       NewVolume(provider, cfg.Endpoint),
		provider:     provider,
		transport:    base,
	}
	cs.ProjectID = cs.token().Project.ID
	return cs, nil
}

// token returns the current token's times, read from its auth result once per token.
func (c *ClientSet) token() tokenTimes {
	id := c.provider.Token()
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != c.tokenID {
		c.tokenID = id
		c.expiry = tokenTimes{}
		if r, ok := c.provider.GetAuthResult().(interface{ ExtractInto(any) error }); ok {
			_ = r.ExtractInto(&c.expiry)
		}
	}
	return c.expiry
}

// RefreshToken renews the token if it expires within the refresh margin, so that calls do
// not meet a 401 first; otherwise it costs nothing. Concurrent callers share one renewal.
// A failed renewal is an error only once the token has expired.
func (c *ClientSet) RefreshToken(ctx context.Context) error {
	t := c.token()
	if t.ExpiresAt.IsZero() {
		return nil
	}
	margin := maxRefreshMargin
	if life := t.ExpiresAt.Sub(t.IssuedAt); !t.IssuedAt.IsZero() && life/10 < margin {
		margin = life / 10
	}
	left := time.Until(t.ExpiresAt)
	if left > margin {
		return nil
	}
	err := c.provider.Reauthenticate(ctx, c.provider.Token())
	if err != nil && left > 0 {
		return nil
	}
	return err
}

// Close releases idle connections; in-flight calls finish normally.
func (c *ClientSet) Close() {
	c.transport.CloseIdleConnections()
}
