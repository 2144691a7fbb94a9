package scope

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
)

// failureTTL is how long a rejected credential is remembered, so that a wrong password is
// not sent to Keystone on every reconcile of every object (and does not lock the account).
const failureTTL = time.Minute

// cache is a bounded LRU of client sets keyed by credential (see cacheKey). It also remembers
// which key each identityRef last resolved to, to drop an entry when its Secret changes.
type cache struct {
	size    int
	mu      sync.Mutex
	order   *list.List // of *entry, most recently used first
	entries map[string]*list.Element
	refs    map[string]string // identityRef → key
}

type entry struct {
	key   string
	ready chan struct{} // closed once set or err is known
	set   *clients.ClientSet
	scope Scope
	err   error
	at    time.Time // when err was found
}

func newCache(size int) *cache {
	return &cache{size: size, order: list.New(), entries: map[string]*list.Element{}, refs: map[string]string{}}
}

// get returns the entry for key, building it with build if there is none. One caller builds;
// concurrent callers for the same key wait for it. Failures that retrying cannot fix are
// kept for failureTTL; others are forgotten at once.
func (c *cache) get(ctx context.Context, ref, key string, build func() (*clients.ClientSet, Scope, error)) (*entry, error) {
	c.mu.Lock()
	if old, ok := c.refs[ref]; ok && old != key {
		delete(c.refs, ref)
		if !c.referencedLocked(old) {
			c.removeLocked(old)
		}
	}
	e, found := c.lookupLocked(key)
	if !found {
		e = &entry{key: key, ready: make(chan struct{})}
		c.entries[key] = c.order.PushFront(e)
		for c.order.Len() > c.size {
			c.removeLocked(c.order.Back().Value.(*entry).key)
		}
	}
	c.refs[ref] = key
	c.mu.Unlock()

	if found {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return e, e.err
	}
	set, scope, err := build()
	e.set, e.scope, e.err, e.at = set, scope, err, time.Now()
	close(e.ready)
	if err != nil && !lasting(err) {
		c.mu.Lock()
		if el, ok := c.entries[key]; ok && el.Value == e {
			c.removeLocked(key)
		}
		c.mu.Unlock()
	}
	return e, err
}

// lasting reports a failure that only a change of the Secret can fix.
func lasting(err error) bool {
	return errors.Is(err, ErrInvalidIdentity) || clients.Classify(err).UserFixable()
}

func (c *cache) lookupLocked(key string) (*entry, bool) {
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	select {
	case <-e.ready:
		if e.err != nil && time.Since(e.at) > failureTTL {
			c.removeLocked(key)
			return nil, false
		}
	default:
	}
	c.order.MoveToFront(el)
	return e, true
}

func (c *cache) referencedLocked(key string) bool {
	for _, k := range c.refs {
		if k == key {
			return true
		}
	}
	return false
}

func (c *cache) removeLocked(key string) {
	el, ok := c.entries[key]
	if !ok {
		return
	}
	c.order.Remove(el)
	delete(c.entries, key)
	for ref, k := range c.refs {
		if k == key {
			delete(c.refs, ref)
		}
	}
	e := el.Value.(*entry)
	select {
	case <-e.ready:
		if e.set != nil {
			e.set.Close()
		}
	default:
	}
}
