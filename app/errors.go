package app

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// Errors that arise in the transport rather than in the domain. They use the
// domain's error type so that one handler maps everything.
var (
	errCSRF        = models.Errorf("csrf_failed", "The form or request is missing its CSRF token, or it is stale. Reload the page and try again.")
	errCrossOrigin = models.Errorf("cross_origin", "This request came from another site and was refused.")
	errRateLimited = models.Errorf("rate_limited", "Too many attempts; wait a moment and try again.")
	errNoRoute     = models.Errorf(models.CodeNotFound, "There is no such API route.")
)

// statusOf maps each error code to its HTTP status. Codes not listed are 400.
var statusOf = map[string]int{
	models.CodeInvalid:            http.StatusUnprocessableEntity,
	models.CodePurposeNotAffirmed: http.StatusUnprocessableEntity,
	models.CodeInvalidQuery:       http.StatusUnprocessableEntity,
	models.CodeUnauthorized:       http.StatusUnauthorized,
	models.CodeInvalidCredentials: http.StatusUnauthorized,
	models.CodeForbidden:          http.StatusForbidden,
	models.CodeNotMember:          http.StatusForbidden,
	models.CodeSuspended:          http.StatusForbidden,
	models.CodeSignupClosed:       http.StatusForbidden,
	models.CodeLocked:             http.StatusForbidden,
	models.CodeArchived:           http.StatusForbidden,
	models.CodeRemoved:            http.StatusForbidden,
	models.CodeNotSteward:         http.StatusForbidden,
	models.CodeAlreadyDecided:     http.StatusConflict,
	models.CodeExpired:            http.StatusConflict,
	models.CodeInvitationPending:  http.StatusConflict,
	"csrf_failed":                 http.StatusForbidden,
	"cross_origin":                http.StatusForbidden,
	models.CodeNotFound:           http.StatusNotFound,
	models.CodeConflict:           http.StatusConflict,
	models.CodeEmailTaken:         http.StatusConflict,
	models.CodeSlugTaken:          http.StatusConflict,
	models.CodeAlreadyMember:      http.StatusConflict,
	models.CodeRequestPending:     http.StatusConflict,
	"too_large":                   http.StatusRequestEntityTooLarge,
	"rate_limited":                http.StatusTooManyRequests,
	"bad_request":                 http.StatusBadRequest,
	"method_not_allowed":          http.StatusMethodNotAllowed,
	"internal":                    http.StatusInternalServerError,
	// Sign-in through an outside provider (oauth_errors.go).
	codeInvalidState:              http.StatusBadRequest,
	codeSignInCancelled:           http.StatusForbidden,
	codeSignInExpired:             http.StatusBadRequest,
	codeSignInFailed:              http.StatusBadRequest,
	codeProviderDown:              http.StatusBadGateway,
	models.CodeLastSignInMethod:   http.StatusConflict,
	models.CodeEmailUnverified:    http.StatusForbidden,
	models.CodeEmailNotAllowed:    http.StatusForbidden,
	models.CodeAccountExists:      http.StatusConflict,
	models.CodeIdentityLinked:     http.StatusConflict,
	models.CodeIdentityIncomplete: http.StatusBadGateway,
}

// classify turns any error into the contract's status and domain error.
func classify(err error) (int, *models.Error) {
	var de *models.Error
	if errors.As(err, &de) {
		if st, ok := statusOf[de.Code]; ok {
			return st, de
		}
		return http.StatusBadRequest, de
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			return he.Code, models.Errorf("too_large", "The request body is too large.")
		case http.StatusNotFound:
			return he.Code, models.Errorf(models.CodeNotFound, "There is nothing here.")
		case http.StatusMethodNotAllowed:
			return he.Code, models.Errorf("method_not_allowed", "That method is not allowed here.")
		case http.StatusTooManyRequests:
			return he.Code, errRateLimited
		}
		if he.Code < 500 {
			return he.Code, models.Errorf("bad_request", "The request could not be understood.")
		}
	}
	return http.StatusInternalServerError, models.Errorf("internal", "Something went wrong on our side; it has been logged.")
}

// handleError is the one place errors become responses: the JSON error shape
// for the API, a readable page (or the sign-in page) for browsers.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, de := classify(err)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if isAPI(c) || wantsJSON(c) {
		body := map[string]any{"code": de.Code, "message": de.Message}
		if de.Field != "" {
			body["field"] = de.Field
		}
		_ = c.JSON(status, map[string]any{"error": body})
		return
	}
	if c.Request().Method == http.MethodGet && (status == http.StatusUnauthorized || hiddenWhileSignedOut(err, c)) {
		_ = c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		return
	}
	_ = s.render(c, status, "error", "Error", errorPageFor(status, de))
}

// hiddenWhileSignedOut reports whether a page is not found only because
// nobody has signed in: what signed-out people may not see answers not_found,
// so a link to a space or thread sends them to sign in first. It does so for
// every id, existing or not, so it reveals nothing.
func hiddenWhileSignedOut(err error, c echo.Context) bool {
	return models.ErrorCode(err) == models.CodeNotFound && !actor(c).SignedIn()
}

type errorPage struct {
	Status              int
	Message             string
	Heading             string // a heading of its own, where the code has one
	BackHref, BackLabel string // the way back to where the person can go on, beside the home page
}

// errorPageFor gives a failed sign-in its own heading and the way back to the
// sign-in page, and a refused unlink the way back to settings.
func errorPageFor(status int, de *models.Error) errorPage {
	p := errorPage{Status: status, Message: de.Message}
	if h, ok := signInHeadings[de.Code]; ok {
		p.Heading, p.BackHref, p.BackLabel = h, "/login", "Back to sign-in"
	}
	if de.Code == models.CodeLastSignInMethod {
		p.Heading, p.BackHref, p.BackLabel = "Still linked", "/settings#identities", "Back to settings"
	}
	return p
}

// wantsJSON reports whether a sign-in route (/auth/...) was asked for JSON
// rather than a page, as a script following the flow would.
func wantsJSON(c echo.Context) bool {
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return strings.HasPrefix(c.Request().URL.Path, "/auth/") &&
		strings.Contains(accept, echo.MIMEApplicationJSON) && !strings.Contains(accept, echo.MIMETextHTML)
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}
