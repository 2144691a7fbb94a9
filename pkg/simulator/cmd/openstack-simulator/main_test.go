package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-dir", dir, "-tls", "-cloud", "devsim", "-latency-scale", "0.01"}, w)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.Contains(line, "https://127.0.0.1:") {
		t.Fatalf("first line %q: %v", line, err)
	}
	go io.Copy(io.Discard, r) //nolint:errcheck

	ao, eo, tlsConfig, err := clouds.Parse(clouds.WithCloudName("devsim"), clouds.WithLocations(filepath.Join(dir, "clouds.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.NewProviderClient(ctx, ao, config.WithTLSConfig(tlsConfig))
	if err != nil {
		t.Fatal(err)
	}
	compute, err := openstack.NewComputeV2(p, eo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flavors.Get(ctx, compute, "1").Extract(); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return")
	}
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"-no-such-flag"},
		{"-listen", "256.0.0.1:0"},
		{"-listen", "127.0.0.1:0", "-dir", "/nonexistent/dir"},
	} {
		if err := run(ctx, args, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
