package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFlags(t *testing.T) {
	o := &options{}
	fs := pflag.NewFlagSet("manager", pflag.ContinueOnError)
	o.addFlags(fs)
	err := fs.Parse([]string{"--namespace=ns", "--watch-filter=team-a", "--sync-period=1m", "--openstackmachine-concurrency=50",
		"--kube-api-qps=100", "--leader-elect", "--leader-elect-lease-duration=30s", "--v=4", "--logging-format=json"})
	if err != nil {
		t.Fatal(err)
	}
	if o.namespace != "ns" || o.watchFilter != "team-a" || o.syncPeriod != time.Minute || o.machineConcurrency != 50 ||
		o.kubeAPIQPS != 100 || !o.leaderElect || o.leaseDuration != 30*time.Second || o.logOptions.Format != "json" {
		t.Fatalf("flags not applied: %+v", o)
	}
	opts := managerOptions(o, nil)
	if _, ok := opts.Cache.DefaultNamespaces["ns"]; !ok || *opts.Cache.SyncPeriod != time.Minute {
		t.Fatalf("cache options = %+v", opts.Cache)
	}
	if len(opts.Client.Cache.DisableFor) != 2 {
		t.Fatalf("Secrets and ConfigMaps must bypass the cache: %+v", opts.Client.Cache)
	}
}

func TestLoadCACerts(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCACerts(bad); err == nil || !strings.Contains(err.Error(), "holds no PEM-encoded certificate") {
		t.Fatalf("bad PEM: %v", err)
	}
	if _, err := loadCACerts(filepath.Join(dir, "missing.pem")); err == nil || !strings.Contains(err.Error(), "--ca-certs") {
		t.Fatalf("missing file: %v", err)
	}
	if pem, err := loadCACerts(""); err != nil || pem != nil {
		t.Fatalf("no flag: %v %v", pem, err)
	}
}
