package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/gitlab"
	"github.com/markbates/goth/providers/google"
	"github.com/markbates/goth/providers/microsoftonline"

	"kith/models"
)

// oidcProvider is goth's name for the generic OpenID Connect provider.
const oidcProvider = "openid-connect"

// oauthCookie holds one sign-in in flight: the provider, the OAuth state and
// what the flow needs to finish (the PKCE verifier and nonce of the generic
// provider, goth's session for the named ones). It is signed and encrypted,
// lives ten minutes, and is used once.
const oauthCookie = "kith_oauth"

// providerButton is a configured sign-in provider as the pages show it.
type providerButton struct {
	Name  string // goth's provider name, the :provider route parameter
	Label string
}

// signInFlow is one provider's side of a sign-in.
type signInFlow interface {
	// begin returns the provider's authorization URL for this state and what
	// finish will need, which is kept in the encrypted in-flight cookie.
	begin(state string) (authURL string, keep map[string]string, err error)
	// finish redeems the callback's code and returns what the provider
	// vouches for. On failure, detail says what happened for the log; it
	// never holds a code, token, verifier or secret.
	finish(ctx context.Context, query url.Values, kept map[string]string) (c models.Claims, detail string, err error)
}

// providers are the configured sign-in providers, each built on first use.
type providers struct {
	cfg    *Config
	store  *sessions.CookieStore
	client *http.Client // for discovery, token exchange and keys; bounded in time
	mu     sync.Mutex
	built  map[string]signInFlow
}

func newProviders(cfg *Config) (*providers, error) {
	p := &providers{cfg: cfg, built: map[string]signInFlow{}, client: &http.Client{Timeout: 15 * time.Second}}
	if len(cfg.providerNames()) == 0 {
		return p, nil
	}
	key, err := oauthKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st := sessions.NewCookieStore(key[:32], key[32:])
	st.Options = &sessions.Options{Path: "/auth/", MaxAge: 600, HttpOnly: true, Secure: cfg.secure(), SameSite: http.SameSiteLaxMode}
	p.store = st
	return p, nil
}

// oauthKey returns the random key that signs and encrypts the sign-in cookie.
// It is made once and kept in the data directory, so a restart does not break
// a sign-in in flight and no second secret needs configuring.
func oauthKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "oauth.key")
	if b, err := os.ReadFile(path); err == nil && len(b) == 64 { //nolint:gosec // G304: the path is the configured data directory
		return b, nil
	}
	key := make([]byte, 64)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("oauth key: %w", err)
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("oauth key: %w", err)
	}
	return key, nil
}

