package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kith/models"
	"kith/models/storetest"
)

// A page's header is kept for its reader, and is made again whenever what it
// shows changes: their unread count, and the CSRF token of each browser
// they are signed in on. No one gets another's.
func TestPageHeadersFollowTheirReader(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("go-guild", "open")
		bob.join("go-guild")
		tid, pid := ann.thread("go-guild", "Error wrapping")
		header := func(c *client, path string) string {
			t.Helper()
			body := c.getPage(path).want(http.StatusOK).Body
			h := between(body, `<header class="top">`, `</header>`)
			if !strings.Contains(h, fmt.Sprintf(`data-live-me="%d"`, c.ID)) || !strings.Contains(h, `<span class="who">`+c.Name+`</span>`) ||
				!strings.Contains(h, `name="csrf_token" value="`+c.csrf+`"`) {
				t.Fatalf("%s's header on %s is not theirs:\n%s", c.Name, path, h)
			}
			return h
		}
		unread := func(h string) string { return between(h, `<span class="count" aria-label="`, `"`) }
		thread := fmt.Sprintf("/t/%d", tid)

		for _, path := range []string{"/", thread, "/s/go-guild"} {
			if n := unread(header(ann, path)); n != "" {
				t.Fatalf("Ann has nothing unread, her header on %s says %q", path, n)
			}
			header(bob, path)
		}
		for i := range 2 {
			bob.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": "reply", "reply_to_post_id": pid}).want(http.StatusCreated)
			if n, want := unread(header(ann, thread)), fmt.Sprintf("%d unread", i+1); n != want {
				t.Fatalf("after %d replies to Ann, her header says %q", i+1, n)
			}
		}
		ann.do("POST", "/api/v1/notifications/read", map[string]any{}).want(http.StatusOK)
		if n := unread(header(ann, "/")); n != "" {
			t.Fatalf("Ann read her notifications, her header still says %q", n)
		}

		// Ann on a second browser: a session, and a CSRF token, of its own.
		other := ts.client()
		other.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)
		other.refreshCSRF()
		other.ID, other.Name = ann.ID, ann.Name
		if other.csrf == ann.csrf {
			t.Fatal("two sessions share a CSRF token")
		}
		header(other, thread)
		header(ann, thread)
	})
}
