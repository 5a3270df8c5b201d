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
