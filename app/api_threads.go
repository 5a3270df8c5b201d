package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kith/models"
)

func (s *Server) apiListThreads(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	threads, next, err := s.store.ListThreads(c.Request().Context(), actor(c), c.Param("slug"), p)
	if err != nil {
		return err
	}
	out := make([]threadJSON, len(threads))
	for i := range threads {
		t := &threads[i]
		out[i] = threadOut(&t.Thread, spaceRefJSON{Slug: t.SpaceSlug, Name: t.SpaceName}, t.AuthorName)
	}
	return c.JSON(http.StatusOK, map[string]any{"threads": out, "next_cursor": next})
}

func (s *Server) apiCreateThread(c echo.Context) error {
	var in struct {
		Title string `json:"title"`
		Body  string `json:"body"`
		Kind  string `json:"kind"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actor(c)
	ctx := c.Request().Context()
	t, p, err := s.store.CreateThread(ctx, a, c.Param("slug"), models.NewThread{Title: in.Title, Body: in.Body, Kind: in.Kind})
	if err != nil {
		return err
	}
	tv, err := s.store.ThreadByID(ctx, a, t.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"thread": threadOut(t, spaceRefJSON{Slug: tv.Space.Slug, Name: tv.Space.Name}, a.Name),
		"post":   models.PayloadOf(p, a.Name),
	})
}

// apiGetThread returns a thread and a page of its posts, oldest first.
func (s *Server) apiGetThread(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	t, posts, next, err := s.store.ReadThread(ctx, a, id, p)
	if err != nil {
		return err
	}
	out := make([]models.PostPayload, len(posts))
	for i := range posts {
		out[i] = models.PayloadOf(&posts[i].Post, posts[i].AuthorName)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"thread":      threadOut(&t.Thread, spaceRefJSON{Slug: t.Space.Slug, Name: t.Space.Name}, t.AuthorName),
		"posts":       out,
		"next_cursor": next,
	})
}

func (s *Server) apiCreatePost(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Body          string `json:"body"`
		ReplyToPostID *int64 `json:"reply_to_post_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actor(c)
	p, err := s.store.CreatePost(c.Request().Context(), a, id, models.NewPost{Body: in.Body, ReplyToPostID: in.ReplyToPostID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"post": models.PayloadOf(p, a.Name)})
}

func (s *Server) apiGetPost(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, _, err := s.store.PostByID(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"post": models.PayloadOf(&p.Post, p.AuthorName)})
}

// apiEditPost replaces a post's body; the earlier text stays in its revisions.
func (s *Server) apiEditPost(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	if _, err := s.store.EditPost(ctx, a, id, in.Body); err != nil {
		return err
	}
	p, _, err := s.store.PostByID(ctx, a, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"post": models.PayloadOf(&p.Post, p.AuthorName)})
}

func (s *Server) apiPostRevisions(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, revs, err := s.store.PostHistory(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := make([]revisionJSON, len(revs))
	for i, r := range revs {
		out[i] = revisionJSON{ID: r.ID, Body: r.Body, HTML: r.HTML, CreatedAt: r.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"post": models.PayloadOf(&p.Post, p.AuthorName), "revisions": out})
}