// providerNames lists the providers the configuration sets up.
func (c *Config) providerNames() []string {
	var out []string
	if c.OIDCIssuer != "" && c.OIDCClientID != "" {
		out = append(out, oidcProvider)
	}
	for name, k := range map[string]string{"github": c.GitHubKey, "gitlab": c.GitLabKey, "google": c.GoogleKey, "microsoftonline": c.MicrosoftKey} {
		if k != "" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

var providerLabels = map[string]string{"github": "GitHub", "gitlab": "GitLab", "google": "Google", "microsoftonline": "Microsoft"}

func (s *Server) providerButtons() []providerButton {
	var out []providerButton
	for _, name := range s.cfg.providerNames() {
		label := providerLabels[name]
		if name == oidcProvider {
			label = s.cfg.OIDCLabel
		}
		out = append(out, providerButton{Name: name, Label: label})
	}
	return out
}

// flow returns a configured provider's flow, building it on first use: the
// generic one reads the issuer's discovery document, and kith must start
// while the identity provider is down, so a failure here is retried on the
// next sign-in.
func (p *providers) flow(ctx context.Context, name string) (signInFlow, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f, ok := p.built[name]; ok {
		return f, nil
	}
	c := p.cfg
	callback := c.BaseURL + "/auth/" + name + "/callback"
	var f signInFlow
	switch {
	case name == oidcProvider && c.OIDCIssuer != "" && c.OIDCClientID != "":
		of, err := newOIDCFlow(ctx, c, callback, p.client)
		if err != nil {
			return nil, &flowError{err: errProvider, detail: "discovery failed: " + err.Error()}
		}
		f = of
	case name == "github" && c.GitHubKey != "":
		gp := github.New(c.GitHubKey, c.GitHubSecret, callback, "read:user", "user:email")
		gp.HTTPClient = p.client
		f = &gothFlow{name: name, provider: gp}
	case name == "gitlab" && c.GitLabKey != "":
		gp := gitlab.New(c.GitLabKey, c.GitLabSecret, callback, "read_user")
		gp.HTTPClient = p.client
		f = &gothFlow{name: name, provider: gp}
	case name == "google" && c.GoogleKey != "":
		gp := google.New(c.GoogleKey, c.GoogleSecret, callback, "openid", "email", "profile")
		gp.HTTPClient = p.client
		f = &gothFlow{name: name, provider: gp}
	case name == "microsoftonline" && c.MicrosoftKey != "":
		gp := microsoftonline.New(c.MicrosoftKey, c.MicrosoftSecret, callback)
		gp.HTTPClient = p.client
		f = &gothFlow{name: name, provider: gp}
	default:
		return nil, errNoProvider
	}
	p.built[name] = f
	return f, nil
}

var errNoProvider = models.Errorf(models.CodeNotFound, "No such sign-in provider.")

// configured reports whether name is a provider this instance sets up.
func (p *providers) configured(name string) bool {
	return p.store != nil && slices.Contains(p.cfg.providerNames(), name)
}

// flowError carries, beside the error shown, what the log should say.
type flowError struct {
	err    error
	detail string
}

func (e *flowError) Error() string { return e.err.Error() }
func (e *flowError) Unwrap() error { return e.err }

// authStart sends the browser to the provider. With ?link=1 a signed-in
// person links the provider to their account instead of signing in.
func (s *Server) authStart(c echo.Context) error {
	name := c.Param("provider")
	if !s.oauth.configured(name) {
		return errNoProvider
	}
	f, err := s.oauth.flow(c.Request().Context(), name)
	if err != nil {
		return s.signInFailed(c, name, err)
	}
	link := c.QueryParam("link") != ""
	if link && !actor(c).SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	state, err := randomState()
	if err != nil {
		return err
	}
	authURL, keep, err := f.begin(state)
	if err != nil {
		return s.signInFailed(c, name, &flowError{err: errProvider, detail: "begin: " + err.Error()})
	}
	sess, _ := s.oauth.store.New(c.Request(), oauthCookie) // a broken old cookie is replaced
	sess.Values["provider"] = name
	sess.Values["state"] = state
	for k, v := range keep {
		sess.Values["flow."+k] = v
	}
	sess.Values["next"] = safeNext(c.QueryParam("next"))
	if link {
		sess.Values["link"] = actor(c).ID
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, authURL)
}

// authCallback finishes a sign-in or a link. Every failure ends on a page
// saying what happened (or the contract's error for a JSON client), with
// nothing created, nothing linked and no session started.
func (s *Server) authCallback(c echo.Context) error {
	name := c.Param("provider")
	if !s.oauth.configured(name) {
		return errNoProvider
	}
	r := c.Request()
	sess, err := s.oauth.store.Get(r, oauthCookie)
	if err != nil || sess.IsNew {
		return errOAuthState
	}
	// The cookie is used once, whatever happens next.
	sess.Options.MaxAge = -1
	if err := sess.Save(r, c.Response()); err != nil {
		return err
	}
	q := c.QueryParams()
	wantState, _ := sess.Values["state"].(string)
	if sess.Values["provider"] != name || wantState == "" ||
		subtle.ConstantTimeCompare([]byte(wantState), []byte(q.Get("state"))) != 1 {
		return errOAuthState
	}
	if e := q.Get("error"); e != "" {
		return s.signInFailed(c, name, &flowError{err: callbackError(e), detail: "provider answered " + safeWord(e)})
	}
	f, err := s.oauth.flow(r.Context(), name)
	if err != nil {
		return s.signInFailed(c, name, err)
	}
	kept := map[string]string{}
	for k, v := range sess.Values {
		if ks, ok := k.(string); ok && strings.HasPrefix(ks, "flow.") {
			kept[strings.TrimPrefix(ks, "flow.")], _ = v.(string)
		}
	}
	claims, detail, err := f.finish(r.Context(), q, kept)
	if err != nil {
		return s.signInFailed(c, name, &flowError{err: err, detail: detail})
	}
	if linkID, ok := sess.Values["link"].(int64); ok {
		a := actor(c)
		if !a.SignedIn() || a.ID != linkID {
			return errOAuthState
		}
		if _, err := s.store.LinkIdentity(r.Context(), a, claims); err != nil {
			return err
		}
		return redirect(c, "/settings#identities")
	}
	m, err := s.store.SignInWithIdentity(r.Context(), claims)
	if err != nil {
		return err
	}
	if _, err := s.signIn(c, m); err != nil {
		return err
	}
	next, _ := sess.Values["next"].(string)
	return redirect(c, safeNext(next))
}

// signInFailed logs why a sign-in failed, for the operator, and returns the
// error the person sees. The detail names the step and the provider's error
// code; it holds no code, token, verifier or secret.
func (s *Server) signInFailed(c echo.Context, name string, err error) error {
	var fe *flowError
	if errors.As(err, &fe) && fe.detail != "" {
		s.log.Warn("sign-in failed", "provider", name, "code", models.ErrorCode(err), "detail", fe.detail)
	}
	return err
}

// truthy reads a boolean claim that some providers send as a string.
func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
