package app_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"kith/models"
	"kith/models/storetest"
)

// suspend suspends a member as an admin's console would, in the database.
func suspend(t *testing.T, ts *testServer, id int64) {
	t.Helper()
	if _, err := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL).Exec("UPDATE members SET suspended_at = created_at WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// TestSuspensionEndsSessionsAtOnce: once an account is suspended, its
// browsers are signed out on their next request (the cookie is cleared), its
// API tokens are refused, and it cannot sign in again, by password or by a
// provider.
func TestSuspensionEndsSessionsAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann := ts.member("Ann")
		phone := ts.client()
		phone.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)
		phone.refreshCSRF()
		bot := ts.client()
		bot.bearer = ts.client().do("POST", "/api/v1/auth/token", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusCreated).str("token")
		bob := ts.member("Bob")
		bot.do("GET", "/api/v1/me", nil).want(http.StatusOK)

		suspend(t, ts, ann.ID)
		r := ann.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "kith_session=;") {
			t.Fatalf("the suspended browser's cookie is not cleared: %q", sc)
		}
		phone.do("POST", "/api/v1/spaces", map[string]any{"slug": "after", "name": "After", "purpose": testPurpose, "visibility": "open"}).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		if loc := phone.do("GET", "/settings", nil).want(http.StatusSeeOther).Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("settings sends a suspended browser to %q", loc)
		}
		bot.do("GET", "/api/v1/me", nil).wantError(http.StatusForbidden, models.CodeSuspended)
		ts.client().do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).wantError(http.StatusForbidden, models.CodeSuspended)
		bob.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	})
}

// TestSuspendedProviderAccount: a browser signed in through the provider is
// signed out when the account is suspended, and the provider cannot sign it
// in again.
func TestSuspendedProviderAccount(t *testing.T) {
	ts, m := startOIDC(t, nil)
	m.QueueUser(&mockoidc.MockUser{Subject: "sue-1", Email: "sue@example.com", EmailVerified: true})
	sue := ts.browser()
	sue.do("GET", "/auth/openid-connect", nil).want(http.StatusOK)
	id := sue.do("GET", "/api/v1/me", nil).want(http.StatusOK).int("member", "id")

	suspend(t, ts, id)
	sue.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
	m.QueueUser(&mockoidc.MockUser{Subject: "sue-1", Email: "sue@example.com", EmailVerified: true})
	c := ts.client()
	page := c.do("GET", authorizeAt(t, ts, startSignIn(t, c)), nil)
	if page.Status != http.StatusForbidden || !strings.Contains(page.Body, "suspended") {
		t.Fatalf("suspended sign-in: %d %.800s", page.Status, page.Body)
	}
	c.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)
}

// TestPageLogoutEndsSessionAtOnce: the sign-out button ends the session in
// the database, so the old cookie, replayed, signs nobody in; it needs the
// CSRF token, so another site cannot sign a person out; other browsers stay
// signed in.
func TestPageLogoutEndsSessionAtOnce(t *testing.T) {
	t.Parallel()
	ts := startServer(t, models.SQLite, nil)
	ann := ts.member("Ann")
	phone := ts.client()
	phone.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)

	noCSRF := *ann
	noCSRF.csrf = ""
	if r := noCSRF.form("/logout", nil); r.Status != http.StatusForbidden {
		t.Fatalf("logout without a CSRF token: %d", r.Status)
	}
	ann.do("GET", "/api/v1/me", nil).want(http.StatusOK)

	u, _ := url.Parse(ts.URL)
	old := ann.http.Jar.Cookies(u)
	if loc := ann.form("/logout", nil).want(http.StatusSeeOther).Header.Get("Location"); loc != "/" {
		t.Fatalf("logout redirects to %q", loc)
	}
	ann.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
	replay := ts.client()
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, old)
	replay.http.Jar = jar
	replay.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
	phone.do("GET", "/api/v1/me", nil).want(http.StatusOK)
}
