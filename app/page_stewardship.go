package app

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// stewardshipPage is what stewards (and admins) of a space see at
// /s/:slug/stewardship: the members with the duty's actions, the removals that
// stand, setting the duty down, and the space's audit log.
type stewardshipPage struct {
	Desk      *models.StewardDesk
	Space     *models.SpaceView
	Members   []models.DeskMember
	Next      string
	Removals  []models.RemovalView
	Audit     []auditLine
	AuditNext string
	Form      stewardForm // what was typed into a form that failed
	Error     *models.Error
}

// stewardForm is the removal form as it was sent, so a refused one is shown
// again with the reason as typed.
type stewardForm struct {
	MemberID int64
	Reason   string
}

func (s *Server) stewardshipPage(c echo.Context) error {
	return s.showStewardship(c, http.StatusOK, stewardForm{}, nil)
}

func (s *Server) showStewardship(c echo.Context, status int, form stewardForm, formErr *models.Error) error {
	ctx := c.Request().Context()
	a := actor(c)
	desk, err := s.store.StewardDesk(ctx, a, c.Param("slug"))
	if err != nil {
		return err
	}
	slug := desk.Space.Slug
	page := stewardshipPage{Desk: desk, Space: desk.Space, Form: form, Error: formErr}
	if page.Members, page.Next, err = s.store.DeskMembers(ctx, a, slug, models.Page{Cursor: c.QueryParam("cursor")}); err != nil {
		return err
	}
	if page.Removals, _, err = s.store.Removals(ctx, a, slug, models.Page{Limit: s.store.Limits().MaxPageSize}); err != nil {
		return err
	}
	entries, next, err := s.store.SpaceAudit(ctx, a, slug, models.Page{Cursor: c.QueryParam("audit")})
	if err != nil {
		return err
	}
	page.AuditNext = next
	page.Audit = make([]auditLine, len(entries))
	for i := range entries {
		page.Audit[i] = describeAudit(&entries[i])
	}
	return s.render(c, status, "stewardship", "Stewardship of "+desk.Space.Name, page)
}

// stewardFormFixable are the refusals the stewardship page shows beside the
// form, instead of on an error page.
var stewardFormFixable = map[string]bool{
	models.CodeInvalid: true, models.CodeConflict: true, models.CodeForbidden: true, "bad_request": true,
}

// stewardFormError shows a refused form on the stewardship page with the
// status the API would give; other refusals become the error page.
func (s *Server) stewardFormError(c echo.Context, err error, form stewardForm) error {
	status, de := classify(err)
	if !stewardFormFixable[de.Code] {
		return err
	}
	if de.Field != "reason" {
		form = stewardForm{} // not about what was typed: shown above the members, not in a form
	}
	return s.showStewardship(c, status, form, de)
}

func formID(c echo.Context, name string) int64 {
	id, _ := strconv.ParseInt(c.FormValue(name), 10, 64)
	return id
}

func (s *Server) removeSubmit(c echo.Context) error {
	form := stewardForm{MemberID: formID(c, "member_id"), Reason: c.FormValue("reason")}
	_, err := s.store.RemoveMember(c.Request().Context(), actor(c), c.Param("slug"), form.MemberID, form.Reason)
	if err != nil {
		return s.stewardFormError(c, err, form)
	}
	return redirect(c, "/s/"+c.Param("slug")+"/stewardship")
}

func (s *Server) liftSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.LiftRemoval(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return redirect(c, "/s/"+r.SpaceSlug+"/stewardship")
}

func (s *Server) offerSubmit(c echo.Context) error {
	_, err := s.store.OfferStewardship(c.Request().Context(), actor(c), c.Param("slug"), formID(c, "member_id"))
	if err != nil {
		return s.stewardFormError(c, err, stewardForm{})
	}
	return redirect(c, "/s/"+c.Param("slug")+"/stewardship")
}

func (s *Server) resignSubmit(c echo.Context) error {
	if _, err := s.store.ResignStewardship(c.Request().Context(), actor(c), c.Param("slug")); err != nil {
		return err
	}
	return redirect(c, "/s/"+c.Param("slug"))
}

type offersPage struct {
	Offers []models.StewardOfferView
	Next   string
}

// offersPage lists the steward offers waiting for the person's answer; the
// notification of an offer leads here.
func (s *Server) offersPage(c echo.Context) error {
	offers, next, err := s.store.MyStewardOffers(c.Request().Context(), actor(c), models.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "offers", "Steward offers", offersPage{Offers: offers, Next: next})
}

func (s *Server) acceptOfferSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := s.store.AcceptStewardOffer(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return redirect(c, "/s/"+o.SpaceSlug+"/stewardship")
}

func (s *Server) declineOfferSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.DeclineStewardOffer(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return redirect(c, "/offers")
}

type unstewardedPage struct {
	Spaces []models.SpaceView
	Next   string
}

// unstewardedPage lists, for admins, the spaces in which nobody holds the
// steward duty, each with a way to offer it.
func (s *Server) unstewardedPage(c echo.Context) error {
	spaces, next, err := s.store.UnstewardedSpaces(c.Request().Context(), actor(c), models.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "unstewarded", "Spaces without a steward", unstewardedPage{Spaces: spaces, Next: next})
}

// auditLine is an audit entry in words.
type auditLine struct {
	ID     int64
	Action string
	Text   string
	Reason string
	At     time.Time
}

// auditPhrases say what each action did; %[1]s is who acted, %[2]s whom it
// concerned.
var auditPhrases = map[string]string{
	"space.created":           "%[1]s started the space",
	"membership.founded":      "%[1]s founded the space, as its first member and steward",
	"membership.joined":       "%[2]s joined",
	"membership.left":         "%[2]s left",
	"membership.removed":      "%[1]s removed %[2]s",
	"removal.lifted":          "%[1]s lifted the removal of %[2]s",
	"join_request.created":    "%[2]s asked to join",
	"join_request.approved":   "%[1]s approved the request of %[2]s to join",
	"join_request.denied":     "%[1]s declined the request of %[2]s to join",
	"invitation.accepted":     "%[2]s accepted an invitation and joined",
	"steward.offered":         "%[1]s offered the steward duty to %[2]s",
	"steward.accepted":        "%[2]s took up the steward duty",
	"steward.declined":        "%[2]s declined the steward duty",
	"steward.resigned":        "%[2]s set the steward duty down",
	"steward.offer_withdrawn": "The offer of the steward duty to %[2]s lapsed",
}

func describeAudit(e *models.AuditView) auditLine {
	who := func(id *int64, name *string) string {
		switch {
		case id == nil:
			return "kith"
		case name == nil:
			return "a former member"
		}
		return *name
	}
	actorName, subject := who(e.ActorID, e.ActorName), who(e.SubjectID, e.SubjectName)
	text := fmt.Sprintf("%s: %s → %s", e.Action, actorName, subject)
	if p, ok := auditPhrases[e.Action]; ok {
		text = fmt.Sprintf(p, actorName, subject)
	}
	return auditLine{ID: e.ID, Action: e.Action, Text: text, Reason: e.Reason, At: e.CreatedAt}
}
