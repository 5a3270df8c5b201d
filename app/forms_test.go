package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kith/app"
	"kith/models"
)

// TestOversizeFormWithoutLength: a form body over the limit, sent without a
// Content-Length (so only reading finds out), is refused with 413 and stores
// nothing, rather than being read as an empty form.
func TestOversizeFormWithoutLength(t *testing.T) {
	ts := startServer(t, models.SQLite, func(c *app.Config) { c.MaxBodyBytes = 4096 })
	ann := ts.member("Ann")
	ann.space("go-guild", "open")
	tid, _ := ann.thread("go-guild", "Limits")

	form := url.Values{"csrf_token": {ann.csrf}, "body": {strings.Repeat("x", 8000)}}.Encode()
	req, _ := http.NewRequest("POST", ts.URL+"/t/"+itoa(tid)+"/posts", io.MultiReader(strings.NewReader(form)))
	req.ContentLength = -1 // chunked: the server learns the size only by reading
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := ann.send(req)
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413; body %.300s", r.Status, r.Body)
	}
	th := ann.do("GET", "/api/v1/threads/"+itoa(tid), nil).want(http.StatusOK)
	if n := len(th.list("posts")); n != 1 {
		t.Fatalf("the thread has %d posts after a refused reply", n)
	}
}

// TestRevokeTokenFromSettings: the settings page lists a person's tokens and
// revokes them; nobody revokes another person's token.
func TestRevokeTokenFromSettings(t *testing.T) {
	ts := startServer(t, models.SQLite, nil)
	ann := ts.member("Ann")
	bob := ts.member("Bob")
	bot := ts.client()
	bot.bearer = bot.do("POST", "/api/v1/auth/token", map[string]any{"email": "ann@example.com", "password": "correct horse battery", "token_name": "release bot"}).want(http.StatusCreated).str("token")
	bot.do("GET", "/api/v1/me", nil).want(http.StatusOK)

	page := ann.do("GET", "/settings", nil).want(http.StatusOK)
	if !strings.Contains(page.Body, "release bot") || strings.Contains(page.Body, bot.bearer) {
		t.Fatalf("settings should list the token by name and never show its secret")
	}
	tokens, err := ts.Store.APITokens(t.Context(), models.Actor{ID: ann.ID})
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens = %v, %v", tokens, err)
	}
	path := "/settings/tokens/" + itoa(tokens[0].ID) + "/revoke"
	bob.form(path, nil).want(http.StatusNotFound)
	bot.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	ann.form(path, nil).want(http.StatusSeeOther)
	bot.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
}
