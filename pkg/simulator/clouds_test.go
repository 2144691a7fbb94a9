package simulator

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

// connect authenticates with the named cloud from a clouds.yaml and lists
// networks.
func connect(t *testing.T, opts ...clouds.ParseOption) error {
	t.Helper()
	ao, eo, tlsConfig, err := clouds.Parse(opts...)
	ok(t, err)
	p, err := config.NewProviderClient(ctx, ao, config.WithTLSConfig(tlsConfig))
	if err != nil {
		return err
	}
	client, err := openstack.NewNetworkV2(p, eo)
	ok(t, err)
	_, err = networks.List(client, nil).AllPages(ctx)
	return err
}

func TestCloudsYAML(t *testing.T) {
	sim, err := New(Options{})
	ok(t, err)
	sim.Start()
	defer sim.Close()
	yaml := sim.CloudsYAML("sim")
	if bytes.Contains(yaml, []byte("cacert")) {
		t.Error("plain HTTP clouds.yaml has a cacert")
	}
	for _, cloud := range []string{"sim", "sim-appcred"} {
		ok(t, connect(t, clouds.WithCloudName(cloud), clouds.WithCloudsYAML(bytes.NewReader(yaml))))
	}
	if sim.CACert() != nil {
		t.Error("CA without TLS")
	}
}

func TestTLS(t *testing.T) {
	sim, err := New(Options{TLS: true})
	ok(t, err)
	url := sim.Start()
	defer sim.Close()
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("url %s", url)
	}
	dir := t.TempDir()
	path, err := sim.WriteConfig(dir, "sim")
	ok(t, err)
	ok(t, connect(t, clouds.WithCloudName("sim"), clouds.WithLocations(path)))

	// Without the CA the certificate is not trusted.
	_, err = openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: url + "/identity", Username: "demo", Password: DefaultPassword, DomainName: "Default", TenantName: "demo",
	})
	var unknown x509.UnknownAuthorityError
	if err == nil || !errorsAsTLS(err, &unknown) {
		t.Fatalf("without CA: %v", err)
	}
	// With the CA in a plain http.Client.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(sim.CACert())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := client.Get(url + "/identity/")
	ok(t, err)
	resp.Body.Close()
	if resp.StatusCode != 300 {
		t.Errorf("GET /identity/: %d", resp.StatusCode)
	}
	if sim.Start() != url {
		t.Error("second Start changed the URL")
	}
}

func TestListenError(t *testing.T) {
	sim, err := New(Options{ListenAddr: "256.0.0.1:0"})
	ok(t, err)
	if _, err := sim.Listen(); err == nil {
		t.Fatal("listened on a bad address")
	}
	defer func() {
		if recover() == nil {
			t.Error("Start did not panic")
		}
	}()
	sim.Start()
}

func TestWriteConfigError(t *testing.T) {
	sim, err := New(Options{TLS: true})
	ok(t, err)
	if _, err := sim.WriteConfig("/nonexistent/dir", "sim"); err == nil {
		t.Error("wrote into a missing directory")
	}
}
