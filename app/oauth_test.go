package app_test

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// startOIDC serves kith with a generic OpenID Connect provider: mockoidc,
// running in the test process. The base URL is the test server's own, so
// the callback URL is real.
func startOIDC(t *testing.T, configure func(*app.Config)) (*testServer, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	var h http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	cfg := app.DefaultConfig()
	cfg.PasswordCost = 4
	cfg.SignupsPerHour, cfg.LoginsPerMinute, cfg.TokensPerMinute = 10000, 10000, 10000
	cfg.DatabaseURL = storetest.URL(t, models.SQLite)
	cfg.DataDir = t.TempDir()
	cfg.BaseURL = hs.URL
	cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCClientSecret, cfg.OIDCLabel = m.Issuer(), m.ClientID, m.ClientSecret, "Acme SSO"
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	store := storetest.OpenURL(t, cfg.DatabaseURL, cfg.StoreOptions())
	logs := &logBuffer{}
	srv, err := app.New(cfg, store, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	h = srv
	return &testServer{t: t, URL: hs.URL, Store: store, Cfg: cfg, Logs: logs}, m
}

// logBuffer collects a server's log for tests that read it.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// browser is a client that follows redirects, across the app and the provider.
func (ts *testServer) browser() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: ts.t, base: ts.URL, http: &http.Client{Jar: jar}}
}

func memberCount(t *testing.T, ts *testServer) int {
	t.Helper()
	var n int
	if err := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL).QueryRow("SELECT COUNT(*) FROM members").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOIDCSignInEndToEnd(t *testing.T) {
	ts, m := startOIDC(t, nil)
	login := ts.client().do("GET", "/login", nil).want(http.StatusOK).Body
	if !strings.Contains(login, `href="/auth/openid-connect?`) || !strings.Contains(login, "Sign in with Acme SSO") {
		t.Fatalf("login page lacks the provider button: %.2000s", login)
	}
	if strings.Contains(login, m.ClientSecret) {
		t.Fatal("the client secret is on the sign-in page")
	}

	user := &mockoidc.MockUser{Subject: "zoe-123", Email: "zoe@example.com", EmailVerified: true, PreferredUsername: "zoe"}
	m.QueueUser(user)
	b := ts.browser()
	r := b.do("GET", "/auth/openid-connect", nil).want(http.StatusOK)
	me := b.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	id := me.int("member", "id")
	if me.str("member", "email") != "zoe@example.com" {
		t.Fatalf("me = %s (after %.300s)", me.Body, r.Body)
	}
	// The new account joins no space.
	spaces, err := ts.Store.MemberSpaces(context.Background(), models.Actor{ID: id}, id)
	if err != nil || len(spaces) != 0 {
		t.Fatalf("spaces = %v, %v", spaces, err)
	}

	// A second sign-in, from another browser, finds the same account.
	m.QueueUser(user)
	b2 := ts.browser()
	b2.do("GET", "/auth/openid-connect", nil).want(http.StatusOK)
	if got := b2.do("GET", "/api/v1/me", nil).want(http.StatusOK).int("member", "id"); got != id {
		t.Fatalf("second sign-in is member %d, want %d", got, id)
	}
	if n := memberCount(t, ts); n != 1 {
		t.Fatalf("%d members", n)
	}

	// An unverified email is refused with a clear page and creates nothing.
	m.QueueUser(&mockoidc.MockUser{Subject: "new-1", Email: "new@example.com", EmailVerified: false})
	b3 := ts.browser()
	page := b3.do("GET", "/auth/openid-connect", nil)
	if page.Status != http.StatusForbidden || !strings.Contains(page.Body, "not verified") {
		t.Fatalf("unverified: status %d, %.1500s", page.Status, page.Body)
	}
	b3.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)

	// A wrong state is refused.
	b4 := ts.browser()
	noFollow := b4.http
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := b4.do("GET", "/auth/openid-connect", nil).want(http.StatusFound)
	authURL, err := url.Parse(start.Header.Get("Location"))
	if err != nil || authURL.Query().Get("state") == "" {
		t.Fatalf("authorize URL %q", start.Header.Get("Location"))
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "new-2", Email: "new2@example.com", EmailVerified: true})
	q := authURL.Query()
	q.Set("state", "forged")
	authURL.RawQuery = q.Encode()
	res, err := noFollow.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	callback := res.Header.Get("Location")
	if !strings.Contains(callback, "/auth/openid-connect/callback") {
		t.Fatalf("provider answered %d, location %q", res.StatusCode, callback)
	}
	got := b4.do("GET", strings.TrimPrefix(callback, ts.URL), nil)
	if got.Status != http.StatusBadRequest || !strings.Contains(got.Body, "could not be checked") {
		t.Fatalf("wrong state: %d %.800s", got.Status, got.Body)
	}
	b4.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)

	// A callback without a sign-in in flight is refused.
	ts.browser().do("GET", "/auth/openid-connect/callback?state=x&code=y", nil).want(http.StatusBadRequest)
	if n := memberCount(t, ts); n != 1 {
		t.Fatalf("%d members after refused sign-ins", n)
	}
}

