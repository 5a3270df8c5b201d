package app

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// The person's own sign-ins: their browser sessions and the outside
// identities linked to their account. Each list is complete in one answer (a
// person has few of either), so next_cursor is always empty.

type sessionJSON struct {
	ID         int64     `json:"id"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"` // the session this request came with
}

type identityJSON struct {
	ID        int64     `json:"id"`
	Provider  string    `json:"provider"`
	Label     string    `json:"label"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// apiMySessions lists the caller's signed-in browsers, most recently seen first.
func (s *Server) apiMySessions(c echo.Context) error {
	var current int64
	if sess := session(c); sess != nil {
		current = sess.ID
	}
	list, err := s.store.Sessions(c.Request().Context(), actor(c), current)
	if err != nil {
		return err
	}
	out := make([]sessionJSON, len(list))
	for i, v := range list {
		out[i] = sessionJSON{ID: v.ID, UserAgent: v.UserAgent, IP: v.IP, CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt, Current: v.Current}
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out, "next_cursor": ""})
}

// apiEndSession signs one of the caller's browsers out at once; ending the
// session the request came with also clears its cookie.
func (s *Server) apiEndSession(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.EndSessionByID(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	if sess := session(c); sess != nil && sess.ID == id {
		s.clearSessionCookie(c)
	}
	return c.NoContent(http.StatusNoContent)
}

// apiMyIdentities lists the sign-in providers linked to the caller's account.
func (s *Server) apiMyIdentities(c echo.Context) error {
	list, err := s.store.Identities(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"identities": s.identitiesOut(list), "next_cursor": ""})
}

func (s *Server) identitiesOut(list []models.Identity) []identityJSON {
	out := make([]identityJSON, len(list))
	for i, v := range list {
		out[i] = identityJSON{ID: v.ID, Provider: v.Provider, Label: s.providerLabel(v.Provider), Email: v.Email, CreatedAt: v.CreatedAt}
	}
	return out
}

// apiUnlinkIdentity unlinks one of the caller's identities, unless it is
// their only way to sign in (409 last_sign_in_method).
func (s *Server) apiUnlinkIdentity(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.UnlinkIdentity(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// unlinkIdentitySubmit is the settings page's form for the same.
func (s *Server) unlinkIdentitySubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.UnlinkIdentity(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return redirect(c, "/settings#identities")
}

// providerLabel names a provider as its button does.
func (s *Server) providerLabel(name string) string {
	if name == oidcProvider {
		return s.cfg.OIDCLabel
	}
	if l, ok := providerLabels[name]; ok {
		return l
	}
	return name
}
