// Command openstack-simulator serves the in-memory OpenStack simulator and
// writes a clouds.yaml (plus ca.pem with -tls) that the openstack CLI or
// gophercloud can use:
//
//	go run ./pkg/simulator/cmd/openstack-simulator -listen 127.0.0.1:5000 -dir /tmp/sim
//	OS_CLIENT_CONFIG_FILE=/tmp/sim/clouds.yaml OS_CLOUD=simulator openstack server list
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/simulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "openstack-simulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("openstack-simulator", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:5000", "address to listen on")
	dir := fs.String("dir", ".", "directory for clouds.yaml (and ca.pem)")
	cloud := fs.String("cloud", "simulator", "cloud name in clouds.yaml")
	region := fs.String("region", "RegionOne", "region name")
	password := fs.String("password", simulator.DefaultPassword, "password of user demo")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a generated CA")
	scale := fs.Float64("latency-scale", 1, "multiply the default latencies (e.g. 0.01 for fast tests)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lat := simulator.DefaultLatencies()
	for _, d := range []*time.Duration{&lat.ServerBuild, &lat.ServerDelete, &lat.VolumeCreate, &lat.VolumeDelete,
		&lat.LoadBalancerCreate, &lat.LoadBalancerUpdate, &lat.LoadBalancerDelete, &lat.LoadBalancerChild} {
		*d = time.Duration(float64(*d) * *scale)
	}
	sim, err := simulator.New(simulator.Options{
		Region: *region, Password: *password, TLS: *useTLS, ListenAddr: *listen, Latency: lat,
	})
	if err != nil {
		return err
	}
	url, err := sim.Listen()
	if err != nil {
		return err
	}
	defer sim.Close()
	path, err := sim.WriteConfig(*dir, *cloud)
	if err != nil {
		return err
	}
	id, _ := sim.AppCredential()
	fmt.Fprintf(out, "OpenStack simulator listening on %s\n", url)
	fmt.Fprintf(out, "export OS_CLIENT_CONFIG_FILE=%s OS_CLOUD=%s   # or OS_CLOUD=%s-appcred (credential %s)\n", path, *cloud, *cloud, id)
	fmt.Fprintf(out, "control API: %s/_sim/counters, /_sim/inventory, /_sim/leaks, POST /_sim/faults\n", url)
	<-ctx.Done()
	return nil
}
