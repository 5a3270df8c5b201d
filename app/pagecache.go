package app

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"time"

	"kith/models"
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

// readerContent keeps thread pages as signed-in readers see them, all but
// the header that names the reader (the layout's "nav", rendered at every
// request). A signed-in reader's page differs from another's in that header
// and in what they may do with the thread, which the content key holds
// whole:
//
//   - whether they may reply, are a member and are a steward (read afresh
//     with the thread at every request, as their authorisation is), and
//   - whether posts on the page are theirs to edit: the reader's id is in the
//     key only when they are, so every member without posts on a page shares
//     one copy of it.
//
// Their CSRF token, in the reply form, is written into the kept content's
// holes at each request (keptContent). The content is kept under the
// thread's stamp and for the page cache's TTL, like a signed-out page.
type readerContent = kept.Cache[contentKey, *keptContent]

type contentKey struct {
	thread                   int64
	cursor                   string
	canPost, member, steward bool
	editor                   int64 // the reader, when the page holds posts they may edit as their author; else 0
}

// newReaderContent keeps up to size contents, each for at most ttl; 0 keeps none.
func newReaderContent(size int, ttl time.Duration) *readerContent {
	return kept.New[contentKey, *keptContent](size, ttl, time.Now)
}

// contentKeyOf is the key of the content of page cursor of thread t for
// the reader t was read for.
func contentKeyOf(a models.Actor, t *models.ThreadView, cursor string, posts []models.PostView) contentKey {
	sp := &t.Space
	k := contentKey{thread: t.ID, cursor: cursor, canPost: sp.CanPost, member: sp.IsMember(), steward: sp.IsSteward()}
	if k.member && !k.steward { // a steward may edit every post; others their own
		for _, p := range posts {
			if sp.CanEdit(p.Post) {
				k.editor = a.ID
				break
			}
		}
	}
	return k
}

// anyReader is who kept content is rendered for: a signed-in reader, none
// in particular. The content template must not name its reader; the
// layout does.
var anyReader = models.Actor{ID: -1}

// keptContent is a page made for every reader of a kind: the layout's head,
// then (after the reader's own header) the content and the layout's end,
// with holes where each reader's CSRF token goes: parts are written with the
// token between each two.
type keptContent struct {
	head  []byte
	parts [][]byte
	size  int
}

// newKeptContent cuts the rest of a page at each hole.
func newKeptContent(head, rest []byte, hole string) *keptContent {
	return &keptContent{head: head, parts: bytes.Split(rest, []byte(hole)), size: len(head) + len(rest)}
}

// writeTo writes the parts with token in the holes between them.
func (k *keptContent) writeTo(buf *bytes.Buffer, token string) {
	for i, p := range k.parts {
		if i > 0 {
			buf.WriteString(template.HTMLEscapeString(token))
		}
		buf.Write(p)
	}
}

// newHole returns a random text to render in place of CSRF tokens in kept
// content. It is never sent: every copy is replaced by the reader's token.
func newHole() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "csrf-hole-" + hex.EncodeToString(b), nil
}
