package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/gitlab"
	"github.com/markbates/goth/providers/google"
	"github.com/markbates/goth/providers/microsoftonline"
	"github.com/markbates/goth/providers/openidConnect"

	"kith/models"
)

// oidcProvider is goth's name for the generic OpenID Connect provider.
const oidcProvider = "openid-connect"

// oauthCookie holds one sign-in in flight: the provider, the OAuth state and
// goth's session. It is signed and encrypted, and lives ten minutes.
const oauthCookie = "kith_oauth"

// providerButton is a configured sign-in provider as the pages show it.
type providerButton struct {
	Name  string // goth's provider name, the :provider route parameter
	Label string
}

// providers are the configured sign-in providers. goth's providers are used
// directly, not through gothic's globals, so each server has its own.
type providers struct {
	cfg   *Config
	store *sessions.CookieStore
	mu    sync.Mutex
	built map[string]goth.Provider
	// verifier checks the generic provider's id_token signature, issuer,
	// audience and expiry, which goth does not.
	verifier *oidc.IDTokenVerifier
}

func newProviders(cfg *Config) (*providers, error) {
	p := &providers{cfg: cfg, built: map[string]goth.Provider{}}
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

// provider returns a configured provider, building it on first use: the
// generic one reads the issuer's discovery document, and kith must start
// while the identity provider is down.
func (p *providers) provider(ctx context.Context, name string) (goth.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if gp, ok := p.built[name]; ok {
		return gp, nil
	}
	c := p.cfg
	callback := c.BaseURL + "/auth/" + name + "/callback"
	var gp goth.Provider
	switch {
	case name == oidcProvider && c.OIDCIssuer != "" && c.OIDCClientID != "":
		issuer := strings.TrimRight(c.OIDCIssuer, "/")
		op, err := oidc.NewProvider(ctx, issuer)
		if err != nil {
			return nil, errProviderDown(err)
		}
		og, err := openidConnect.New(c.OIDCClientID, c.OIDCClientSecret, callback, issuer+"/.well-known/openid-configuration", "openid", "email", "profile")
		if err != nil {
			return nil, errProviderDown(err)
		}
		p.verifier = op.Verifier(&oidc.Config{ClientID: c.OIDCClientID})
		gp = og
	case name == "github" && c.GitHubKey != "":
		gp = github.New(c.GitHubKey, c.GitHubSecret, callback, "read:user", "user:email")
	case name == "gitlab" && c.GitLabKey != "":
		gp = gitlab.New(c.GitLabKey, c.GitLabSecret, callback, "read_user")
	case name == "google" && c.GoogleKey != "":
		gp = google.New(c.GoogleKey, c.GoogleSecret, callback, "openid", "email", "profile")
	case name == "microsoftonline" && c.MicrosoftKey != "":
		gp = microsoftonline.New(c.MicrosoftKey, c.MicrosoftSecret, callback)
	default:
		return nil, models.Errorf(models.CodeNotFound, "No such sign-in provider.")
	}
	p.built[name] = gp
	return gp, nil
}

// Error codes of the sign-in flow.
const (
	codeProviderDown  = "provider_unavailable"
	codeSignInDenied  = "sign_in_denied"
	codeSignInExpired = "sign_in_failed"
)

func errProviderDown(error) error {
	return models.Errorf(codeProviderDown, "The sign-in provider cannot be reached just now. Try again in a while.")
}

var (
	errOAuthState  = models.Errorf(codeSignInExpired, "This sign-in could not be checked (it expired or did not start here). Start again from the sign-in page.")
	errOAuthFailed = models.Errorf(codeSignInExpired, "The sign-in provider did not confirm the sign-in. Start again from the sign-in page.")
)

// authStart sends the browser to the provider. With ?link=1 a signed-in
// person links the provider to their account instead of signing in.
func (s *Server) authStart(c echo.Context) error {
	name := c.Param("provider")
	gp, err := s.oauth.provider(c.Request().Context(), name)
	if err != nil {
		return err
	}
	link := c.QueryParam("link") != ""
	if link && !actor(c).SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	state, err := randomState()
	if err != nil {
		return err
	}
	gs, err := gp.BeginAuth(state)
	if err != nil {
		return errProviderDown(err)
	}
	authURL, err := gs.GetAuthURL()
	if err != nil {
		return errProviderDown(err)
	}
	sess, _ := s.oauth.store.New(c.Request(), oauthCookie) // a broken old cookie is replaced
	sess.Values["provider"] = name
	sess.Values["state"] = state
	sess.Values["goth"] = gs.Marshal()
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
// saying what happened, with nothing created and no session started.
func (s *Server) authCallback(c echo.Context) error {
	name := c.Param("provider")
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
	wantState, _ := sess.Values["state"].(string)
	gothSession, _ := sess.Values["goth"].(string)
	if sess.Values["provider"] != name || wantState == "" ||
		subtle.ConstantTimeCompare([]byte(wantState), []byte(c.QueryParam("state"))) != 1 {
		return errOAuthState
	}
	if e := c.QueryParam("error"); e != "" {
		return models.Errorf(codeSignInDenied, "The sign-in provider did not let you in (%s). Nothing was changed.", truncateText(e, 60))
	}
	gp, err := s.oauth.provider(r.Context(), name)
	if err != nil {
		return err
	}
	gs, err := gp.UnmarshalSession(gothSession)
	if err != nil {
		return errOAuthState
	}
	if _, err := gs.Authorize(gp, c.QueryParams()); err != nil {
		return errOAuthFailed
	}
	claims, err := s.oauth.claims(r.Context(), name, gp, gs)
	if err != nil {
		return err
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

// claims returns what the provider vouches for. For the generic provider they
// come from the id_token after go-oidc has verified it.
func (p *providers) claims(ctx context.Context, name string, gp goth.Provider, gs goth.Session) (models.Claims, error) {
	if os, ok := gs.(*openidConnect.Session); ok && name == oidcProvider {
		p.mu.Lock()
		v := p.verifier
		p.mu.Unlock()
		if v == nil || os.IDToken == "" {
			return models.Claims{}, errOAuthFailed
		}
		tok, err := v.Verify(ctx, os.IDToken)
		if err != nil {
			return models.Claims{}, errOAuthFailed
		}
		var cl struct {
			Email         string `json:"email"`
			EmailVerified any    `json:"email_verified"`
			Name          string `json:"name"`
		}
		if err := tok.Claims(&cl); err != nil {
			return models.Claims{}, errOAuthFailed
		}
		return models.Claims{Provider: name, Subject: tok.Subject, Email: cl.Email, EmailVerified: truthy(cl.EmailVerified), Name: cl.Name}, nil
	}
	u, err := gp.FetchUser(gs)
	if err != nil {
		return models.Claims{}, errOAuthFailed
	}
	verified := false
	switch name {
	case "github", "gitlab":
		// goth's GitHub provider returns only a verified primary email; GitLab
		// returns the confirmed account email.
		verified = u.Email != ""
	default:
		verified = truthy(u.RawData["email_verified"]) || truthy(u.RawData["verified_email"])
	}
	display := u.Name
	if display == "" {
		display = u.NickName
	}
	return models.Claims{Provider: name, Subject: u.UserID, Email: u.Email, EmailVerified: verified, Name: display}, nil
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

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
