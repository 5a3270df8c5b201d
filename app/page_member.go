package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type memberPage struct {
	Member *models.Member
	Spaces []models.SpaceView
}

// memberPage shows a member's spaces, as far as the viewer may see them.
func (s *Server) memberPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.store.MemberByID(ctx, actor(c), id)
	if err != nil {
		return err
	}
	spaces, err := s.store.MemberSpaces(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "member", m.Name, memberPage{Member: m, Spaces: spaces})
}

type settingsPage struct {
	Member   *models.Member
	Spaces   []models.SpaceView
	Tokens   []models.APIToken
	NewToken string

	Sessions   []models.SessionInfo
	Identities []identityJSON
	Providers  []providerButton // providers the person may link
}

func (s *Server) settingsPage(c echo.Context) error {
	return s.showSettings(c, "")
}

func (s *Server) showSettings(c echo.Context, newToken string) error {
	a := actor(c)
	if !a.SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	ctx := c.Request().Context()
	m, err := s.store.MemberByID(ctx, a, a.ID)
	if err != nil {
		return err
	}
	spaces, err := s.store.MemberSpaces(ctx, a, a.ID)
	if err != nil {
		return err
	}
	tokens, err := s.store.APITokens(ctx, a)
	if err != nil {
		return err
	}
	var current int64
	if sess := session(c); sess != nil {
		current = sess.ID
	}
	sessions, err := s.store.Sessions(ctx, a, current)
	if err != nil {
		return err
	}
	identities, err := s.store.Identities(ctx, a)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "settings", "Settings", settingsPage{
		Member: m, Spaces: spaces, Tokens: tokens, NewToken: newToken,
		Sessions: sessions, Identities: s.identitiesOut(identities), Providers: s.providerButtons(),
	})
}

// endSessionSubmit signs one of the person's browsers out at once; ending the
// current one signs this browser out.
func (s *Server) endSessionSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	current := session(c)
	if err := s.store.EndSessionByID(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	if current != nil && current.ID == id {
		s.clearSessionCookie(c)
		return redirect(c, "/")
	}
	return redirect(c, "/settings#sessions")
}

// createTokenSubmit issues an API token and shows it once.
func (s *Server) createTokenSubmit(c echo.Context) error {
	token, err := s.store.CreateAPIToken(c.Request().Context(), actor(c), c.FormValue("name"))
	if err != nil {
		return err
	}
	return s.showSettings(c, token)
}

// revokeTokenSubmit revokes one of the person's own API tokens.
func (s *Server) revokeTokenSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeOwnAPIToken(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return redirect(c, "/settings#tokens")
}
