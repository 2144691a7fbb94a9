package simulator

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// base holds what every resource has. seq orders resources by creation, which
// is the order lists and pagination use.
type base struct {
	ID          string
	Name        string
	Description string
	ProjectID   string
	Tags        []string
	seq         int64
	Created     time.Time
	Updated     time.Time
}

func (b *base) meta() *base { return b }

type resource interface{ meta() *base }

// store holds one project's resources. All stores are guarded by
// Simulator.mu.
type store struct {
	project *project

	networks     map[string]*network
	subnets      map[string]*subnet
	ports        map[string]*port
	routers      map[string]*router
	secGroups    map[string]*secGroup
	secRules     map[string]*secRule
	floatingIPs  map[string]*floatingIP
	trunks       map[string]*trunk
	servers      map[string]*server
	keypairs     map[string]*keypair
	serverGroups map[string]*serverGroup
	volumes      map[string]*volume
	images       map[string]*image
	lbs          map[string]*loadBalancer
	listeners    map[string]*listener
	pools        map[string]*pool
	members      map[string]*member
	monitors     map[string]*monitor
}

type project struct {
	ID, Name string
	Quota    Quota
}

func newStore(p *project) *store {
	return &store{
		project:      p,
		networks:     map[string]*network{},
		subnets:      map[string]*subnet{},
		ports:        map[string]*port{},
		routers:      map[string]*router{},
		secGroups:    map[string]*secGroup{},
		secRules:     map[string]*secRule{},
		floatingIPs:  map[string]*floatingIP{},
		trunks:       map[string]*trunk{},
		servers:      map[string]*server{},
		keypairs:     map[string]*keypair{},
		serverGroups: map[string]*serverGroup{},
		volumes:      map[string]*volume{},
		images:       map[string]*image{},
		lbs:          map[string]*loadBalancer{},
		listeners:    map[string]*listener{},
		pools:        map[string]*pool{},
		members:      map[string]*member{},
		monitors:     map[string]*monitor{},
	}
}

// pendingOp finishes an asynchronous deletion once the clock reaches at.
type pendingOp struct {
	at time.Time
	fn func()
}

// later schedules fn to run on the first request handled at or after at.
func (s *Simulator) later(at time.Time, fn func()) {
	s.pending = append(s.pending, pendingOp{at: at, fn: fn})
}

// reap runs the pending operations that are due. Callers hold s.mu.
func (s *Simulator) reap() {
	now := s.clock.Now()
	for {
		due := -1
		for i, op := range s.pending {
			if !op.at.After(now) {
				due = i
				break
			}
		}
		if due < 0 {
			return
		}
		op := s.pending[due]
		s.pending = slices.Delete(s.pending, due, due+1)
		op.fn()
	}
}

// newBase fills in identity and timestamps for a new resource.
func (s *Simulator) newBase(projectID, name string) base {
	s.seq++
	now := s.clock.Now().UTC()
	return base{ID: newUUID(), Name: name, ProjectID: projectID, seq: s.seq, Created: now, Updated: now}
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newHexID returns a Keystone-style 32 hex digit ID.
func newHexID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func (s *Simulator) newMAC() string {
	s.macSeq++
	return fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", s.macSeq>>16&0xff, s.macSeq>>8&0xff, s.macSeq&0xff)
}

// sorted returns the map's values ordered by creation.
func sorted[T resource](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(a.meta().seq, b.meta().seq) })
	return out
}

// collect gathers the resources of every project that keep accepts, ordered
// by creation.
func collect[T resource](s *Simulator, table func(*store) map[string]T, keep func(T) bool) []T {
	var out []T
	for _, st := range s.projects {
		for _, v := range table(st) {
			if keep(v) {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(a.meta().seq, b.meta().seq) })
	return out
}

// find looks a resource up by ID in every project's store.
func find[T any](s *Simulator, table func(*store) map[string]T, id string) (T, *store) {
	for _, st := range s.projects {
		if v, ok := table(st)[id]; ok {
			return v, st
		}
	}
	var zero T
	return zero, nil
}

func isoZ(t time.Time) string     { return t.UTC().Format("2006-01-02T15:04:05Z") }
func isoMicro(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

func tagsOrEmpty(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}
