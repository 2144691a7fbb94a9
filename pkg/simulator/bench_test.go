package simulator

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// BenchmarkServerCreate measures server creates per second through
// gophercloud, on its own network so every create also allocates a port.
func BenchmarkServerCreate(b *testing.B) {
	q := DefaultQuota()
	q.Instances, q.Cores, q.RAM, q.Ports = -1, -1, -1, -1
	e := newEnv(b, Options{Quota: q})
	n, _ := e.netWithSubnet("bench", "10.0.0.0/8")
	img := e.imageID("cirros-0.6.3-x86_64-disk")
	b.ResetTimer()
	for b.Loop() {
		if _, err := servers.Create(ctx, e.compute, servers.CreateOpts{Name: "b", FlavorRef: "1", ImageRef: img, Networks: []servers.Network{{UUID: n.ID}}}, nil).Extract(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkServerGet measures server GETs per second through gophercloud.
func BenchmarkServerGet(b *testing.B) {
	e := newEnv(b, Options{})
	srv := e.newServer(servers.CreateOpts{Name: "b", FlavorRef: "1", ImageRef: e.imageID("cirros-0.6.3-x86_64-disk"), Networks: "none"})
	b.ResetTimer()
	for b.Loop() {
		if _, err := servers.Get(ctx, e.compute, srv.ID).Extract(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
