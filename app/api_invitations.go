package app

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// invitationJSON is an invitation as the API shows it. The space carries its
// current purpose, which is what accepting affirms.
type invitationJSON struct {
	ID        int64               `json:"id"`
	Space     invitationSpaceJSON `json:"space"`
	Inviter   *authorJSON         `json:"inviter"` // null when the inviter's account is gone
	Invitee   authorJSON          `json:"invitee"`
	Status    string              `json:"status"` // pending, accepted, declined, withdrawn or expired
	CreatedAt time.Time           `json:"created_at"`
	ExpiresAt time.Time           `json:"expires_at"`
}

type invitationSpaceJSON struct {
	Slug    string      `json:"slug"`
	Name    string      `json:"name"`
	Purpose purposeJSON `json:"purpose"`
}

func invitationOut(v *models.InvitationView) invitationJSON {
	return invitationJSON{
		ID: v.ID,
		Space: invitationSpaceJSON{Slug: v.SpaceSlug, Name: v.SpaceName,
			Purpose: purposeJSON{Text: v.SpacePurpose, Version: v.SpacePurposeVersion}},
		Inviter:   authorOut(v.InviterID, v.InviterName),
		Invitee:   authorJSON{ID: v.InviteeID, Name: v.InviteeName},
		Status:    v.State(),
		CreatedAt: v.CreatedAt,
		ExpiresAt: v.ExpiresAt,
	}
}

func invitationsOut(vs []models.InvitationView) []invitationJSON {
	out := make([]invitationJSON, len(vs))
	for i := range vs {
		out[i] = invitationOut(&vs[i])
	}
	return out
}

// apiInvite invites a person, by member id, to the space.
func (s *Server) apiInvite(c echo.Context) error {
	var in struct {
		MemberID int64 `json:"member_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := s.store.Invite(c.Request().Context(), actor(c), c.Param("slug"), in.MemberID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"invitation": invitationOut(v)})
}

// apiSpaceInvitations lists a space's pending invitations, for its members.
func (s *Server) apiSpaceInvitations(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.SpaceInvitations(c.Request().Context(), actor(c), c.Param("slug"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"invitations": invitationsOut(list), "next_cursor": next})
}

// apiMyInvitations lists the invitations waiting for the caller's answer.
func (s *Server) apiMyInvitations(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.MyInvitations(c.Request().Context(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"invitations": invitationsOut(list), "next_cursor": next})
}

// apiAcceptInvitation accepts an invitation addressed to the caller; the
// body carries the purpose version they affirm, as a join does.
func (s *Server) apiAcceptInvitation(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		AffirmPurposeVersion int `json:"affirm_purpose_version"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, m, err := s.store.AcceptInvitation(c.Request().Context(), actor(c), id, in.AffirmPurposeVersion)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"membership": membershipOut(v.SpaceSlug, m)})
}

func (s *Server) apiDeclineInvitation(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := s.store.DeclineInvitation(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"invitation": invitationOut(v)})
}

func (s *Server) apiWithdrawInvitation(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := s.store.WithdrawInvitation(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"invitation": invitationOut(v)})
}

// apiSearchMembers finds people to invite by name or exact email; it answers
// ids and names only.
func (s *Server) apiSearchMembers(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	found, next, err := s.store.SearchMembers(c.Request().Context(), actor(c), c.QueryParam("q"), p)
	if err != nil {
		return err
	}
	out := make([]authorJSON, len(found))
	for i, f := range found {
		out[i] = authorJSON{ID: f.ID, Name: f.Name}
	}
	return c.JSON(http.StatusOK, map[string]any{"members": out, "next_cursor": next})
}

// apiStartSuccessor founds a successor of the space and invites its members.
func (s *Server) apiStartSuccessor(c echo.Context) error {
	var in struct {
		Slug       string `json:"slug"`
		Name       string `json:"name"`
		Purpose    string `json:"purpose"`
		Visibility string `json:"visibility"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sp, err := s.store.StartSuccessor(c.Request().Context(), actor(c), c.Param("slug"), models.NewSpace{
		Slug: in.Slug, Name: in.Name, Purpose: in.Purpose, Visibility: models.Visibility(in.Visibility),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"space": spaceOut(sp)})
}
