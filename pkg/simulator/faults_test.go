package simulator

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

func TestFaultErrorCounts(t *testing.T) {
	e := newEnv(t, Options{})
	ok(t, e.sim.AddFault(Fault{Method: "GET", Path: `/flavors/\{id\}$`, First: 2, Action: FaultError, Status: 503}))
	for i, want := range []int{503, 503, 200, 200} {
		_, err := flavors.Get(ctx, e.compute, "1").Extract()
		if want == 200 {
			ok(t, err)
			continue
		}
		wantStatus(t, err, want)
		if !strings.Contains(body(t, err), `"serviceUnavailable"`) {
			t.Errorf("request %d body %s", i, body(t, err))
		}
	}
	e.sim.ClearFaults()
	ok(t, e.sim.AddFault(Fault{Path: "/networking/v2.0/networks$", Every: 3, Action: FaultError, Status: 500, Message: "boom"}))
	var failed []int
	for i := 1; i <= 6; i++ {
		_, err := networks.Create(ctx, e.network, networks.CreateOpts{Name: "n"}).Extract()
		if err != nil {
			if !strings.Contains(body(t, err), `"message":"boom"`) {
				t.Errorf("body %s", body(t, err))
			}
			failed = append(failed, i)
		}
	}
	if len(failed) != 2 || failed[0] != 3 || failed[1] != 6 {
		t.Errorf("every 3rd failed: %v", failed)
	}
	e.sim.ClearFaults()
	ok(t, e.sim.AddFault(Fault{Path: "/flavors", Probability: 0.5, Action: FaultError}))
	fails := 0
	for range 40 {
		if _, err := flavors.Get(ctx, e.compute, "1").Extract(); err != nil {
			fails++
		}
	}
	if fails < 10 || fails > 30 {
		t.Errorf("probability 0.5 failed %d of 40", fails)
	}
	for _, bad := range []Fault{{Action: "explode"}, {Path: "(", Action: FaultError}, {Body: "(", Action: FaultError}} {
		if err := e.sim.AddFault(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestFaultApplyThenError(t *testing.T) {
	e := newEnv(t, fast())
	ok(t, e.sim.AddFault(Fault{Method: "POST", Path: "/servers$", Body: `"name":"ghost"`, Action: FaultApplyThenError, Status: 503}))
	img := e.imageID("ubuntu-2404-kube-v1.36")
	_, err := servers.Create(ctx, e.compute, servers.CreateOpts{Name: "ghost", FlavorRef: "1", ImageRef: img, Networks: "none"}, nil).Extract()
	wantStatus(t, err, 503)
	page, err := servers.List(e.compute, servers.ListOpts{Name: "^ghost$"}).AllPages(ctx)
	ok(t, err)
	if all, _ := servers.ExtractServers(page); len(all) != 1 {
		t.Errorf("ghost servers: %d", len(all))
	}
}

func TestFaultRateLimit(t *testing.T) {
	e := newEnv(t, Options{})
	ok(t, e.sim.AddFault(Fault{Path: "/flavors", First: 1, Action: FaultRateLimit, RetryAfter: 1}))
	var waited []string
	e.provider.RetryBackoffFunc = func(_ context.Context, respErr *gophercloud.ErrUnexpectedResponseCode, _ error, _ uint) error {
		waited = append(waited, respErr.ResponseHeader.Get("Retry-After"))
		return nil // a real backoff would sleep; the test needs no wait
	}
	_, err := flavors.Get(ctx, e.compute, "1").Extract()
	ok(t, err)
	if len(waited) != 1 || waited[0] != "1" {
		t.Errorf("Retry-After seen: %v", waited)
	}
	// Without Retry-After and without a backoff function the 429 surfaces.
	e.provider.RetryBackoffFunc = nil
	ok(t, e.sim.AddFault(Fault{Path: "/flavors", Action: FaultRateLimit}))
	_, err = flavors.Get(ctx, e.compute, "1").Extract()
	wantStatus(t, err, http.StatusTooManyRequests)
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue); ue.ResponseHeader.Get("Retry-After") != "" {
		t.Errorf("unexpected Retry-After %q", ue.ResponseHeader.Get("Retry-After"))
	}
}

func TestFaultLatencyAndDrop(t *testing.T) {
	e := newEnv(t, Options{})
	ok(t, e.sim.AddFault(Fault{Path: "/flavors/", First: 1, Action: FaultLatency, Delay: 50 * time.Millisecond}))
	start := time.Now()
	_, err := flavors.Get(ctx, e.compute, "1").Extract()
	ok(t, err)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("latency fault took %v", d)
	}
	// POST, because Go's transport silently retries idempotent requests on
	// a dropped keep-alive connection.
	ok(t, e.sim.AddFault(Fault{Method: "POST", Path: "/networks$", First: 1, Action: FaultDrop}))
	_, err = networks.Create(ctx, e.network, networks.CreateOpts{Name: "dropped"}).Extract()
	if err == nil || strings.Contains(err.Error(), "Expected HTTP response code") {
		t.Fatalf("dropped connection gave %v", err)
	}
	_, err = networks.Create(ctx, e.network, networks.CreateOpts{Name: "fine"}).Extract()
	ok(t, err)
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, Options{})
	post := func(body string) int {
		resp, err := http.Post(e.sim.URL()+"/_sim/faults", "application/json", bytes.NewBufferString(body))
		ok(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"method":"GET","path":"/flavors/","action":"error","status":409,"first":1}`); code != 201 {
		t.Fatalf("add fault: %d", code)
	}
	for _, bad := range []string{`nope`, `{"action":"latency","delay":"soon"}`, `{"action":"teleport"}`} {
		if code := post(bad); code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	if code := post(`{"action":"latency","delay":"1ms","path":"/nothing"}`); code != 201 {
		t.Errorf("latency fault: %d", code)
	}
	wantStatus(t, flavors.Get(ctx, e.compute, "1").Err, 409)
	ok(t, e.sim.AddFault(Fault{Action: FaultError}))
	req, _ := http.NewRequest("DELETE", e.sim.URL()+"/_sim/faults", nil)
	resp, err := http.DefaultClient.Do(req)
	ok(t, err)
	resp.Body.Close()
	_, err = flavors.Get(ctx, e.compute, "1").Extract()
	ok(t, err)
	if resp.StatusCode != 204 {
		t.Errorf("clear: %d", resp.StatusCode)
	}
}
