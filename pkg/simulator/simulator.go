package simulator

import (
	"crypto/tls"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Latencies says how long simulated asynchronous work takes. Statuses are
// computed when a resource is read, from its creation time, these durations
// and the Clock, so nothing runs in the background. NeutronCRUD is different:
// it is a real sleep added to every Neutron write request (0 by default).
//
// A zero Latencies means DefaultLatencies(). Any other value is used as given,
// so a field left at zero makes that transition instantaneous.
type Latencies struct {
	ServerBuild        time.Duration
	ServerDelete       time.Duration
	VolumeCreate       time.Duration
	VolumeDelete       time.Duration
	LoadBalancerCreate time.Duration
	LoadBalancerUpdate time.Duration
	LoadBalancerDelete time.Duration
	// LoadBalancerChild applies to listener, pool, member and health monitor
	// create/update/delete.
	LoadBalancerChild time.Duration
	NeutronCRUD       time.Duration
}

// DefaultLatencies are roughly what a real cloud shows.
func DefaultLatencies() Latencies {
	return Latencies{
		ServerBuild:        10 * time.Second,
		ServerDelete:       2 * time.Second,
		VolumeCreate:       3 * time.Second,
		VolumeDelete:       2 * time.Second,
		LoadBalancerCreate: 30 * time.Second,
		LoadBalancerUpdate: 2 * time.Second,
		LoadBalancerDelete: 10 * time.Second,
		LoadBalancerChild:  2 * time.Second,
	}
}

// Options configure a Simulator. Every field has a default.
type Options struct {
	// Region is the catalog's region name (default "RegionOne").
	Region string
	// Password of the seeded user "demo" (default DefaultPassword).
	Password string
	// TokenTTL is how long issued tokens live (default one hour).
	TokenTTL time.Duration
	// Clock defaults to the real clock.
	Clock Clock
	// Latency defaults to DefaultLatencies() when zero.
	Latency Latencies
	// Quota applies to every project; zero means DefaultQuota().
	Quota Quota
	// TLS makes Start serve HTTPS with a certificate signed by a CA generated
	// for this simulator (see CACert).
	TLS bool
	// ListenAddr is where Start listens (default "127.0.0.1:0").
	ListenAddr string
	// Seed seeds the random source used by probabilistic faults (default 1).
	Seed uint64
	// ReclaimInstanceInterval, when positive, makes a server DELETE a soft delete, as Nova's
	// reclaim_instance_interval does: the server stays SOFT_DELETED, holding its ports and
	// volumes, for that long, unless forceDelete removes it at once.
	ReclaimInstanceInterval time.Duration
}

// DefaultPassword is the seeded user's password unless Options.Password is set.
const DefaultPassword = "secret"

// Simulator is an in-memory OpenStack cloud served over HTTP.
type Simulator struct {
	opts  Options
	clock Clock
	lat   Latencies

	mu           sync.Mutex
	projects     map[string]*store
	users        map[string]*user
	appCreds     map[string]*appCredential
	tokens       map[string]*token
	flavors      []*flavor
	zones        []string
	lbProviders  []lbProvider
	lbFlavors    []*lbFlavor
	seeded       map[string]bool
	seq          int64
	macSeq       int
	pending      []pendingOp
	faults       []*faultRule
	faultSeq     int
	rng          *rand.Rand
	counts       map[string]int
	tokensIssued int
	demo         *user
	appCred      *appCredential

	api     *http.ServeMux
	control *http.ServeMux

	tlsConfig *tls.Config
	caPEM     []byte
	server    *http.Server
	url       string
}

// New builds a seeded simulator. It does not listen until Start.
func New(opts Options) (*Simulator, error) {
	if opts.Region == "" {
		opts.Region = "RegionOne"
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = "127.0.0.1:0"
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Latency == (Latencies{}) {
		opts.Latency = DefaultLatencies()
	}
	if opts.Quota == (Quota{}) {
		opts.Quota = DefaultQuota()
	}
	s := &Simulator{
		opts:     opts,
		clock:    opts.Clock,
		lat:      opts.Latency,
		projects: map[string]*store{},
		users:    map[string]*user{},
		appCreds: map[string]*appCredential{},
		tokens:   map[string]*token{},
		seeded:   map[string]bool{},
		counts:   map[string]int{},
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed)),
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if opts.TLS {
		cfg, caPEM, err := newTLS()
		if err != nil {
			return nil, err
		}
		s.tlsConfig, s.caPEM = cfg, caPEM
	}
	s.seed()
	s.api = http.NewServeMux()
	s.routeKeystone()
	s.routeNova()
	s.routeNeutron()
	s.routeGlance()
	s.routeCinder()
	s.routeOctavia()
	s.control = http.NewServeMux()
	s.routeControl()
	return s, nil
}

// Handler returns the simulator as an http.Handler, for callers that serve it
// themselves. Catalog URLs are derived from each request's Host, so any
// address works; TLS is then the caller's business.
func (s *Simulator) Handler() http.Handler { return s }

// Start is Listen that panics on error, for tests.
func (s *Simulator) Start() string {
	url, err := s.Listen()
	if err != nil {
		panic("simulator: " + err.Error())
	}
	return url
}

// Listen listens on Options.ListenAddr (HTTPS when Options.TLS), serves the
// simulator there and returns the base URL, e.g. "http://127.0.0.1:41234".
// Calling it again returns the same URL.
func (s *Simulator) Listen() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.server != nil {
		return s.url, nil
	}
	l, err := net.Listen("tcp", s.opts.ListenAddr)
	if err != nil {
		return "", err
	}
	scheme := "http"
	if s.tlsConfig != nil {
		l = tls.NewListener(l, s.tlsConfig)
		scheme = "https"
	}
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = scheme + "://" + l.Addr().String()
	go s.server.Serve(l) //nolint:errcheck // returns ErrServerClosed on Close
	return s.url, nil
}

// URL is the base URL returned by Start ("" before Start).
func (s *Simulator) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the listener started by Start.
func (s *Simulator) Close() {
	s.mu.Lock()
	srv := s.server
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// CACert returns the PEM-encoded CA certificate that signed the HTTPS
// certificate, or nil when TLS is off.
func (s *Simulator) CACert() []byte { return s.caPEM }

// AppCredential returns the ID and secret of the seeded application
// credential (user demo, project demo).
func (s *Simulator) AppCredential() (id, secret string) {
	return s.appCred.ID, s.appCred.Secret
}
