package fidelity

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Answer is what a recording knows of one (call, status): how often it came and the merged
// shape of its JSON bodies (nil when none was JSON).
type Answer struct {
	Count int    `json:"count"`
	Shape *Shape `json:"shape,omitempty"`
}

// Recording maps a call ("GET compute /v2.1/servers/{id} ?") to its answers by status code.
type Recording map[string]map[string]*Answer

// Recorder is an http.RoundTripper wrapper (clients.Options.WrapTransport) that records
// the shape of every answer.
type Recorder struct {
	mu  sync.Mutex
	rec Recording
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{rec: Recording{}} }

// Wrap returns next, recording its answers.
func (r *Recorder) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		body, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			return resp, nil
		}
		r.add(CallKey(req.Method, req.URL), resp.StatusCode, resp.Header.Get("Content-Type"), body)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (r *Recorder) add(key string, status int, contentType string, body []byte) {
	var shape *Shape
	if strings.Contains(contentType, "json") && len(bytes.TrimSpace(body)) > 0 {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil {
			shape = ShapeOf(v)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	byStatus := r.rec[key]
	if byStatus == nil {
		byStatus = map[string]*Answer{}
		r.rec[key] = byStatus
	}
	a := byStatus[strconv.Itoa(status)]
	if a == nil {
		a = &Answer{}
		byStatus[strconv.Itoa(status)] = a
	}
	a.Count++
	a.Shape = Merge(a.Shape, shape)
}

// Save writes the recording as JSON.
func (r *Recorder) Save(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, err := json.MarshalIndent(r.rec, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Load reads a recording written by Save.
func Load(path string) (Recording, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec := Recording{}
	return rec, json.Unmarshal(data, &rec)
}

// servicePorts name the services of a cloud whose endpoints are ports of one host (the
// harness of hack/openstack); the simulator's are path prefixes.
var servicePorts = map[string]string{
	"5000": "identity", "8774": "compute", "9696": "networking", "9292": "image", "8776": "volume", "9876": "load-balancer",
}

var simPrefixes = []string{"identity", "compute", "networking", "image", "volume", "load-balancer"}

var idSegment = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}|[0-9]+)$`)

// CallKey names a call independently of the cloud: method, service, path with IDs replaced
// by {id}, and the sorted query keys (values dropped).
func CallKey(method string, u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	svc := servicePorts[u.Port()]
	if len(segs) > 0 {
		for _, p := range simPrefixes {
			if segs[0] == p {
				svc, segs = p, segs[1:]
				break
			}
		}
	}
	if svc == "" {
		svc = u.Host
	}
	for i, s := range segs {
		if idSegment.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	var keys []string
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return method + " " + svc + " /" + strings.Join(segs, "/") + " ?" + strings.Join(keys, "&")
}
