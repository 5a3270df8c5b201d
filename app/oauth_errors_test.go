package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/oauth2-proxy/mockoidc"

	"kith/app"
	"kith/models/storetest"
)

// The flow driven by hand, one redirect at a time, so that a test can stop,
// tamper or swap between the steps.

// startSignIn asks kith to start a sign-in and returns the provider's
// authorization URL it redirects to.
func startSignIn(t *testing.T, c *client) *url.URL {
	t.Helper()
	r := c.do("GET", "/auth/openid-connect", nil).want(http.StatusFound)
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil || u.Query().Get("state") == "" {
		t.Fatalf("authorization URL %q", r.Header.Get("Location"))
	}
	return u
}

// authorizeAt visits the provider's authorization URL as the browser would
// and returns the callback path (with its query) the provider sends it to.
func authorizeAt(t *testing.T, ts *testServer, authURL *url.URL) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, ts.URL+"/auth/openid-connect/callback?") {
		t.Fatalf("provider answered %d, location %q", res.StatusCode, loc)
	}
	return strings.TrimPrefix(loc, ts.URL)
}

// withQuery returns path with one query parameter set.
func withQuery(path, key, value string) string {
	u, _ := url.Parse(path)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// refused checks a failed sign-in's page: its status, heading and words,
// the way back to the sign-in page, and that the browser is signed out.
func refused(t *testing.T, c *client, r *response, status int, heading, words string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.800s", r.Status, status, r.Body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.TrimSpace(doc.Find("main h1").First().Text()); h != heading {
		t.Fatalf("heading %q, want %q", h, heading)
	}
	if !strings.Contains(doc.Find("main").Text(), words) {
		t.Fatalf("page does not say %q: %.800s", words, r.Body)
	}
	if doc.Find(`main a[href="/login"]`).Length() != 1 {
		t.Fatal("the page offers no way back to the sign-in page")
	}
	c.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)
}

// nothingCreated checks that refused sign-ins left no account, identity or
// session behind.
func nothingCreated(t *testing.T, ts *testServer) {
	t.Helper()
	db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
	for _, table := range []string{"members", "identities", "sessions"} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows in %s after refused sign-ins", n, table)
		}
	}
}

// TestOIDCSendsPKCEAndNonce: the generic provider's authorization request
// carries an S256 code challenge and a nonce, fresh for each sign-in, and
// nothing secret; mockoidc then demands the verifier at the token endpoint.
func TestOIDCSendsPKCEAndNonce(t *testing.T) {
	ts, m := startOIDC(t, nil)
	a := startSignIn(t, ts.client()).Query()
	b := startSignIn(t, ts.client()).Query()
	if a.Get("code_challenge_method") != "S256" || len(a.Get("code_challenge")) != 43 {
		t.Fatalf("no S256 challenge: %v", a)
	}
	if len(a.Get("nonce")) < 32 || a.Get("response_type") != "code" {
		t.Fatalf("no nonce: %v", a)
	}
	if a.Get("nonce") == b.Get("nonce") || a.Get("code_challenge") == b.Get("code_challenge") || a.Get("state") == b.Get("state") {
		t.Fatal("two sign-ins share a nonce, challenge or state")
	}
	for k, v := range a {
		if k == "code_verifier" || k == "client_secret" || strings.Contains(strings.Join(v, " "), m.ClientSecret) {
			t.Fatalf("the authorization URL carries %s", k)
		}
	}

	// A full sign-in with them works.
	m.QueueUser(&mockoidc.MockUser{Subject: "ivy-1", Email: "ivy@example.com", EmailVerified: true})
	c := ts.client()
	cb := authorizeAt(t, ts, startSignIn(t, c))
	c.do("GET", cb, nil).want(http.StatusSeeOther)
	c.refreshCSRF()
	if logs := ts.Logs.String(); strings.Contains(logs, m.ClientSecret) || strings.Contains(logs, mustParam(t, cb, "code")) {
		t.Fatal("the log holds the client secret or the code")
	}
}

func mustParam(t *testing.T, path, key string) string {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil || u.Query().Get(key) == "" {
		t.Fatalf("no %s in %q", key, path)
	}
	return u.Query().Get(key)
}

