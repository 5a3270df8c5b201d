package app

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"kith/models"
)

// contentSecurityPolicy allows no inline script and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

// logRequests logs one line per request, without query strings (which may
// carry cursors or search terms) or any header that could hold a secret.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
			"duration", time.Since(start), "member", actor(c).ID)
		return nil
	}
}

func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
	return err
}

// rateLimit allows n requests per client IP per period (in seconds), with
// bursts of n.
func (s *Server) rateLimit(n int, periodSeconds int) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate:      rate.Limit(float64(n) / float64(periodSeconds)),
		Burst:     n,
		ExpiresIn: s.cfg.RateLimitEntries,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler:        func(c echo.Context, err error) error { return errRateLimited },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, periodSeconds/n)))
			return errRateLimited
		},
	})
}

// parseForm reads a form body before any handler asks for a field, so a body
// over the size limit is refused with 413 instead of being read as an empty
// form (c.FormValue swallows errors).
func parseForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ct := r.Header.Get(echo.HeaderContentType)
		if r.Method == "GET" || r.Method == "HEAD" {
			return next(c)
		}
		var err error
		switch {
		case strings.HasPrefix(ct, echo.MIMEApplicationForm):
			err = r.ParseForm()
		case strings.HasPrefix(ct, echo.MIMEMultipartForm):
			err = r.ParseMultipartForm(1 << 20)
		default:
			return next(c)
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he
		}
		if err != nil {
			return models.Errorf("bad_request", "The form could not be read.")
		}
		return next(c)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
