// Package kept is a small in-memory cache for values read from a database:
// each is good for a TTL after its read and, where the caller stamps it,
// while its stamp is the current one (a thread's latest event, say). It
// never decides who may read what: callers check that before they ask it.
package kept

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Cache is an LRU of values, each kept with the stamp it was read at and the
// time of the read.
type Cache[K comparable, V any] struct {
	lru *lru.Cache[K, entry[V]] // nil: nothing is kept
	ttl time.Duration
	now func() time.Time
}

type entry[V any] struct {
	v     V
	stamp int64
	read  time.Time
}

// New keeps up to size values, each for at most ttl by the clock now; a size
// or TTL of 0 or less keeps none.
func New[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	k := &Cache[K, V]{ttl: ttl, now: now}
	if size > 0 && ttl > 0 {
		k.lru, _ = lru.New[K, entry[V]](size) // errs only on a size below 1
	}
	return k
}

// Get returns the value kept for key if it was read at stamp and is fresh.
func (k *Cache[K, V]) Get(key K, stamp int64) (V, bool) {
	var zero V
	if k.lru == nil {
		return zero, false
	}
	e, ok := k.lru.Get(key)
	if !ok || e.stamp != stamp || k.now().Sub(e.read) >= k.ttl {
		return zero, false
	}
	return e.v, true
}

// Add keeps v, read at stamp.
func (k *Cache[K, V]) Add(key K, stamp int64, v V) {
	if k.lru != nil {
		k.lru.Add(key, entry[V]{v: v, stamp: stamp, read: k.now()})
	}
}

// Len is how many values are kept, fresh or not.
func (k *Cache[K, V]) Len() int {
	if k.lru == nil {
		return 0
	}
	return k.lru.Len()
}
