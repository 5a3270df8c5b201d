package app

import (
	"bytes"
	"fmt"
	"html/template"

	lru "github.com/hashicorp/golang-lru/v2"

	"kith/models"
)

// headers keeps the header of pages (the layout's "nav") as recent readers
// see it. A header names its reader, counts their unread notifications and
// holds their CSRF token, and is otherwise the same on every page; so it is
// made once for each such reader and sent again until one of those changes.
// It is made from its key alone, so that nothing else of a request can reach
// a header sent with another.
type headers struct {
	cache  *lru.Cache[headerKey, []byte] // nil: none kept
	tmpl   *template.Template
	limits models.Limits
}

type headerKey struct {
	actor  models.Actor
	unread int64
	csrf   string
}

// newHeaders keeps the headers of up to size readers; 0 keeps none.
func newHeaders(tmpl *template.Template, limits models.Limits, size int) (*headers, error) {
	h := &headers{tmpl: tmpl, limits: limits}
	if size > 0 {
		c, err := lru.New[headerKey, []byte](size)
		if err != nil {
			return nil, err
		}
		h.cache = c
	}
	return h, nil
}

// write writes the header of a page for the reader v is made for.
func (h *headers) write(buf *bytes.Buffer, v view) error {
	k := headerKey{actor: v.Actor, unread: v.Unread, csrf: v.CSRF}
	if h.cache != nil {
		if b, ok := h.cache.Get(k); ok {
			buf.Write(b)
			return nil
		}
	}
	start := buf.Len()
	if err := h.tmpl.ExecuteTemplate(buf, "nav", view{Actor: k.actor, Unread: k.unread, CSRF: k.csrf, Limits: h.limits}); err != nil {
		return fmt.Errorf("render the header: %w", err)
	}
	if h.cache != nil {
		h.cache.Add(k, bytes.Clone(buf.Bytes()[start:]))
	}
	return nil
}
