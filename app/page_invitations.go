package app

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// invitePage is where a member finds people and invites them, and sees the
// space's invitations that wait for an answer.
type invitePage struct {
	Space       *models.SpaceView
	Query       string
	Found       []models.InviteCandidate
	Next        string
	Invitations []models.InvitationView
	Error       *models.Error
}

func (s *Server) invitePage(c echo.Context) error {
	return s.showInvite(c, http.StatusOK, nil)
}

// showInvite renders the invite page with an error about an invitation the
// member tried to send, if any.
func (s *Server) showInvite(c echo.Context, status int, inviteErr *models.Error) error {
	ctx := c.Request().Context()
	a := actor(c)
	sp, err := s.store.SpaceBySlug(ctx, a, c.Param("slug"))
	if err != nil {
		return err
	}
	page := invitePage{Space: sp, Query: c.QueryParam("q"), Error: inviteErr}
	if c.Request().Method == http.MethodPost {
		page.Query = c.FormValue("q")
	}
	if page.Invitations, _, err = s.store.SpaceInvitations(ctx, a, sp.Slug, models.Page{Limit: 100}); err != nil {
		return err // not a member: 403, or 404 where the space is hidden
	}
	if page.Query != "" {
		cur := c.QueryParam("cursor")
		page.Found, page.Next, err = s.store.InviteCandidates(ctx, a, sp.Slug, page.Query, models.Page{Cursor: cur})
		if err != nil {
			status, de := classify(err)
			if status != http.StatusUnprocessableEntity {
				return err
			}
			if page.Error == nil {
				page.Error = de
			}
			return s.render(c, status, "invite", "Invite to "+sp.Name, page)
		}
	}
	return s.render(c, status, "invite", "Invite to "+sp.Name, page)
}

// inviteSubmit sends an invitation and comes back to the search it was sent from.
func (s *Server) inviteSubmit(c echo.Context) error {
	id, _ := strconv.ParseInt(c.FormValue("member_id"), 10, 64)
	slug := c.Param("slug")
	if _, err := s.store.Invite(c.Request().Context(), actor(c), slug, id); err != nil {
		// Refusals about the invitee are shown on the page the member is on;
		// refusals of the member themself go to the error page.
		status, de := classify(err)
		if inviteFixable[de.Code] {
			return s.showInvite(c, status, de)
		}
		return err
	}
	to := "/s/" + slug + "/invite"
	if q := c.FormValue("q"); q != "" {
		to += "?q=" + url.QueryEscape(q)
	}
	return redirect(c, to+"#invitations")
}

var inviteFixable = map[string]bool{
	models.CodeInvalid: true, models.CodeAlreadyMember: true, models.CodeInvitationPending: true,
	models.CodeRemoved: true, "bad_request": true,
}

func (s *Server) withdrawInvitationSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := s.store.WithdrawInvitation(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return redirect(c, "/s/"+v.SpaceSlug+"/invite#invitations")
}

// invitationsPage lists the invitations waiting for the person's answer,
// each with the purpose they would affirm.
type invitationsPage struct {
	Invitations []models.InvitationView
	Next        string
	ErrorFor    int64 // the invitation an answer to was refused
	Error       *models.Error
}

func (s *Server) invitationsPage(c echo.Context) error {
	return s.showInvitations(c, http.StatusOK, 0, nil)
}

func (s *Server) showInvitations(c echo.Context, status int, errFor int64, answerErr *models.Error) error {
	a := actor(c)
	if !a.SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	page := invitationsPage{ErrorFor: errFor, Error: answerErr}
	var err error
	page.Invitations, page.Next, err = s.store.MyInvitations(c.Request().Context(), a, models.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	return s.render(c, status, "invitations", "Invitations", page)
}

// acceptInvitationSubmit accepts only when the person ticked the
// affirmation, which sends the purpose version they were shown.
func (s *Server) acceptInvitationSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version := 0
	if c.FormValue("affirm") == "yes" {
		version, _ = strconv.Atoi(c.FormValue("affirm_purpose_version"))
	}
	v, _, err := s.store.AcceptInvitation(c.Request().Context(), actor(c), id, version)
	if err != nil {
		if status, de := classify(err); de.Code == models.CodePurposeNotAffirmed {
			return s.showInvitations(c, status, id, de)
		}
		return err
	}
	return redirect(c, "/s/"+v.SpaceSlug)
}

func (s *Server) declineInvitationSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.DeclineInvitation(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return redirect(c, "/invitations")
}

// successorForm starts a successor of a space.
type successorForm struct {
	Space *models.SpaceView
	In    models.NewSpace
	Error *models.Error
}

func (s *Server) successorPage(c echo.Context) error {
	sp, err := s.successorSpace(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "successor", "Start a successor of "+sp.Name, successorForm{Space: sp, In: models.NewSpace{Visibility: sp.Visibility}})
}

// successorSpace reads the space for its successor form, for its stewards.
func (s *Server) successorSpace(c echo.Context) (*models.SpaceView, error) {
	a := actor(c)
	if !a.SignedIn() {
		return nil, models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	sp, err := s.store.SpaceBySlug(c.Request().Context(), a, c.Param("slug"))
	if err != nil {
		return nil, err
	}
	if !sp.IsSteward() {
		return nil, models.Errorf(models.CodeNotSteward, "Only stewards of %s may start a successor of it.", sp.Name)
	}
	return sp, nil
}

func (s *Server) successorSubmit(c echo.Context) error {
	in := models.NewSpace{
		Slug: c.FormValue("slug"), Name: c.FormValue("name"), Purpose: c.FormValue("purpose"),
		Visibility: models.Visibility(c.FormValue("visibility")),
	}
	v, err := s.store.StartSuccessor(c.Request().Context(), actor(c), c.Param("slug"), in)
	if err != nil {
		sp, spErr := s.successorSpace(c)
		if spErr != nil {
			return err // the refusal of the act, not of the re-read
		}
		form := successorForm{Space: sp, In: in}
		return s.formError(c, err, "successor", "Start a successor of "+sp.Name, &form, &form.Error)
	}
	return redirect(c, "/s/"+v.Slug)
}
