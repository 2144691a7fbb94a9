// Package simulator is an in-memory OpenStack cloud for tests: Keystone v3,
// Nova v2.1, Neutron v2.0, Glance v2, Cinder v3 and Octavia v2 served over
// HTTP (or HTTPS with a CA it generates), with wire JSON that gophercloud v2
// parses.
//
// All services share one listener under devstack's path prefixes, and the
// Keystone catalog points at them:
//
//	/identity               Keystone (also GET / for version discovery)
//	/compute/v2.1           Nova
//	/networking/v2.0        Neutron
//	/image/v2               Glance
//	/volume/v3/{project_id} Cinder ("block-storage" and "volumev3")
//	/load-balancer/v2[.0]   Octavia
//	/_sim/                  the simulator's control API (no auth)
//
// The model keeps one store per project behind a single mutex and runs no
// background goroutines. Asynchronous work (server build and delete, volume
// create and delete, load balancer provisioning) is computed when a resource
// is read, from its timestamps, the configured Latencies and the Clock; a
// FakeClock lets tests step through it. Neutron is synchronous like the real
// API: Latencies.NeutronCRUD only adds a real delay to its write requests and
// is 0 by default.
//
// Seeded resources (project demo with user demo, the external network
// "public", flavors m1.tiny to m1.xlarge, images, availability zones az1 to
// az3, Octavia providers and a flavor) never count as leaks.
package simulator
