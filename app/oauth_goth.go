package app

import (
	"context"
	"net/url"

	"github.com/markbates/goth"

	"kith/models"
)

// gothFlow is one of goth's named providers (GitHub, GitLab, Google,
// Microsoft), used directly rather than through gothic's globals. These send
// no PKCE: goth keeps each provider's oauth2.Config private and exchanges the
// code without options, so a code verifier cannot be passed through it. The
// state, kept in the encrypted in-flight cookie and used once, is what binds
// the callback to the browser that started it.
type gothFlow struct {
	name     string
	provider goth.Provider
}

func (f *gothFlow) begin(state string) (string, map[string]string, error) {
	gs, err := f.provider.BeginAuth(state)
	if err != nil {
		return "", nil, err
	}
	authURL, err := gs.GetAuthURL()
	if err != nil {
		return "", nil, err
	}
	return authURL, map[string]string{"goth": gs.Marshal()}, nil
}

func (f *gothFlow) finish(_ context.Context, q url.Values, kept map[string]string) (models.Claims, string, error) {
	gs, err := f.provider.UnmarshalSession(kept["goth"])
	if err != nil || kept["goth"] == "" {
		return models.Claims{}, "", errOAuthState
	}
	if q.Get("code") == "" {
		return models.Claims{}, "callback without a code", errOAuthFailed
	}
	if _, err := gs.Authorize(f.provider, q); err != nil {
		detail, out := exchangeError(err)
		return models.Claims{}, detail, out
	}
	u, err := f.provider.FetchUser(gs)
	if err != nil {
		// The profile API could not be read: the provider's side.
		return models.Claims{}, "user profile unavailable", errProvider
	}
	verified := false
	switch f.name {
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
	return models.Claims{Provider: f.name, Subject: u.UserID, Email: u.Email, EmailVerified: verified, Name: display}, "", nil
}
