package app

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/labstack/echo/v4"

	"kith/models"
	"kith/static"
	"kith/views"
)

// renderer holds every page template, parsed once at start-up. Each page is
// the layout plus the partials plus its own file.
type renderer struct {
	pages map[string]*template.Template
}

// page returns the template of the page name.
func (r *renderer) page(name string) (*template.Template, error) {
	t, ok := r.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	return t, nil
}

var funcs = template.FuncMap{
	"static": func(name string) string { return "/static/" + name + "?v=" + static.Version },
	"ago":    func(t time.Time) string { return humanize.Time(t) },
	"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"date":   func(t time.Time) string { return t.Format("2 Jan 2006") },
	// sanitized marks HTML that models rendered and bluemonday cleaned when it
	// was stored; it is the only way HTML reaches a page unescaped.
	"sanitized": func(html string) template.HTML { return template.HTML(html) }, //nolint:gosec // sanitised on write
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"deref": deref,
	"initial": func(name string) string {
		for _, r := range strings.TrimSpace(name) {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
}

func newRenderer() (*renderer, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(views.FS, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(views.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, file := range names {
		t, err := template.Must(base.Clone()).ParseFS(views.FS, file)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(file, "pages/"), ".html")
		r.pages[name] = t
	}
	return r, nil
}

// view is what every page template receives.
type view struct {
	Title  string
	Actor  models.Actor
	CSRF   string
	Path   string
	Limits models.Limits
	Unread int64 // unread notifications, for the header
	Page   any
}

// render writes a page with the given status.
func (s *Server) render(c echo.Context, status int, name, title string, page any) error {
	body, err := s.renderPage(c, name, title, page)
	if err != nil {
		return err
	}
	return sendPage(c, status, body)
}

// renderPage returns a page as the request's reader sees it.
func (s *Server) renderPage(c echo.Context, name, title string, page any) ([]byte, error) {
	t, v, err := s.pageView(c, name, title, page)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := execute(&buf, t, name, v, "head"); err != nil {
		return nil, err
	}
	if err := s.headers.write(&buf, v); err != nil {
		return nil, err
	}
	if err := execute(&buf, t, name, v, "content", "bottom"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// execute writes the parts of page name's template t, in order, for v
// (layout.html says what the parts are).
func execute(buf *bytes.Buffer, t *template.Template, name string, v view, parts ...string) error {
	for _, part := range parts {
		if err := t.ExecuteTemplate(buf, part, v); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
	}
	return nil
}

// sendAround sends a page of the template name made of content kept for
// every reader like the request's (see readerContent) with the reader's
// header (see headers) in it and their CSRF token in its holes. The page is
// made in a buffer used again once it is sent: kept pages are sent thousands
// of times a second, and a new 50 KB buffer for each was a tenth of their
// cost.
func (s *Server) sendAround(c echo.Context, name string, content *keptContent) error {
	_, v, err := s.pageView(c, name, "", nil)
	if err != nil {
		return err
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	buf.Reset()
	buf.Grow(content.size + 2<<10) // the header is about 1.5 KB
	buf.Write(content.head)
	if err := s.headers.write(buf, v); err != nil {
		return err
	}
	content.writeTo(buf, v.CSRF)
	return sendPage(c, http.StatusOK, buf.Bytes())
}

// pageBuffers holds buffers of pages already sent.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putPageBuffer keeps buf for another page unless it grew past any page's
// size (a 1 MB page is not kept in memory for the next one).
func putPageBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		pageBuffers.Put(buf)
	}
}

// renderContent renders the page name as every reader of its kind sees it,
// but for its header ("nav"): v names no reader (see anyReader), and the
// CSRF token's places are left as holes.
func (s *Server) renderContent(name string, v view) (*keptContent, error) {
	t, err := s.views.page(name)
	if err != nil {
		return nil, err
	}
	v.CSRF = s.hole
	var head, rest bytes.Buffer
	if err := execute(&head, t, name, v, "head"); err != nil {
		return nil, err
	}
	if err := execute(&rest, t, name, v, "content", "bottom"); err != nil {
		return nil, err
	}
	return newKeptContent(head.Bytes(), rest.Bytes(), s.hole), nil
}

// pageView returns the template of the page name and what it is given for
// the request's reader, their unread notifications read for the header.
func (s *Server) pageView(c echo.Context, name, title string, page any) (*template.Template, view, error) {
	t, err := s.views.page(name)
	if err != nil {
		return nil, view{}, err
	}
	v := view{Title: title, Actor: actor(c), CSRF: csrfToken(c), Path: c.Request().URL.Path, Limits: s.store.Limits(), Page: page}
	switch sess := session(c); {
	case sess != nil:
		v.Unread = sess.Unread // counted with the session, at the start of the request
	case v.Actor.SignedIn():
		n, err := s.store.UnreadCount(c.Request().Context(), v.Actor)
		if err != nil {
			return nil, view{}, err
		}
		v.Unread = n
	}
	return t, v, nil
}

// sendPage sends a page whole, with its length: one write, not a chunked stream.
func sendPage(c echo.Context, status int, body []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return c.HTMLBlob(status, body)
}

// redirect answers a form post with a redirect to a page (303, so the browser GETs it).
func redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
