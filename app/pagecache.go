package app

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// pageCache keeps thread pages as a signed-out reader sees them. A signed-out
// page is the same for every signed-out reader (no name, no CSRF token, no
// controls), so it is rendered once and its bytes are sent again while they
// are still true:
//
//   - the thread's stamp is unchanged (models.Store.ThreadStamp: its latest
//     event; every post written or edited is one), and
//   - the entry is younger than the TTL, which bounds what changes without an
//     event: the "3 minutes ago" beside each post, an author's new name.
//
// Whether the reader may see the thread at all is never cached: the stamp is
// read with the reader's authorisation at every request, so a space closed to
// signed-out readers stops serving its cached pages at once.
type pageCache struct {
	lru *lru.Cache[pageKey, *cachedPage] // nil: no caching
	ttl time.Duration
}

type pageKey struct {
	thread int64
	cursor string
}

type cachedPage struct {
	stamp int64
	made  time.Time
	body  []byte
}

func newPageCache(size int, ttl time.Duration) (*pageCache, error) {
	pc := &pageCache{ttl: ttl}
	if size > 0 && ttl > 0 {
		c, err := lru.New[pageKey, *cachedPage](size)
		if err != nil {
			return nil, err
		}
		pc.lru = c
	}
	return pc, nil
}

// get returns the page for key if it was made at stamp and is still fresh.
func (pc *pageCache) get(key pageKey, stamp int64) ([]byte, bool) {
	if pc.lru == nil {
		return nil, false
	}
	p, ok := pc.lru.Get(key)
	if !ok || p.stamp != stamp || time.Since(p.made) >= pc.ttl {
		return nil, false
	}
	return p.body, true
}

// put keeps a page made from data read at stamp.
func (pc *pageCache) put(key pageKey, stamp int64, body []byte) {
	if pc.lru == nil {
		return
	}
	pc.lru.Add(key, &cachedPage{stamp: stamp, made: time.Now(), body: body})
}
