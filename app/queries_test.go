package app_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// Every page and API read costs a fixed number of SQL statements, however
// many posts, threads, members or notifications it shows: no N+1 queries.
// The test counts the statements behind each read on a small forum, grows
// the forum tenfold, and counts again.
func TestReadsMakeNoQueryPerItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts, counting := startCountingServer(t, d, nil)
		ann := ts.member("Ann")
		ann.space("go-guild", "open")
		tid, _ := ann.thread("go-guild", "Error wrapping")
		bob := ts.member("Bob")
		bob.join("go-guild")
		bob.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": "A reply"}).want(http.StatusCreated)
		// One of everything a read lists, so that the growth measured below
		// is from one item to many, not from none to some.
		bob.space("rust-users", "invite")
		bob.invite("rust-users", ann)

		reads := []string{
			"/", "/s/go-guild", "/s/go-guild/members", fmt.Sprintf("/t/%d", tid), fmt.Sprintf("/m/%d", bob.ID),
			"/notifications", "/invitations", "/s/go-guild/purpose", "/settings",
			"/api/v1/spaces", "/api/v1/spaces/go-guild", "/api/v1/spaces/go-guild/threads", "/api/v1/spaces/go-guild/members",
			fmt.Sprintf("/api/v1/threads/%d", tid), "/api/v1/notifications", "/api/v1/me", "/api/v1/invitations",
		}
		count := func() map[string]int64 {
			out := map[string]int64{}
			for _, path := range reads {
				r, n := counted(counting, func() *response {
					if strings.HasPrefix(path, "/api/") {
						return ann.do("GET", path, nil)
					}
					return ann.getPage(path)
				})
				r.want(http.StatusOK)
				out[path] = n
			}
			return out
		}
		small := count()

		// Tenfold: more members, each replying to the thread (so more
		// authors, replies to replies and notifications), more threads
		// and more spaces, some of which invite Ann.
		for i := range 12 {
			m := ts.member(fmt.Sprintf("Member %02d", i))
			m.join("go-guild")
			r := m.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": fmt.Sprintf("Reply %d", i)}).want(http.StatusCreated)
			m.do("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": "And a reply to that", "reply_to_post_id": r.int("post", "id")}).want(http.StatusCreated)
			m.thread("go-guild", fmt.Sprintf("Thread %d", i))
			slug := fmt.Sprintf("space-%02d", i)
			m.space(slug, []string{"open", "request", "invite"}[i%3])
			m.invite(slug, ann)
		}
		large := count()

		var grew []string
		for _, path := range reads {
			if large[path] > small[path] {
				grew = append(grew, fmt.Sprintf("%s: %d -> %d statements", path, small[path], large[path]))
			}
			if small[path] == 0 {
				t.Errorf("%s: no statements counted; is the counter wired?", path)
			}
		}
		sort.Strings(grew)
		if len(grew) > 0 {
			t.Errorf("reads whose statement count grows with what they show:\n%s", strings.Join(grew, "\n"))
		}
		t.Logf("statements per read: %v", large)
	})
}

// startCountingServer is startServer with a handler that counts, into the
// counter the test has set, the statements run for each request.
func startCountingServer(t *testing.T, d models.Dialect, configure func(*app.Config)) (*testServer, *atomic.Pointer[atomic.Int64]) {
	t.Helper()
	var counting atomic.Pointer[atomic.Int64]
	ts := startWrapped(t, d, configure, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n := counting.Load(); n != nil {
				r = r.WithContext(models.CountStatements(r.Context(), n))
			}
			next.ServeHTTP(w, r)
		})
	})
	return ts, &counting
}

// counted sends one request through a counting server and returns its
// response with the SQL statements run behind it.
func counted(counting *atomic.Pointer[atomic.Int64], send func() *response) (*response, int64) {
	var n atomic.Int64
	counting.Store(&n)
	r := send()
	counting.Store(nil)
	return r, n.Load()
}
