package app

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// The API of removals for conduct, stewardship as an accepted duty, spaces
// without a steward and the audit log. Every rule is in models; these
// handlers parse, call one operation and answer.

type removalJSON struct {
	ID        int64        `json:"id"`
	Space     spaceRefJSON `json:"space"`
	Member    authorJSON   `json:"member"`
	Reason    string       `json:"reason"`
	RemovedBy *authorJSON  `json:"removed_by"`
	CreatedAt time.Time    `json:"created_at"`
	LiftedAt  *time.Time   `json:"lifted_at"`
	LiftedBy  *authorJSON  `json:"lifted_by"`
}

func removalOut(r *models.RemovalView) removalJSON {
	return removalJSON{
		ID: r.ID, Space: spaceRefJSON{Slug: r.SpaceSlug, Name: r.SpaceName},
		Member: authorJSON{ID: r.MemberID, Name: r.MemberName}, Reason: r.Reason,
		RemovedBy: authorOut(r.RemovedBy, r.RemovedByName), CreatedAt: r.CreatedAt,
		LiftedAt: r.LiftedAt, LiftedBy: authorOut(r.LiftedBy, r.LiftedByName),
	}
}

type stewardOfferJSON struct {
	ID         int64        `json:"id"`
	Space      spaceRefJSON `json:"space"`
	Member     authorJSON   `json:"member"`
	OfferedBy  *authorJSON  `json:"offered_by"`
	Status     string       `json:"status"`
	CreatedAt  time.Time    `json:"created_at"`
	AnsweredAt *time.Time   `json:"answered_at"`
}

func stewardOfferOut(o *models.StewardOfferView) stewardOfferJSON {
	return stewardOfferJSON{
		ID: o.ID, Space: spaceRefJSON{Slug: o.SpaceSlug, Name: o.SpaceName},
		Member: authorJSON{ID: o.MemberID, Name: o.MemberName}, OfferedBy: authorOut(o.OfferedBy, o.OfferedByName),
		Status: o.Status, CreatedAt: o.CreatedAt, AnsweredAt: o.AnsweredAt,
	}
}

type auditJSON struct {
	ID        int64         `json:"id"`
	Action    string        `json:"action"`
	Actor     *authorJSON   `json:"actor"`
	Subject   *authorJSON   `json:"subject"`
	Space     *spaceRefJSON `json:"space"`
	Reason    string        `json:"reason"`
	CreatedAt time.Time     `json:"created_at"`
}

func auditOut(e *models.AuditView) auditJSON {
	out := auditJSON{
		ID: e.ID, Action: e.Action, Reason: e.Reason, CreatedAt: e.CreatedAt,
		Actor: authorOut(e.ActorID, derefString(e.ActorName)), Subject: authorOut(e.SubjectID, derefString(e.SubjectName)),
	}
	if e.SpaceSlug != nil {
		out.Space = &spaceRefJSON{Slug: *e.SpaceSlug, Name: derefString(e.SpaceName)}
	}
	return out
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// apiRemoveMember removes a member of the space for conduct (stewards, admins).
func (s *Server) apiRemoveMember(c echo.Context) error {
	var in struct {
		MemberID int64  `json:"member_id"`
		Reason   string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.store.RemoveMember(c.Request().Context(), actor(c), c.Param("slug"), in.MemberID, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"removal": removalOut(r)})
}

// apiRemovals lists the removals of a space that still stand.
func (s *Server) apiRemovals(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.Removals(c.Request().Context(), actor(c), c.Param("slug"), p)
	if err != nil {
		return err
	}
	out := make([]removalJSON, len(list))
	for i := range list {
		out[i] = removalOut(&list[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"removals": out, "next_cursor": next})
}

// apiLiftRemoval lifts a removal; the person may then join again themselves.
func (s *Server) apiLiftRemoval(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.LiftRemoval(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"removal": removalOut(r)})
}

// apiOfferStewardship offers the steward duty to a member of the space.
func (s *Server) apiOfferStewardship(c echo.Context) error {
	var in struct {
		MemberID int64 `json:"member_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := s.store.OfferStewardship(c.Request().Context(), actor(c), c.Param("slug"), in.MemberID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"steward_offer": stewardOfferOut(o)})
}

// apiMyStewardOffers lists the steward offers waiting for the caller's answer.
func (s *Server) apiMyStewardOffers(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.MyStewardOffers(c.Request().Context(), actor(c), p)
	if err != nil {
		return err
	}
	out := make([]stewardOfferJSON, len(list))
	for i := range list {
		out[i] = stewardOfferOut(&list[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"steward_offers": out, "next_cursor": next})
}

func (s *Server) apiAcceptStewardOffer(c echo.Context) error {
	return s.apiAnswerStewardOffer(c, s.store.AcceptStewardOffer)
}

func (s *Server) apiDeclineStewardOffer(c echo.Context) error {
	return s.apiAnswerStewardOffer(c, s.store.DeclineStewardOffer)
}

type offerAnswer func(ctx context.Context, a models.Actor, id int64) (*models.StewardOfferView, error)

func (s *Server) apiAnswerStewardOffer(c echo.Context, answer offerAnswer) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := answer(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"steward_offer": stewardOfferOut(o)})
}

// apiResignStewardship sets the caller's steward duty in the space down.
func (s *Server) apiResignStewardship(c echo.Context) error {
	slug := c.Param("slug")
	m, err := s.store.ResignStewardship(c.Request().Context(), actor(c), slug)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"membership": membershipOut(slug, m)})
}

// apiUnstewardedSpaces lists, for admins, the spaces nobody stewards.
func (s *Server) apiUnstewardedSpaces(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	spaces, next, err := s.store.UnstewardedSpaces(c.Request().Context(), actor(c), p)
	if err != nil {
		return err
	}
	out := make([]spaceJSON, len(spaces))
	for i := range spaces {
		out[i] = spaceOut(&spaces[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"spaces": out, "next_cursor": next})
}

// apiSpaceAudit reads a space's audit log (its stewards, admins).
func (s *Server) apiSpaceAudit(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.SpaceAudit(c.Request().Context(), actor(c), c.Param("slug"), p)
	if err != nil {
		return err
	}
	return auditList(c, list, next)
}

// apiAuditLog reads the instance's audit log (admins).
func (s *Server) apiAuditLog(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.AuditLog(c.Request().Context(), actor(c), p)
	if err != nil {
		return err
	}
	return auditList(c, list, next)
}

func auditList(c echo.Context, list []models.AuditView, next string) error {
	out := make([]auditJSON, len(list))
	for i := range list {
		out[i] = auditOut(&list[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": out, "next_cursor": next})
}
