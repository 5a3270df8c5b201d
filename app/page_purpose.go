package app

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// purposePage shows a space's purpose first, then what a member may do about
// it (re-affirm after a change, respond to the open proposal, or propose),
// then its history.
type purposePage struct {
	*models.PurposeOverview
	Propose proposalForm
	Error   *models.Error // a refused response or affirmation
	Window  string        // how long a proposal stays open, for people
	Quorum  int           // the responses a proposal would need now
}

// proposalForm is what was typed into "Propose a new purpose".
type proposalForm struct {
	Text      string
	Rationale string
	Error     *models.Error
}

func (s *Server) purposePage(c echo.Context) error {
	return s.showPurpose(c, c.Param("slug"), http.StatusOK, purposePage{})
}

func (s *Server) showPurpose(c echo.Context, slug string, status int, page purposePage) error {
	o, err := s.store.PurposeOverview(c.Request().Context(), actor(c), slug)
	if err != nil {
		return err
	}
	page.PurposeOverview = o
	page.Window = spanText(s.cfg.ProposalWindow)
	page.Quorum = s.store.Quorum(o.Space.MemberCount)
	return s.render(c, status, "purpose", "Purpose of "+o.Space.Name, page)
}

// proposeSubmit opens a proposal; a refused one comes back with what was typed.
func (s *Server) proposeSubmit(c echo.Context) error {
	slug := c.Param("slug")
	form := proposalForm{Text: c.FormValue("text"), Rationale: c.FormValue("rationale")}
	_, err := s.store.ProposePurpose(c.Request().Context(), actor(c), slug, models.NewProposal{Text: form.Text, Rationale: form.Rationale})
	if err != nil {
		status, de := classify(err)
		switch status {
		case http.StatusUnprocessableEntity:
			form.Error = de
			return s.showPurpose(c, slug, status, purposePage{Propose: form})
		case http.StatusConflict:
			return s.showPurpose(c, slug, status, purposePage{Error: de})
		}
		return err
	}
	return redirect(c, "/s/"+slug+"/purpose#proposal")
}

// respondSubmit records consent (consent=yes) or an objection (consent=no).
func (s *Server) respondSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	var p *models.ProposalView
	switch c.FormValue("consent") {
	case "yes", "no":
		p, err = s.store.RespondToProposal(ctx, a, id, c.FormValue("consent") == "yes")
	default:
		if !a.SignedIn() {
			return models.Errorf(models.CodeUnauthorized, "Sign in first.")
		}
		err = &models.Error{Code: models.CodeInvalid, Field: "consent", Message: "Choose Consent or Object."}
	}
	if err != nil {
		status, de := classify(err)
		if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
			return err
		}
		shown, perr := s.store.ProposalByID(ctx, a, id)
		if perr != nil {
			return err
		}
		return s.showPurpose(c, shown.SpaceSlug, status, purposePage{Error: de})
	}
	return redirect(c, "/s/"+p.SpaceSlug+"/purpose#proposal")
}

// affirmSubmit re-affirms the space's purpose after it changed, in one action.
func (s *Server) affirmSubmit(c echo.Context) error {
	slug := c.Param("slug")
	version, _ := strconv.Atoi(c.FormValue("affirm_purpose_version"))
	if _, err := s.store.AffirmPurpose(c.Request().Context(), actor(c), slug, version); err != nil {
		if status, de := classify(err); status == http.StatusUnprocessableEntity {
			return s.showPurpose(c, slug, status, purposePage{Error: de})
		}
		return err
	}
	return redirect(c, "/s/"+slug+"/purpose")
}

// proposalPage sends a link to a proposal (from a notification, say) to its
// place on the purpose page.
func (s *Server) proposalPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.ProposalByID(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	anchor := "#proposal"
	if !p.IsOpen() {
		anchor = "#proposal-" + strconv.FormatInt(p.ID, 10)
	}
	return redirect(c, "/s/"+p.SpaceSlug+"/purpose"+anchor)
}

// spanText says a duration as people do: "7 days", "36 hours", "90 minutes".
func spanText(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	}
	return unit(int64(d/time.Minute), "minute")
}
