package app

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type joinRequestOutJSON struct {
	ID                     int64        `json:"id"`
	Space                  spaceRefJSON `json:"space"`
	Member                 authorJSON   `json:"member"`
	Note                   string       `json:"note"`
	AffirmedPurposeVersion int          `json:"affirmed_purpose_version"`
	Status                 string       `json:"status"`
	CreatedAt              time.Time    `json:"created_at"`
}

// apiJoinRequests lists a space's pending requests for its stewards.
func (s *Server) apiJoinRequests(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	reqs, next, err := s.store.JoinRequests(c.Request().Context(), actor(c), c.Param("slug"), p)
	if err != nil {
		return err
	}
	out := make([]joinRequestOutJSON, len(reqs))
	for i, r := range reqs {
		out[i] = joinRequestOutJSON{
			ID: r.ID, Space: spaceRefJSON{Slug: r.SpaceSlug, Name: r.SpaceName}, Member: authorJSON{ID: r.MemberID, Name: r.MemberName},
			Note: r.Note, AffirmedPurposeVersion: r.AffirmedVersion, Status: r.Status, CreatedAt: r.CreatedAt,
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"join_requests": out, "next_cursor": next})
}

type decisionIn struct {
	Message string `json:"message"`
}

// apiApproveJoinRequest admits the person who asked.
func (s *Server) apiApproveJoinRequest(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in decisionIn
	if err := decodeOptionalJSON(c, &in); err != nil {
		return err
	}
	m, sp, err := s.store.ApproveJoinRequest(c.Request().Context(), actor(c), id, in.Message)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"membership": membershipOut(sp.Slug, m)})
}

// apiDenyJoinRequest declines a request.
func (s *Server) apiDenyJoinRequest(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in decisionIn
	if err := decodeOptionalJSON(c, &in); err != nil {
		return err
	}
	if _, err := s.store.DenyJoinRequest(c.Request().Context(), actor(c), id, in.Message); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"join_request": map[string]any{"id": id, "status": models.RequestDenied}})
}
