package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kith/models"
)

func (s *Server) apiListSpaces(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f := models.SpaceFilter{Page: p, Membership: c.QueryParam("membership")}
	if f.Membership != "" && f.Membership != "mine" && f.Membership != "others" {
		return &models.Error{Code: models.CodeInvalid, Field: "membership", Message: "membership must be mine or others."}
	}
	spaces, next, err := s.store.ListSpaces(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	out := make([]spaceJSON, len(spaces))
	for i := range spaces {
		out[i] = spaceOut(&spaces[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"spaces": out, "next_cursor": next})
}

func (s *Server) apiCreateSpace(c echo.Context) error {
	var in struct {
		Slug       string `json:"slug"`
		Name       string `json:"name"`
		Purpose    string `json:"purpose"`
		Visibility string `json:"visibility"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sp, err := s.store.CreateSpace(c.Request().Context(), actor(c), models.NewSpace{
		Slug: in.Slug, Name: in.Name, Purpose: in.Purpose, Visibility: models.Visibility(in.Visibility),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"space": spaceOut(sp)})
}

func (s *Server) apiGetSpace(c echo.Context) error {
	sp, err := s.store.SpaceBySlug(c.Request().Context(), actor(c), c.Param("slug"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"space": spaceOut(sp)})
}

// apiJoin joins (open spaces, 200) or asks to join (request spaces, 202). The
// body must carry the purpose version the person affirms.
func (s *Server) apiJoin(c echo.Context) error {
	var in struct {
		AffirmPurposeVersion int    `json:"affirm_purpose_version"`
		Note                 string `json:"note"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	slug := c.Param("slug")
	res, err := s.store.JoinSpace(c.Request().Context(), actor(c), slug, in.AffirmPurposeVersion, in.Note)
	if err != nil {
		return err
	}
	if res.Request != nil {
		r := res.Request
		return c.JSON(http.StatusAccepted, map[string]any{"join_request": joinRequestJSON{
			ID: r.ID, Space: slug, MemberID: r.MemberID, Status: r.Status, Note: r.Note,
			AffirmedPurposeVersion: r.AffirmedVersion, CreatedAt: r.CreatedAt,
		}})
	}
	return c.JSON(http.StatusOK, map[string]any{"membership": membershipOut(slug, res.Membership)})
}

// apiLeave ends the caller's membership; leaving twice is fine.
func (s *Server) apiLeave(c echo.Context) error {
	left, err := s.store.LeaveSpace(c.Request().Context(), actor(c), c.Param("slug"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"left": left})
}

func (s *Server) apiMembers(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	members, next, err := s.store.SpaceMembers(c.Request().Context(), actor(c), c.Param("slug"), c.QueryParam("order"), p)
	if err != nil {
		return err
	}
	out := make([]memberListingJSON, len(members))
	for i, m := range members {
		out[i] = memberListingJSON{ID: m.ID, Name: m.Name, JoinedAt: m.JoinedAt, Steward: m.Steward}
	}
	return c.JSON(http.StatusOK, map[string]any{"members": out, "next_cursor": next})
}
