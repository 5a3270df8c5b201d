package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type editPage struct {
	Post  *models.PostView
	Body  string
	Error *models.Error
}

func (s *Server) editPostPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, mayEdit, err := s.store.PostByID(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !mayEdit {
		if !actor(c).SignedIn() {
			return models.Errorf(models.CodeUnauthorized, "Sign in first.")
		}
		return models.Errorf(models.CodeForbidden, "Only the author of a post, or a steward of its space, may edit it.")
	}
	return s.render(c, http.StatusOK, "post_edit", "Edit post", editPage{Post: p, Body: p.Body})
}

func (s *Server) editPostSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	body := c.FormValue("body")
	p, err := s.store.EditPost(ctx, actor(c), id, body)
	if err != nil {
		pv, _, getErr := s.store.PostByID(ctx, actor(c), id)
		if getErr != nil {
			return err // the refusal of the edit, not of the re-read (signed out: 401, not 404)
		}
		page := editPage{Post: pv, Body: body}
		return s.formError(c, err, "post_edit", "Edit post", &page, &page.Error)
	}
	return redirect(c, "/t/"+strconv.FormatInt(p.ThreadID, 10)+"#p"+strconv.FormatInt(p.ID, 10))
}

type historyPage struct {
	Post      *models.PostView
	Revisions []models.PostRevision
}

func (s *Server) postHistoryPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, revs, err := s.store.PostHistory(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "post_history", "Post history", historyPage{Post: p, Revisions: revs})
}
