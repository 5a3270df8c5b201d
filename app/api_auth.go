package app

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type credentials struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// signInFields answers a login or token request without an email or a
// password as missing input (422), before any account is looked up.
func (in credentials) signInFields() error {
	if strings.TrimSpace(in.Email) == "" {
		return &models.Error{Code: models.CodeInvalid, Field: "email", Message: "Email is required."}
	}
	if in.Password == "" {
		return &models.Error{Code: models.CodeInvalid, Field: "password", Message: "Password is required."}
	}
	return nil
}

// apiSignup creates an account and signs it in.
func (s *Server) apiSignup(c echo.Context) error {
	var in credentials
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := s.store.SignUp(c.Request().Context(), models.NewAccount{Email: in.Email, Name: in.Name, Password: in.Password})
	if err != nil {
		return err
	}
	if _, err := s.signIn(c, m); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"member": memberOut(m)})
}

// apiLogin checks a password and signs the browser in.
func (s *Server) apiLogin(c echo.Context) error {
	var in credentials
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.signInFields(); err != nil {
		return err
	}
	m, err := s.store.Authenticate(c.Request().Context(), in.Email, in.Password)
	if err != nil {
		return err
	}
	if _, err := s.signIn(c, m); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"member": memberOut(m)})
}

// apiToken checks a password and returns a bearer token for scripts. It sets
// no cookie.
func (s *Server) apiToken(c echo.Context) error {
	var in struct {
		credentials
		TokenName string `json:"token_name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.signInFields(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.store.Authenticate(ctx, in.Email, in.Password)
	if err != nil {
		return err
	}
	token, err := s.store.CreateAPIToken(ctx, models.ActorOf(m), in.TokenName)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"token": token})
}

// apiLogout ends the browser session at once; called with a bearer token, it
// revokes that token.
func (s *Server) apiLogout(c echo.Context) error {
	if !actor(c).SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "You are not signed in.")
	}
	if token := bearerToken(c); token != "" {
		if err := s.store.RevokeAPIToken(c.Request().Context(), token); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	if err := s.signOut(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiMe returns the signed-in member and the CSRF token for cookie clients.
func (s *Server) apiMe(c echo.Context) error {
	a := actor(c)
	if !a.SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	m, err := s.store.MemberByID(c.Request().Context(), a, a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"member":     meJSON{memberJSON: memberOut(m), Email: m.Email, Admin: m.IsAdmin},
		"csrf_token": csrfToken(c),
	})
}
