package app

import (
	"time"

	"kith/models/kept"
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
type pageCache = kept.Cache[pageKey, []byte]

type pageKey struct {
	thread int64
	cursor string
}

// newPageCache keeps up to size pages, each for at most ttl; 0 keeps none.
func newPageCache(size int, ttl time.Duration) *pageCache {
	return kept.New[pageKey, []byte](size, ttl, time.Now)
}
