package app_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// A signed-in reader's thread page is their header in a page kept for
// every reader who may do the same there. Whatever order readers come in,
// each page is the one a server keeping nothing makes for that reader, and
// readers share a kept copy only when they may do the same with the thread.
func TestSignedInReadersShareThreadContentOnlyWithReadersLikeThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, func(c *app.Config) { c.PageCacheTTL, c.ThreadPageSize = time.Hour, 3 })
		// fresh serves the same database and keeps nothing: what each page
		// should be.
		cfg := ts.Cfg
		cfg.ReaderCachePages, cfg.PageCachePages, cfg.RenderCachePosts, cfg.PostCachePages = 0, 0, 0, 0
		fresh, err := app.New(cfg, ts.Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(fresh.Close)
		hs := httptest.NewServer(fresh)
		t.Cleanup(hs.Close)
		raw := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		// Posts are made old, all at one time, so that "3 days ago" reads the
		// same on both servers. (A post's time never changes after it is
		// written: the rendered posts kept by the first server are kept by
		// everything else they show, not by it.)
		old := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
		settle := func() {
			t.Helper()
			rawExec(t, raw, d, "UPDATE posts SET created_at = ?", old)
		}

		ann := ts.member("Ann") // founds the space: its steward
		ann.space("go-guild", "open")
		tid, _ := ann.thread("go-guild", "Error wrapping")
		bob, cat, eve := ts.member("Bob"), ts.member("Cat"), ts.member("Eve")
		for _, c := range []*client{bob, cat, eve} {
			c.join("go-guild")
		}
		dan, fay := ts.member("Dan"), ts.member("Fay") // signed in, not members
		reply := func(c *client, body string) {
			t.Helper()
			c.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": body}).want(http.StatusCreated)
		}
		reply(bob, "Wrap with %w")
		settle()

		path := fmt.Sprintf("/t/%d", tid)
		read := func(c *client, path string) string {
			t.Helper()
			got := c.getPage(path).want(http.StatusOK).Body
			want := c.on(hs.URL).getPage(path).want(http.StatusOK).Body
			if got != want {
				t.Fatalf("%s's page %s is not the page made for them alone:\n--- kept ---\n%s\n--- made ---\n%s", c.Name, path, got, want)
			}
			if !strings.Contains(got, `name="csrf_token" value="`+c.csrf+`"`) || strings.Contains(got, "csrf-hole-") {
				t.Fatalf("%s's page does not carry their own CSRF token:\n%s", c.Name, got)
			}
			return got
		}
		kept := func(want int, after string) {
			t.Helper()
			if n := app.KeptContents(ts.Server); n != want {
				t.Fatalf("after %s: %d contents kept, want %d", after, n, want)
			}
		}

		read(cat, path)
		read(eve, path)
		kept(1, "two members without posts on the page")
		if r := read(bob, path); !strings.Contains(r, "/edit") {
			t.Fatalf("Bob's page lacks the edit link of his own post:\n%s", r)
		}
		kept(2, "a member with a post on the page")
		read(ann, path)
		kept(3, "a steward")
		read(dan, path)
		read(fay, path)
		kept(4, "two readers who are not members")
		read(eve, path)
		kept(4, "a reader again")

		// A new post is a new stamp: every reader's content is made again,
		// and the second page is kept apart from the first.
		reply(eve, "Then errors.Is finds it")
		reply(cat, "And errors.As")
		settle()
		for _, c := range []*client{fay, bob, ann, eve, cat, dan} {
			read(c, path)
		}
		kept(5, "the thread changed: Eve now has a post on the first page (Cat's is on the second)")
		r := read(ann, path)
		next := between(r, `href="/t/`+fmt.Sprint(tid)+`?cursor=`, `"`)
		if next == "" {
			t.Fatalf("no link to the second page:\n%s", r)
		}
		page2 := path + "?cursor=" + next
		read(cat, page2)
		read(bob, page2)
		kept(7, "the second page, which holds Cat's post and not Bob's")
		if r := read(ann, page2); !strings.Contains(r, "/edit") {
			t.Fatalf("the steward's second page lacks the edit link of Cat's post:\n%s", r)
		}
		kept(8, "the steward on the second page, which holds no post of hers")

		// Leaving takes the member's controls away at once, with no new post.
		bob.do("POST", "/api/v1/spaces/go-guild/leave", nil).want(http.StatusOK)
		if r := read(bob, path); strings.Contains(r, "/edit") || strings.Contains(r, `id="reply"`) {
			t.Fatalf("Bob left, yet his page still offers to edit or reply:\n%s", r)
		}
		// So does an archived space, which is no event of the thread.
		rawExec(t, raw, d, "UPDATE spaces SET archived_at = created_at WHERE slug = 'go-guild'")
		if r := read(eve, path); strings.Contains(r, `id="reply"`) {
			t.Fatalf("the space is archived, yet Eve's page offers to reply:\n%s", r)
		}
	})
}

// on returns c sending to another server of the same instance (its cookies,
// which name no port, go along).
func (c *client) on(base string) *client {
	o := *c
	o.base = base
	return &o
}