func TestOIDCDisallowedDomainAndExistingAccount(t *testing.T) {
	ts, m := startOIDC(t, func(c *app.Config) { c.AllowedEmailDomains = "corp.example" })
	ann := ts.client()
	ann.do("POST", "/api/v1/auth/signup", map[string]any{"email": "ann@corp.example", "name": "Ann", "password": "correct horse battery"}).want(http.StatusCreated)

	m.QueueUser(&mockoidc.MockUser{Subject: "eve", Email: "eve@gmail.example", EmailVerified: true})
	b := ts.browser()
	page := b.do("GET", "/auth/openid-connect", nil)
	if page.Status != http.StatusForbidden || !strings.Contains(page.Body, "not allowed") {
		t.Fatalf("disallowed domain: %d %.1000s", page.Status, page.Body)
	}
	b.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)

	// An email match alone does not link: a clear page, nothing created.
	m.QueueUser(&mockoidc.MockUser{Subject: "ann-sso", Email: "ann@corp.example", EmailVerified: true})
	page = b.do("GET", "/auth/openid-connect", nil)
	if page.Status != http.StatusConflict || !strings.Contains(page.Body, "link this provider") {
		t.Fatalf("account exists: %d %.1000s", page.Status, page.Body)
	}
	if n := memberCount(t, ts); n != 1 {
		t.Fatalf("%d members", n)
	}

	// Signed in, Ann links the provider from her settings; then it signs her in.
	ab := ts.browser()
	ab.http.Jar = ann.http.Jar
	m.QueueUser(&mockoidc.MockUser{Subject: "ann-sso", Email: "ann@corp.example", EmailVerified: true})
	settings := ab.do("GET", "/auth/openid-connect?link=1", nil).want(http.StatusOK).Body
	if !strings.Contains(settings, "openid-connect") || !strings.Contains(settings, "Link Acme SSO") {
		t.Fatalf("settings after linking: %.2000s", settings)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "ann-sso", Email: "ann@corp.example", EmailVerified: true})
	b2 := ts.browser()
	b2.do("GET", "/auth/openid-connect", nil).want(http.StatusOK)
	if got := b2.do("GET", "/api/v1/me", nil).want(http.StatusOK).str("member", "email"); got != "ann@corp.example" {
		t.Fatalf("signed in as %q", got)
	}
}

// TestProviderSecretsStayOutOfHelp: a secret from the environment is used but
// never printed as a flag's default.
func TestProviderSecretsStayOutOfHelp(t *testing.T) {
	env := map[string]string{"KITH_OIDC_CLIENT_SECRET": "s3cr3t-oidc", "KITH_GITHUB_SECRET": "s3cr3t-gh", "KITH_ALLOWED_EMAIL_DOMAINS": "a.example, b.example"}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	var c app.Config
	c.RegisterFlags(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	fs.PrintDefaults()
	if strings.Contains(out.String(), "s3cr3t") {
		t.Fatalf("help shows a secret:\n%s", out.String())
	}
	if c.OIDCClientSecret != "s3cr3t-oidc" || c.GitHubSecret != "s3cr3t-gh" {
		t.Fatalf("secrets not read: %q %q", c.OIDCClientSecret, c.GitHubSecret)
	}
	if got := c.StoreOptions().Policy.AllowedEmailDomains; len(got) != 2 || got[1] != "b.example" {
		t.Fatalf("allowed domains = %q", got)
	}
}
