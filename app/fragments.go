package app

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	lru "github.com/hashicorp/golang-lru/v2"

	"kith/models"
)

// postFragments keeps the HTML of posts as a thread page shows them, so that
// a page of fifty posts runs the post template only for posts it has not
// shown in that form before. The key holds everything the fragment shows
// (the reader's own controls and the "3 minutes ago" text included), so an
// edit, a hidden post, a renamed author or a minute passing makes a new
// entry, never a stale one; old entries fall out of the LRU.
type postFragments struct {
	cache *lru.Cache[fragmentKey, template.HTML] // nil: no caching
	tmpl  *template.Template
}

type fragmentKey struct {
	post, thread     int64
	edited, hidden   int64 // unix nanoseconds; 0 when not
	author, replyTo  string
	ago              string
	canPost, canEdit bool
}

// postRow is what the post template shows.
type postRow struct {
	ID, AuthorID, ReplyToPostID, ThreadID int64
	AuthorName, ReplyToAuthorName         string
	ISO, Ago                              string
	Edited, Hidden, CanPost, CanEdit      bool
	HTML                                  template.HTML
}

func newPostFragments(tmpl *template.Template, size int) (*postFragments, error) {
	f := &postFragments{tmpl: tmpl}
	if size > 0 {
		c, err := lru.New[fragmentKey, template.HTML](size)
		if err != nil {
			return nil, err
		}
		f.cache = c
	}
	return f, nil
}

// render returns the HTML of the posts, one after the other, as the reader
// of space sp sees them. They are joined here, so that the page's template
// writes them once instead of calling its escaper for each.
func (f *postFragments) render(sp *models.SpaceView, threadID int64, posts []models.PostView) (template.HTML, error) {
	out := make([]template.HTML, len(posts))
	var buf bytes.Buffer
	for i := range posts {
		p := &posts[i]
		k := fragmentKey{post: p.ID, thread: threadID, edited: unixNano(p.EditedAt), hidden: unixNano(p.HiddenAt),
			author: p.AuthorName, replyTo: p.ReplyToAuthorName, ago: humanize.Time(p.CreatedAt),
			canPost: sp.CanPost, canEdit: sp.CanEdit(p.Post)}
		if f.cache != nil {
			if h, ok := f.cache.Get(k); ok {
				out[i] = h
				continue
			}
		}
		row := postRow{ID: p.ID, AuthorID: deref(p.AuthorID), ReplyToPostID: deref(p.ReplyToPostID), ThreadID: threadID,
			AuthorName: p.AuthorName, ReplyToAuthorName: p.ReplyToAuthorName,
			ISO: p.CreatedAt.UTC().Format(time.RFC3339), Ago: k.ago,
			Edited: p.EditedAt != nil, Hidden: p.HiddenAt != nil, CanPost: k.canPost, CanEdit: k.canEdit,
			HTML: template.HTML(p.HTML), //nolint:gosec // sanitised by models when stored
		}
		buf.Reset()
		if err := f.tmpl.ExecuteTemplate(&buf, "post", row); err != nil {
			return "", fmt.Errorf("render post %d: %w", p.ID, err)
		}
		out[i] = template.HTML(buf.String()) //nolint:gosec // the output of html/template
		if f.cache != nil {
			f.cache.Add(k, out[i])
		}
	}
	n := 0
	for _, h := range out {
		n += len(h)
	}
	var b strings.Builder
	b.Grow(n)
	for _, h := range out {
		b.WriteString(string(h))
	}
	return template.HTML(b.String()), nil //nolint:gosec // the output of html/template, joined
}

func unixNano(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
