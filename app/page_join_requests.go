package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type requestsPage struct {
	Space    *models.SpaceView
	Requests []models.JoinRequestView
	Next     string
}

// joinRequestsPage shows a space's pending requests to its stewards.
func (s *Server) joinRequestsPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	sp, err := s.store.SpaceBySlug(ctx, a, c.Param("slug"))
	if err != nil {
		return err
	}
	reqs, next, err := s.store.JoinRequests(ctx, a, sp.Slug, models.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "requests", "Requests to join "+sp.Name, requestsPage{Space: sp, Requests: reqs, Next: next})
}

func (s *Server) approveSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, sp, err := s.store.ApproveJoinRequest(c.Request().Context(), actor(c), id, c.FormValue("message"))
	if err != nil {
		return err
	}
	return redirect(c, "/s/"+sp.Slug+"/requests")
}

func (s *Server) denySubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	sp, err := s.store.DenyJoinRequest(c.Request().Context(), actor(c), id, c.FormValue("message"))
	if err != nil {
		return err
	}
	return redirect(c, "/s/"+sp.Slug+"/requests")
}
