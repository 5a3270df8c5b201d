package app

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"kith/models"
)

// oidcFlow is the generic OpenID Connect provider, driven with x/oauth2 and
// go-oidc rather than goth, whose provider sends neither PKCE nor a nonce and
// does not verify the id_token. Each sign-in gets its own PKCE (S256) code
// verifier and nonce, kept with the state in the encrypted in-flight cookie:
// a code stolen from the redirect cannot be redeemed without the verifier,
// and an id_token minted for another sign-in is refused by its nonce.
type oidcFlow struct {
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

// newOIDCFlow reads the issuer's discovery document.
func newOIDCFlow(ctx context.Context, c *Config, callback string, client *http.Client) (*oidcFlow, error) {
	issuer := strings.TrimRight(c.OIDCIssuer, "/")
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuer)
	if err != nil {
		return nil, err
	}
	var meta struct {
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := op.Claims(&meta); err != nil {
		return nil, err
	}
	endpoint := op.Endpoint()
	endpoint.AuthStyle = tokenAuthStyle(meta.AuthMethods)
	return &oidcFlow{
		config: oauth2.Config{
			ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret, RedirectURL: callback,
			Endpoint: endpoint, Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: op.Verifier(&oidc.Config{ClientID: c.OIDCClientID}),
		client:   client,
	}, nil
}

// tokenAuthStyle picks how the client secret reaches the token endpoint from
// what the discovery document offers, so that each code is redeemed with one
// request: x/oauth2's auto-detection would otherwise send it a second time in
// the other style after a refusal. client_secret_post is preferred where it is
// offered; client_secret_basic is the default of the specification.
func tokenAuthStyle(methods []string) oauth2.AuthStyle {
	switch {
	case slices.Contains(methods, "client_secret_post"):
		return oauth2.AuthStyleInParams
	case len(methods) == 0 || slices.Contains(methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleAutoDetect
}

func (f *oidcFlow) begin(state string) (string, map[string]string, error) {
	nonce, err := randomState()
	if err != nil {
		return "", nil, err
	}
	verifier := oauth2.GenerateVerifier()
	authURL := f.config.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	return authURL, map[string]string{"verifier": verifier, "nonce": nonce}, nil
}

func (f *oidcFlow) finish(ctx context.Context, q url.Values, kept map[string]string) (models.Claims, string, error) {
	verifier, nonce := kept["verifier"], kept["nonce"]
	if verifier == "" || nonce == "" {
		return models.Claims{}, "", errOAuthState
	}
	code := q.Get("code")
	if code == "" {
		return models.Claims{}, "callback without a code", errOAuthFailed
	}
	ctx = oidc.ClientContext(ctx, f.client)
	tok, err := f.config.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		detail, out := exchangeError(err)
		return models.Claims{}, detail, out
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return models.Claims{}, "token response without an id_token", errOAuthFailed
	}
	idt, err := f.verifier.Verify(ctx, raw)
	if err != nil {
		// The message names the check that failed (signature, issuer,
		// audience, expiry); it holds no token.
		return models.Claims{}, "id_token refused: " + err.Error(), errOAuthFailed
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return models.Claims{}, "id_token nonce does not match this sign-in", errOAuthFailed
	}
	var cl struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&cl); err != nil {
		return models.Claims{}, "id_token claims unreadable", errOAuthFailed
	}
	return models.Claims{Provider: oidcProvider, Subject: idt.Subject, Email: cl.Email, EmailVerified: truthy(cl.EmailVerified), Name: cl.Name}, "", nil
}
