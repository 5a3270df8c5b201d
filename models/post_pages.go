package models

import (
	"slices"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// postPages keeps pages of threads' posts as they were read, each with the
// thread's stamp at the read (its topic's latest event; see ThreadStamp).
// A page of posts is the same for every reader (what a reader may do with
// them is decided when they are shown), and every change to a post is an
// event of its thread, so a page read at a stamp is the page at every later
// read of the same stamp. The TTL bounds what changes without an event of
// the thread, such as an author's name.
//
// Whether the reader may read the thread is decided before the cache is
// asked, at every read (ReadThread).
type postPages struct {
	lru *lru.Cache[postPageKey, *postPage] // nil: nothing is kept
	ttl time.Duration
	now func() time.Time
}

type postPageKey struct {
	thread, after int64
	limit         int
}

type postPage struct {
	stamp int64
	read  time.Time
	posts []PostView
}

func newPostPages(size int, ttl time.Duration, now func() time.Time) *postPages {
	p := &postPages{ttl: ttl, now: now}
	if size > 0 && ttl > 0 {
		p.lru, _ = lru.New[postPageKey, *postPage](size) // errs only on a size below 1
	}
	return p
}

// get returns a copy of the page kept for key if it was read at stamp and
// is still fresh.
func (p *postPages) get(key postPageKey, stamp int64) ([]PostView, bool) {
	if p.lru == nil {
		return nil, false
	}
	pg, ok := p.lru.Get(key)
	if !ok || pg.stamp != stamp || p.now().Sub(pg.read) >= p.ttl {
		return nil, false
	}
	return slices.Clone(pg.posts), true
}

// add keeps a page read at stamp.
func (p *postPages) add(key postPageKey, stamp int64, posts []PostView) {
	if p.lru == nil {
		return
	}
	p.lru.Add(key, &postPage{stamp: stamp, read: p.now(), posts: slices.Clone(posts)})
}
