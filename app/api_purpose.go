package app

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// The API of purpose by consent: a space's purpose with its open proposal and
// history, proposing, responding, and re-affirming after a change.

type responsesJSON struct {
	Consent int `json:"consent"`
	Object  int `json:"object"`
	Total   int `json:"total"`
}

type proposalJSON struct {
	ID          int64         `json:"id"`
	Space       spaceRefJSON  `json:"space"`
	Proposer    *authorJSON   `json:"proposer"`
	Text        string        `json:"text"`
	Rationale   string        `json:"rationale"`
	BaseVersion int           `json:"base_version"`
	Status      string        `json:"status"`
	ThreadID    *int64        `json:"thread_id"`
	CreatedAt   time.Time     `json:"created_at"`
	ClosesAt    time.Time     `json:"closes_at"`
	ClosedAt    *time.Time    `json:"closed_at"`
	Responses   responsesJSON `json:"responses"`
	Quorum      int           `json:"quorum"`
	Members     int           `json:"members"`
	MyResponse  *bool         `json:"my_response"`
}

func proposalOut(p *models.ProposalView) *proposalJSON {
	if p == nil {
		return nil
	}
	return &proposalJSON{
		ID: p.ID, Space: spaceRefJSON{Slug: p.SpaceSlug, Name: p.SpaceName}, Proposer: authorOut(p.ProposerID, p.ProposerName),
		Text: p.Text, Rationale: p.Rationale, BaseVersion: p.BaseVersion, Status: p.Status, ThreadID: p.ThreadID,
		CreatedAt: p.CreatedAt, ClosesAt: p.ClosesAt, ClosedAt: p.ClosedAt,
		Responses: responsesJSON{Consent: p.Consents, Object: p.Objections, Total: p.Responses()},
		Quorum:    p.Quorum, Members: p.Members, MyResponse: p.MyResponse,
	}
}

// purposeRecordJSON is one entry of a purpose's history: a version founded
// or adopted (version and adopted_at set), or a proposal declined (version
// null). proposal is the proposal that decided it, for readers of the space.
type purposeRecordJSON struct {
	Outcome   string        `json:"outcome"`
	Version   *int          `json:"version"`
	Text      string        `json:"text"`
	At        time.Time     `json:"at"`
	AdoptedAt *time.Time    `json:"adopted_at"`
	Proposal  *proposalJSON `json:"proposal"`
}

// apiPurpose answers {purpose, affirmed_version, proposal, history}:
// affirmed_version is the caller's own (null for non-members), proposal the
// open one (null when none), history newest first.
func (s *Server) apiPurpose(c echo.Context) error {
	o, err := s.store.PurposeOverview(c.Request().Context(), actor(c), c.Param("slug"))
	if err != nil {
		return err
	}
	hist := make([]purposeRecordJSON, len(o.History))
	for i, r := range o.History {
		hist[i] = purposeRecordJSON{Outcome: r.Outcome, Text: r.Text, At: r.At, Proposal: proposalOut(r.Proposal)}
		if r.Outcome != models.ProposalDeclined {
			v, at := r.Version, r.At
			hist[i].Version, hist[i].AdoptedAt = &v, &at
		}
	}
	var affirmed *int
	if m := o.Space.Membership; m != nil {
		affirmed = &m.AffirmedVersion
	}
	return c.JSON(http.StatusOK, map[string]any{
		"purpose":          purposeJSON{Text: o.Space.Purpose, Version: o.Space.PurposeVersion},
		"affirmed_version": affirmed,
		"proposal":         proposalOut(o.Open),
		"history":          hist,
	})
}

func (s *Server) apiProposePurpose(c echo.Context) error {
	var in struct {
		Text      string `json:"text"`
		Rationale string `json:"rationale"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := s.store.ProposePurpose(c.Request().Context(), actor(c), c.Param("slug"), models.NewProposal{Text: in.Text, Rationale: in.Rationale})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"proposal": proposalOut(p)})
}

func (s *Server) apiGetProposal(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.ProposalByID(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"proposal": proposalOut(p)})
}

// apiRespondToProposal takes {consent: true|false}; responding again
// replaces the earlier response until the proposal closes.
func (s *Server) apiRespondToProposal(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Consent *bool `json:"consent"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !actor(c).SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	if in.Consent == nil {
		return &models.Error{Code: models.CodeInvalid, Field: "consent", Message: "Say consent: true to consent, or consent: false to object."}
	}
	p, err := s.store.RespondToProposal(c.Request().Context(), actor(c), id, *in.Consent)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"proposal": proposalOut(p)})
}

// apiAffirmPurpose re-affirms the space's purpose after it changed:
// {affirm_purpose_version} must name the current version.
func (s *Server) apiAffirmPurpose(c echo.Context) error {
	var in struct {
		AffirmPurposeVersion int `json:"affirm_purpose_version"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	slug := c.Param("slug")
	m, err := s.store.AffirmPurpose(c.Request().Context(), actor(c), slug, in.AffirmPurposeVersion)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"membership": membershipOut(slug, m)})
}