// TestOIDCRefusesCodeOrTokenOfAnotherSignIn: a code issued to one sign-in
// and delivered to another browser's callback (code injection) fails at the
// token endpoint, because that browser's PKCE verifier does not match; an
// id_token whose nonce is not this sign-in's is refused. Nothing is created.
func TestOIDCRefusesCodeOrTokenOfAnotherSignIn(t *testing.T) {
	ts, m := startOIDC(t, nil)
	victim := ts.client()
	victimAuth := startSignIn(t, victim)
	// The attacker signs in at the provider as themselves and keeps the code.
	m.QueueUser(&mockoidc.MockUser{Subject: "mallory", Email: "mallory@example.com", EmailVerified: true})
	attackerCB := authorizeAt(t, ts, startSignIn(t, ts.client()))
	injected := withQuery(attackerCB, "state", victimAuth.Query().Get("state"))
	r := victim.do("GET", injected, nil)
	refused(t, victim, r, http.StatusBadRequest, "Sign-in expired", "Start again")

	// An authorization request whose nonce was swapped: the provider signs
	// an id_token with the wrong nonce, and kith refuses it.
	for _, nonce := range []string{"forged-nonce", ""} {
		m.QueueUser(&mockoidc.MockUser{Subject: "ned", Email: "ned@example.com", EmailVerified: true})
		c := ts.client()
		authURL := startSignIn(t, c)
		q := authURL.Query()
		if nonce == "" {
			q.Del("nonce")
		} else {
			q.Set("nonce", nonce)
		}
		authURL.RawQuery = q.Encode()
		r := c.do("GET", authorizeAt(t, ts, authURL), nil)
		refused(t, c, r, http.StatusBadRequest, "Sign-in failed", "could not be verified")
	}
	nothingCreated(t, ts)
	if logs := ts.Logs.String(); !strings.Contains(logs, "nonce does not match") {
		t.Fatalf("the log does not say why: %s", logs)
	}
}

// TestOIDCCallbackErrors: each way a callback fails ends on its own page
// with its own status (or the contract's error for a JSON client), signed
// out, with nothing created.
func TestOIDCCallbackErrors(t *testing.T) {
	ts, m := startOIDC(t, nil)

	t.Run("cancelled at the provider", func(t *testing.T) {
		c := ts.client()
		state := startSignIn(t, c).Query().Get("state")
		r := c.do("GET", "/auth/openid-connect/callback?error=access_denied&error_description=no&state="+url.QueryEscape(state), nil)
		refused(t, c, r, http.StatusForbidden, "Sign-in cancelled", "cancelled at the provider")
		// The state is used once.
		c.do("GET", "/auth/openid-connect/callback?code=x&state="+url.QueryEscape(state), nil).want(http.StatusBadRequest)
	})
	t.Run("other provider error", func(t *testing.T) {
		c := ts.client()
		state := startSignIn(t, c).Query().Get("state")
		r := c.do("GET", "/auth/openid-connect/callback?error=invalid_scope%3Cb%3E&state="+url.QueryEscape(state), nil)
		refused(t, c, r, http.StatusBadRequest, "Sign-in failed", "(invalid_scopeb)")
	})
	t.Run("provider error as JSON", func(t *testing.T) {
		c := ts.client()
		state := startSignIn(t, c).Query().Get("state")
		req, _ := http.NewRequest("GET", ts.URL+"/auth/openid-connect/callback?error=access_denied&state="+url.QueryEscape(state), nil)
		req.Header.Set("Accept", "application/json")
		c.send(req).wantError(http.StatusForbidden, "sign_in_cancelled")
	})
	t.Run("wrong, missing or no state", func(t *testing.T) {
		c := ts.client()
		startSignIn(t, c)
		r := c.do("GET", "/auth/openid-connect/callback?code=abc&state=forged", nil)
		refused(t, c, r, http.StatusBadRequest, "Sign-in could not be checked", "Start again")
		c = ts.client()
		startSignIn(t, c)
		refused(t, c, c.do("GET", "/auth/openid-connect/callback?code=abc", nil), http.StatusBadRequest, "Sign-in could not be checked", "Start again")
		c = ts.client() // no sign-in in flight in this browser
		refused(t, c, c.do("GET", "/auth/openid-connect/callback?code=abc&state=abc", nil), http.StatusBadRequest, "Sign-in could not be checked", "Start again")
		req, _ := http.NewRequest("GET", ts.URL+"/auth/openid-connect/callback?state=x", nil)
		req.Header.Set("Accept", "application/json")
		c.send(req).wantError(http.StatusBadRequest, "invalid_state")
	})
	t.Run("expired or unknown code", func(t *testing.T) {
		c := ts.client()
		cb := authorizeAt(t, ts, startSignIn(t, c))
		r := c.do("GET", withQuery(cb, "code", "no-such-code"), nil)
		refused(t, c, r, http.StatusBadRequest, "Sign-in expired", "Start again from the sign-in page")
		// The provider says the code is no good (expired).
		c = ts.client()
		cb = authorizeAt(t, ts, startSignIn(t, c))
		m.QueueError(&mockoidc.ServerError{Code: http.StatusBadRequest, Error: "invalid_grant", Description: "code expired"})
		refused(t, c, c.do("GET", cb, nil), http.StatusBadRequest, "Sign-in expired", "Start again from the sign-in page")
	})
	t.Run("callback without a code", func(t *testing.T) {
		c := ts.client()
		state := startSignIn(t, c).Query().Get("state")
		refused(t, c, c.do("GET", "/auth/openid-connect/callback?state="+url.QueryEscape(state), nil), http.StatusBadRequest, "Sign-in failed", "could not be verified")
	})
	t.Run("token endpoint fails", func(t *testing.T) {
		c := ts.client()
		cb := authorizeAt(t, ts, startSignIn(t, c))
		m.QueueError(&mockoidc.ServerError{Code: http.StatusServiceUnavailable, Error: "temporarily_unavailable", Description: "down for maintenance"})
		refused(t, c, c.do("GET", cb, nil), http.StatusBadGateway, "Sign-in provider unavailable", "cannot be reached")
	})
	t.Run("unverified email", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "una", Email: "una@example.com", EmailVerified: false})
		c := ts.client()
		refused(t, c, c.do("GET", authorizeAt(t, ts, startSignIn(t, c)), nil), http.StatusForbidden, "Email not verified", "not verified")
	})
	nothingCreated(t, ts)

	for _, secret := range []string{m.ClientSecret, "no-such-code"} {
		if strings.Contains(ts.Logs.String(), secret) {
			t.Errorf("the log holds a secret or code (%.6s...)", secret)
		}
	}
}

