package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// A signed-out thread page is rendered once and sent again until its thread
// changes or the page grows old; a signed-in reader always gets their own.
func TestSignedOutThreadPagesAreKeptUntilTheThreadChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts, counting := startCountingServer(t, d, func(c *app.Config) {
			c.PublicRead, c.PageCacheTTL, c.ThreadPageSize = true, time.Hour, 2
		})
		ann := ts.member("Ann")
		ann.space("go-guild", "open")
		tid, first := ann.thread("go-guild", "Error wrapping")
		bob := ts.member("Bob")
		bob.join("go-guild")
		path := fmt.Sprintf("/t/%d", tid)
		visitor := ts.client()
		get := func(c *client, path string) (*response, int64) {
			t.Helper()
			r, n := counted(counting, func() *response { return c.getPage(path) })
			r.want(http.StatusOK)
			return r, n
		}

		_, made := get(visitor, path)
		r, kept := get(visitor, path)
		if kept >= made {
			t.Fatalf("the second signed-out read ran %d statements, the first %d: the page was made again", kept, made)
		}
		if !strings.Contains(r.Body, "Sign in</a> to take part") {
			t.Fatalf("the kept page is not the signed-out page:\n%s", r.Body)
		}

		// A reply is an event on the thread: the next read shows it.
		bob.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": "Wrap with %w"}).want(http.StatusCreated)
		if r, n := get(visitor, path); !strings.Contains(r.Body, "Wrap with %w") || n != made {
			t.Fatalf("after a reply: %d statements (made: %d), reply shown: %v", n, made, strings.Contains(r.Body, "Wrap with %w"))
		}
		// So is an edit.
		ann.do("PATCH", fmt.Sprintf("/api/v1/posts/%d", first), map[string]any{"body": "Edited: errors.Is and errors.As"}).want(http.StatusOK)
		if r, _ := get(visitor, path); !strings.Contains(r.Body, "Edited: errors.Is and errors.As") {
			t.Fatalf("the edit is not shown:\n%s", r.Body)
		}

		// Each page of the thread is kept apart.
		bob.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": "Third post, on page two"}).want(http.StatusCreated)
		r, _ = get(visitor, path)
		next := between(r.Body, `href="/t/`+fmt.Sprint(tid)+`?cursor=`, `"`)
		if next == "" {
			t.Fatalf("no link to the second page:\n%s", r.Body)
		}
		page2 := path + "?cursor=" + next
		if r, _ := get(visitor, page2); !strings.Contains(r.Body, "Third post, on page two") || strings.Contains(r.Body, "Edited: errors.Is") {
			t.Fatalf("page two is not its own page:\n%s", r.Body)
		}
		if r, _ := get(visitor, path); strings.Contains(r.Body, "Third post, on page two") {
			t.Fatalf("page one shows page two's post")
		}

		// A signed-in reader never gets the shared page.
		if r, _ := get(bob, path); !strings.Contains(r.Body, "Sign out") || !strings.Contains(r.Body, `id="reply"`) {
			t.Fatalf("a member got a page without their controls:\n%s", r.Body)
		}
	})
}

// The TTL bounds how long a page is sent again: past it, the page is made
// afresh even when the thread has not changed (and so are the posts it
// shows, kept for as long).
func TestSignedOutThreadPagesGrowOld(t *testing.T) {
	ts, counting := startCountingServer(t, models.SQLite, func(c *app.Config) {
		c.PublicRead, c.PageCacheTTL, c.PostCacheTTL = true, time.Millisecond, time.Millisecond
	})
	ann := ts.member("Ann")
	ann.space("go-guild", "open")
	tid, _ := ann.thread("go-guild", "Error wrapping")
	visitor := ts.client()
	var counts []int64
	for range 2 {
		r, n := counted(counting, func() *response { return visitor.getPage(fmt.Sprintf("/t/%d", tid)) })
		r.want(http.StatusOK)
		counts = append(counts, n)
		time.Sleep(5 * time.Millisecond)
	}
	if counts[1] != counts[0] {
		t.Fatalf("a page older than its TTL was sent again: %d statements, then %d", counts[0], counts[1])
	}
}

// between returns the text of s after the first from and before the next to.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, to)
	return before
}
