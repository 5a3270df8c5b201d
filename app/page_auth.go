package app

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type authPage struct {
	Email, Name, Next string
	SignupOpen        bool
	Providers         []providerButton
	Error             *models.Error
}

func (s *Server) authPage(c echo.Context) authPage {
	return authPage{Next: safeNext(c.FormValue("next")), SignupOpen: s.cfg.LocalSignup, Providers: s.providerButtons()}
}

func (s *Server) loginPage(c echo.Context) error {
	if actor(c).SignedIn() {
		return redirect(c, safeNext(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, "login", "Sign in", s.authPage(c))
}

func (s *Server) loginSubmit(c echo.Context) error {
	page := s.authPage(c)
	page.Email = c.FormValue("email")
	m, err := s.store.Authenticate(c.Request().Context(), page.Email, c.FormValue("password"))
	if err == nil {
		_, err = s.signIn(c, m)
	}
	if err != nil {
		return s.formError(c, err, "login", "Sign in", &page, &page.Error)
	}
	return redirect(c, page.Next)
}

func (s *Server) signupPage(c echo.Context) error {
	if actor(c).SignedIn() {
		return redirect(c, safeNext(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, "signup", "Sign up", s.authPage(c))
}

func (s *Server) signupSubmit(c echo.Context) error {
	page := s.authPage(c)
	page.Email, page.Name = c.FormValue("email"), c.FormValue("name")
	m, err := s.store.SignUp(c.Request().Context(), models.NewAccount{Email: page.Email, Name: page.Name, Password: c.FormValue("password")})
	if err == nil {
		_, err = s.signIn(c, m)
	}
	if err != nil {
		return s.formError(c, err, "signup", "Sign up", &page, &page.Error)
	}
	return redirect(c, page.Next)
}

func (s *Server) logoutSubmit(c echo.Context) error {
	if err := s.signOut(c); err != nil {
		return err
	}
	return redirect(c, "/")
}

// formError shows a form again with the error that refused it, and the status
// the API would give, when it is something the person can act on in the form.
// Anything else (not signed in, not allowed, not found, our fault) goes to the
// error handler, so a refused person is not shown a form they may not use.
func (s *Server) formError(c echo.Context, err error, name, title string, page any, slot **models.Error) error {
	status, de := classify(err)
	if !formFixable[de.Code] {
		return err
	}
	*slot = de
	return s.render(c, status, name, title, page)
}

// formFixable are the error codes a form shows beside what was typed.
var formFixable = map[string]bool{
	models.CodeInvalid: true, models.CodeInvalidCredentials: true, models.CodeEmailTaken: true,
	models.CodeSlugTaken: true, models.CodeSuspended: true, models.CodeSignupClosed: true,
	models.CodePurposeNotAffirmed: true, models.CodeAlreadyMember: true, models.CodeRequestPending: true,
	"bad_request": true, "too_large": true,
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
