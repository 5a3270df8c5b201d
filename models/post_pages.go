package models

import (
	"slices"

	"kith/models/kept"
)

// postPages keeps pages of threads' posts as they were read, each stamped
// with the thread's latest event at the read (see ThreadStamp). A page of
// posts is the same for every reader (what a reader may do with them is
// decided when they are shown), and every change to a post is an event of
// its thread, so a page read at a stamp is the page at every later read of
// the same stamp. The TTL bounds what changes without an event of the
// thread, such as an author's name. Whether the reader may read the thread
// is decided before, at every read (ReadThread).
type postPages struct {
	kept *kept.Cache[postPageKey, []PostView]
}

type postPageKey struct {
	thread, after int64
	limit         int
}

// get returns a copy of the page kept for key at stamp.
func (p postPages) get(key postPageKey, stamp int64) ([]PostView, bool) {
	posts, ok := p.kept.Get(key, stamp)
	return slices.Clone(posts), ok
}

// add keeps a copy of a page read at stamp.
func (p postPages) add(key postPageKey, stamp int64, posts []PostView) {
	p.kept.Add(key, stamp, slices.Clone(posts))
}
