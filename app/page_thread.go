package app

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type threadPage struct {
	LiveSeq     int64 // the thread topic's latest event when the posts were read
	Thread      *models.ThreadView
	Posts       []models.PostView
	PostsHTML   template.HTML // the posts as this reader sees them (see postFragments)
	Next        string
	ReplyTo     int64
	ReplyToName string // the author of the post replied to, when it is on this page
	Body        string
	Error       *models.Error
}

func (s *Server) threadPage(c echo.Context) error {
	page := threadPage{}
	page.ReplyTo, _ = strconv.ParseInt(c.QueryParam("reply_to"), 10, 64)
	return s.showThread(c, http.StatusOK, page)
}

func (s *Server) showThread(c echo.Context, status int, page threadPage) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	// A page with no form of the reader's own in it (a reply being written,
	// its error) is kept: for signed-out readers whole (pageCache), for
	// signed-in readers all but their header (readerContent).
	plain := status == http.StatusOK && page.ReplyTo == 0 && page.Error == nil && page.Body == ""
	key := pageKey{thread: id, cursor: c.QueryParam("cursor")}
	if plain && a.SignedIn() {
		return s.readerThreadPage(c, id, key.cursor)
	}
	// A plain page from here on is a signed-out reader's, the same for every
	// one of them; see pageCache.
	// Read before the posts: live.js replays every event after it.
	if plain {
		page.LiveSeq, err = s.store.ThreadStamp(ctx, a, id)
		if err != nil {
			return err
		}
		if body, ok := s.pages.Get(key, page.LiveSeq); ok {
			return sendPage(c, status, body)
		}
	}
	if page.Thread, page.Posts, page.Next, err = s.store.ReadThread(ctx, a, id, models.Page{Cursor: key.cursor}); err != nil {
		return err
	}
	if !plain {
		page.LiveSeq = page.Thread.LiveSeq // read before the posts, as live.js needs
	}
	for _, p := range page.Posts {
		if p.ID == page.ReplyTo {
			page.ReplyToName = p.AuthorName
		}
	}
	if page.PostsHTML, err = s.posts.render(&page.Thread.Space, page.Thread.ID, page.Posts); err != nil {
		return err
	}
	body, err := s.renderPage(c, "thread", page.Thread.Title, page)
	if err != nil {
		return err
	}
	if plain {
		s.pages.Add(key, page.LiveSeq, body)
	}
	return sendPage(c, status, body)
}

// readerThreadPage sends a signed-in reader's thread page: their header in
// the page every reader who may do the same with the thread sees
// (readerContent), rendered once for them all while the thread is unchanged.
func (s *Server) readerThreadPage(c echo.Context, id int64, cursor string) error {
	a := actor(c)
	page := threadPage{}
	var err error
	// The thread (with the reader's authorisation, what they may do there
	// and its stamp) is read at every request; its posts come from the
	// store's kept pages.
	if page.Thread, page.Posts, page.Next, err = s.store.ReadThread(c.Request().Context(), a, id, models.Page{Cursor: cursor}); err != nil {
		return err
	}
	page.LiveSeq = page.Thread.LiveSeq
	key := contentKeyOf(a, page.Thread, cursor, page.Posts)
	content, ok := s.kept.Get(key, page.LiveSeq)
	if !ok {
		if page.PostsHTML, err = s.posts.render(&page.Thread.Space, page.Thread.ID, page.Posts); err != nil {
			return err
		}
		v := view{Title: page.Thread.Title, Actor: anyReader, Limits: s.store.Limits(), Page: page}
		if content, err = s.renderContent("thread", v); err != nil {
			return err
		}
		s.kept.Add(key, page.LiveSeq, content)
	}
	return s.sendAround(c, "thread", content)
}

func (s *Server) replySubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := models.NewPost{Body: c.FormValue("body")}
	if v := c.FormValue("reply_to_post_id"); v != "" {
		rt, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &models.Error{Code: models.CodeInvalid, Field: "reply_to_post_id", Message: "That is not a post to reply to."}
		}
		in.ReplyToPostID = &rt
	}
	p, err := s.store.CreatePost(c.Request().Context(), actor(c), id, in)
	if err != nil {
		status, de := classify(err)
		if status != http.StatusUnprocessableEntity {
			return err
		}
		page := threadPage{Body: in.Body, Error: de}
		if in.ReplyToPostID != nil {
			page.ReplyTo = *in.ReplyToPostID
		}
		return s.showThread(c, status, page)
	}
	return redirect(c, "/t/"+strconv.FormatInt(id, 10)+"#p"+strconv.FormatInt(p.ID, 10))
}
