package app

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// sessionCookie names the browser's session cookie. Its value is a random
// token; the database holds only its hash.
const sessionCookie = "kith_session"

// Context keys set by authenticate.
const (
	keyActor   = "kith.actor"
	keySession = "kith.session"
	keyBearer  = "kith.bearer"
)

// actor returns who the request acts for; the zero Actor when signed out.
func actor(c echo.Context) models.Actor {
	a, _ := c.Get(keyActor).(models.Actor)
	return a
}

// bearerToken returns the API token the request authenticated with, if any.
func bearerToken(c echo.Context) string {
	t, _ := c.Get(keyBearer).(string)
	return t
}

// session returns the browser session, or nil for bearer and signed-out requests.
func session(c echo.Context) *models.Session {
	sess, _ := c.Get(keySession).(*models.Session)
	return sess
}

// authenticate resolves the request's actor from a bearer token or the session
// cookie. A bad bearer token is refused outright; a stale cookie is dropped and
// the request goes on signed out.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") { // schemes are case-insensitive (RFC 7235)
				return models.Errorf(models.CodeUnauthorized, "Use Authorization: Bearer TOKEN.")
			}
			m, err := s.store.MemberByAPIToken(ctx, strings.TrimSpace(token))
			if err != nil {
				return err
			}
			c.Set(keyActor, models.ActorOf(m))
			c.Set(keyBearer, strings.TrimSpace(token))
			return next(c)
		}
		if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
			sess, m, err := s.store.SessionByToken(ctx, ck.Value)
			switch code := models.ErrorCode(err); {
			case err == nil:
				c.Set(keyActor, models.ActorOf(m))
				c.Set(keySession, sess)
			case code == models.CodeUnauthorized || code == models.CodeSuspended:
				s.clearSessionCookie(c)
			default:
				return err
			}
		}
		return next(c)
	}
}

// csrf requires the session's token on every unsafe request that a cookie
// authenticates, from the X-CSRF-Token header or the csrf_token form field.
// The token lives in the server-side session, so signing out voids it.
// Bearer-token requests carry no ambient credentials and need none.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := session(c)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if sess == nil || signInPaths[c.Path()] {
			return next(c)
		}
		token := c.Request().Header.Get("X-CSRF-Token")
		if token == "" {
			token = c.FormValue("csrf_token")
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFToken)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

// signInPaths are the routes that start a session. They need no CSRF token,
// even from a browser that is already signed in; sameOrigin guards them.
var signInPaths = map[string]bool{
	"/signup": true, "/login": true,
	"/api/v1/auth/signup": true, "/api/v1/auth/login": true, "/api/v1/auth/token": true,
}

// sameOrigin guards the routes that sign people in, which have no session
// yet and so no CSRF token: a browser's cross-site request is refused by its
// Origin (or Referer, or Sec-Fetch-Site). Scripts that send none pass.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			return errCrossOrigin
		}
		origin := r.Header.Get("Origin")
		if origin == "" {
			origin = r.Header.Get("Referer")
		}
		if origin == "" {
			return next(c)
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return errCrossOrigin
		}
		return next(c)
	}
}

// signIn starts a browser session for m and sets its cookie.
func (s *Server) signIn(c echo.Context, m *models.Member) (*models.Session, error) {
	if old, err := c.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = s.store.EndSession(c.Request().Context(), old.Value) // a new sign-in never reuses a session
	}
	token, sess, err := s.store.CreateSession(c.Request().Context(), models.NewSession{
		MemberID: m.ID, UserAgent: c.Request().UserAgent(), IP: c.RealIP(), TTL: s.cfg.SessionTTL,
	})
	if err != nil {
		return nil, err
	}
	c.SetCookie(&http.Cookie{ //nolint:gosec // G124: Secure follows the base URL (s.cfg.secure()); HttpOnly and SameSite are set
		Name: sessionCookie, Value: token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode,
	})
	c.Set(keyActor, models.ActorOf(m))
	c.Set(keySession, sess)
	return sess, nil
}

// signOut ends the browser's session at once.
func (s *Server) signOut(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.store.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return nil
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{ //nolint:gosec // G124: Secure follows the base URL (s.cfg.secure()); HttpOnly and SameSite are set
		Name: sessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode,
	})
}

// csrfToken returns the token that forms and scripts send back.
func csrfToken(c echo.Context) string {
	if sess := session(c); sess != nil {
		return sess.CSRFToken
	}
	return ""
}
