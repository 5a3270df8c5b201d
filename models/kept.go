package models

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// kept is an in-memory LRU of values read from the database, each good for
// ttl after its read and, where the caller stamps it, while its stamp is the
// current one (a thread's latest event, say). It never decides who may read
// what: callers check that before they ask it.
type kept[K comparable, V any] struct {
	lru *lru.Cache[K, keptValue[V]] // nil: nothing is kept
	ttl time.Duration
	now func() time.Time
}

type keptValue[V any] struct {
	v     V
	stamp int64
	read  time.Time
}

// newKept keeps up to size values; a size or TTL of 0 or less keeps none.
func newKept[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *kept[K, V] {
	k := &kept[K, V]{ttl: ttl, now: now}
	if size > 0 && ttl > 0 {
		k.lru, _ = lru.New[K, keptValue[V]](size) // errs only on a size below 1
	}
	return k
}

// get returns the value kept for key if it was read at stamp and is fresh.
func (k *kept[K, V]) get(key K, stamp int64) (V, bool) {
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

// add keeps v, read at stamp.
func (k *kept[K, V]) add(key K, stamp int64, v V) {
	if k.lru != nil {
		k.lru.Add(key, keptValue[V]{v: v, stamp: stamp, read: k.now()})
	}
}
