package clients

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

func TestListServersAnchorsNameAndFollowsPages(t *testing.T) {
	var srv *recorder
	srv = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "" {
			writeJSON(w, http.StatusOK, fmt.Sprintf(`{"servers": [{"id": "1", "name": "a.b"}, {"id": "2", "name": "a.b-extra"}],
				"servers_links": [{"rel": "next", "href": "%s/compute/servers/detail?marker=2"}]}`, srv.URL))
			return
		}
		writeJSON(w, http.StatusOK, `{"servers": [{"id": "3", "name": "a.b"}]}`)
	})
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	found, err := c.ListServers(context.Background(), ServerFilter{Name: "a.b", Tags: []string{"cluster-x", "role-worker"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].ID != "1" || found[1].ID != "3" {
		t.Fatalf("got %+v, want servers 1 and 3", found)
	}
	if n := srv.count("GET /compute/servers/detail"); n != 2 {
		t.Errorf("%d page requests, want 2", n)
	}
	if mv := srv.request("GET /compute/servers/detail").Header.Get("X-OpenStack-Nova-API-Version"); mv != ComputeMicroversion {
		t.Errorf("microversion header %q, want %q", mv, ComputeMicroversion)
	}
}

func TestListServersQuery(t *testing.T) {
	var query string
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.Query().Encode()
		writeJSON(w, http.StatusOK, `{"servers": []}`)
	})
	c := NewCompute(testProvider(t, srv, fastRetry), testEndpoint)
	if _, err := c.ListServers(context.Background(), ServerFilter{Name: "web(1)*", Tags: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if want := "name=%5Eweb%5C%281%5C%29%5C%2A%24&tags=a%2Cb"; query != want {
		t.Errorf("query %q, want %q", query, want)
	}
}

func TestNetworkReadsExtensionsAndReplacesTags(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/network/v2.0/networks":
			writeJSON(w, http.StatusOK, `{"networks": [{"id": "n1", "name": "public", "router:external": true, "mtu": 1450, "port_security_enabled": true}]}`)
		case r.URL.Path == "/network/v2.0/ports/p1/tags" && r.Method == http.MethodPut:
			body, _ := io.ReadAll(r.Body)
			writeJSON(w, http.StatusOK, string(body))
		default:
			writeJSON(w, http.StatusNotFound, `{"NeutronError": {"type": "HTTPNotFound", "message": "nope"}}`)
		}
	})
	n := NewNetwork(testProvider(t, srv, fastRetry), testEndpoint)
	ctx := context.Background()
	nets, err := n.ListNetworks(ctx, networks.ListOpts{Name: "public"})
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 1 || !nets[0].External || nets[0].MTU != 1450 || !nets[0].PortSecurityEnabled || nets[0].Name != "public" {
		t.Errorf("got %+v", nets)
	}
	tags, err := n.ReplaceTags(ctx, "ports", "p1", []string{"cluster-x"})
	if err != nil || len(tags) != 1 || tags[0] != "cluster-x" {
		t.Errorf("ReplaceTags = %v, %v", tags, err)
	}
	if _, err := n.GetPort(ctx, "p2"); !IsNotFound(err) || UserMessage(err) != "nope" {
		t.Errorf("GetPort = %v, want not found", err)
	}
	if _, err := n.ListPorts(ctx, ports.ListOpts{}); !IsNotFound(err) {
		t.Errorf("ListPorts = %v", err)
	}
}

func TestMissingServiceFailsEveryCall(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s", r.URL) })
	lb := NewLoadBalancer(testProvider(t, srv, fastRetry), testEndpoint)
	_, err := lb.GetLoadBalancer(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "loadbalancer service is not in the catalog") {
		t.Fatalf("got %v", err)
	}
	if err := lb.DeleteMember(context.Background(), "p", "m"); err == nil {
		t.Fatal("want an error")
	}
}
