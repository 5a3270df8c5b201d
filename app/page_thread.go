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
	// A signed-out reader's page is one of the pages every signed-out reader
	// sees; see pageCache.
	shared := !a.SignedIn() && status == http.StatusOK && page.ReplyTo == 0 && page.Error == nil
	key := pageKey{thread: id, cursor: c.QueryParam("cursor")}
	// Read before the posts: live.js replays every event after it.
	if shared {
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
	if !shared {
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
	if shared {
		s.pages.Add(key, page.LiveSeq, body)
	}
	return sendPage(c, status, body)
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