// TestOIDCDisallowedDomainPage: an email outside the allowed domains is a
// 403 page, nothing created.
func TestOIDCDisallowedDomainPage(t *testing.T) {
	ts, m := startOIDC(t, func(c *app.Config) { c.AllowedEmailDomains = "corp.example" })
	m.QueueUser(&mockoidc.MockUser{Subject: "eve", Email: "eve@gmail.example", EmailVerified: true})
	c := ts.client()
	refused(t, c, c.do("GET", authorizeAt(t, ts, startSignIn(t, c)), nil), http.StatusForbidden, "Email domain not allowed", "not allowed")
	nothingCreated(t, ts)
}

// TestOIDCProviderDown: kith starts while the provider is down and says so
// (502); when the provider goes down between the redirect and the callback,
// the token exchange says so too. Nothing is created; no secret is shown.
func TestOIDCProviderDown(t *testing.T) {
	down, _ := startOIDC(t, func(cfg *app.Config) { cfg.OIDCIssuer = "http://127.0.0.1:1/oidc" })
	c := down.client()
	r := c.do("GET", "/auth/openid-connect", nil)
	refused(t, c, r, http.StatusBadGateway, "Sign-in provider unavailable", "cannot be reached")
	if strings.Contains(r.Body, down.Cfg.OIDCClientSecret) {
		t.Fatal("the client secret is on the page")
	}
	req, _ := http.NewRequest("GET", down.URL+"/auth/openid-connect", nil)
	req.Header.Set("Accept", "application/json")
	c.send(req).wantError(http.StatusBadGateway, "provider_unavailable")
	nothingCreated(t, down)

	ts, m := startOIDC(t, nil)
	m.QueueUser(&mockoidc.MockUser{Subject: "late", Email: "late@example.com", EmailVerified: true})
	c = ts.client()
	cb := authorizeAt(t, ts, startSignIn(t, c))
	if err := m.Shutdown(); err != nil {
		t.Fatal(err)
	}
	r = c.do("GET", cb, nil)
	refused(t, c, r, http.StatusBadGateway, "Sign-in provider unavailable", "cannot be reached")
	if strings.Contains(r.Body, m.ClientSecret) || strings.Contains(r.Body, mustParam(t, cb, "code")) {
		t.Fatal("the page shows the client secret or the code")
	}
	nothingCreated(t, ts)
	if logs := ts.Logs.String(); !strings.Contains(logs, "token endpoint unreachable") || strings.Contains(logs, m.ClientSecret) {
		t.Fatalf("log: %s", logs)
	}
}
