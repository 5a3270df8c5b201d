package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// searchRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization and bad-input cases are in this file;
// TestAPIRoutesAreCovered counts them as covered.
var searchRoutesCovered = []string{"GET /search"}

func searchPath(q string, extra ...string) string {
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/api/v1/search?" + v.Encode()
}

// resultTitles lists the results of a search as "type:title".
func resultTitles(r *response) []string {
	var out []string
	for _, it := range r.list("results") {
		m := it.(map[string]any)
		out = append(out, m["type"].(string)+":"+m["title"].(string))
	}
	return out
}

// TestSearchAPI: the contract's shape, who may search, what each person
// finds (and stops finding the moment they leave), paging and bad input.
func TestSearchAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob, eve := ts.member("Ann"), ts.member("Bob"), ts.member("Eve")
		ann.space("go-guild", "open")
		ann.space("secret", "invite")
		tid, _ := ann.thread("go-guild", "Goroutine leaks")
		pid := ann.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "A goroutine that waits on a <nil> channel leaks."}).
			want(http.StatusCreated).int("post", "id")
		sid, _ := ann.thread("secret", "Secret goroutine plans")
		inv := ann.do("POST", "/api/v1/spaces/secret/invitations", map[string]any{"member_id": bob.ID}).want(http.StatusCreated).int("invitation", "id")
		bob.do("POST", "/api/v1/invitations/"+itoa(inv)+"/accept", map[string]any{"affirm_purpose_version": 1}).want(http.StatusOK)

		// Signed out: sign in first, as for every read on this instance.
		ts.client().do("GET", searchPath("goroutine"), nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)

		// The shape of a result.
		r := eve.do("GET", searchPath("leaks", "sort", "new"), nil).want(http.StatusOK)
		items := r.list("results")
		if len(items) != 3 || r.str("next_cursor") != "" { // the reply, the thread and its opening post
			t.Fatalf("leaks: %s", r.Body)
		}
		post := items[0].(map[string]any) // newest first: the reply
		author, _ := post["author"].(map[string]any)
		space, _ := post["space"].(map[string]any)
		created, _ := post["created_at"].(string)
		if post["type"] != "post" || int64(post["id"].(float64)) != pid || int64(post["thread_id"].(float64)) != tid ||
			post["title"] != "Goroutine leaks" || post["url"] != "/t/"+itoa(tid)+"#p"+itoa(pid) ||
			author["name"] != "Ann" || int64(author["id"].(float64)) != ann.ID || space["slug"] != "go-guild" || space["name"] != "Go-guild" {
			t.Errorf("post result: %v", post)
		}
		if _, err := time.Parse(time.RFC3339, created); err != nil {
			t.Errorf("created_at %q: %v", created, err)
		}
		if sn, _ := post["snippet"].(string); !strings.Contains(sn, "<mark>leaks</mark>") || strings.Contains(sn, "<nil>") {
			t.Errorf("snippet %q", sn)
		}
		th := items[1].(map[string]any)
		if th["type"] != "thread" || th["url"] != "/t/"+itoa(tid) || th["snippet"] != "Goroutine <mark>leaks</mark>" {
			t.Errorf("thread result: %v", th)
		}
		r = eve.do("GET", searchPath("go-guild"), nil).want(http.StatusOK) // a space by its name
		if got := resultTitles(r); len(got) != 1 || got[0] != "space:Go-guild" || r.list("results")[0].(map[string]any)["url"] != "/s/go-guild" {
			t.Errorf("go-guild: %v", got)
		}

		// Privacy: the invite space's thread for its members only, and only
		// while they are members.
		if got := resultTitles(eve.do("GET", searchPath("goroutine"), nil).want(http.StatusOK)); strings.Contains(strings.Join(got, " "), "Secret") {
			t.Errorf("eve finds %v", got)
		}
		if got := resultTitles(bob.do("GET", searchPath("plans"), nil).want(http.StatusOK)); strings.Join(got, " ") != "thread:Secret goroutine plans post:Secret goroutine plans" {
			t.Errorf("bob finds %v", got)
		}
		bob.do("POST", "/api/v1/spaces/secret/leave", nil).want(http.StatusOK)
		if got := resultTitles(bob.do("GET", searchPath("plans"), nil).want(http.StatusOK)); len(got) != 0 {
			t.Errorf("bob, having left, finds %v", got)
		}
		_ = sid

		// Paging.
		for i := 0; i < 4; i++ {
			ann.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "pangolin " + strings.Repeat("pangolin ", i)}).want(http.StatusCreated)
		}
		seen := map[string]bool{}
		path := searchPath("pangolin", "limit", "3")
		for pages := 0; ; pages++ {
			r := eve.do("GET", path, nil).want(http.StatusOK)
			for _, it := range r.list("results") {
				m := it.(map[string]any)
				key := m["type"].(string) + itoa(int64(m["id"].(float64)))
				if seen[key] {
					t.Fatalf("%s twice", key)
				}
				seen[key] = true
			}
			next := r.str("next_cursor")
			if next == "" {
				break
			}
			path = searchPath("pangolin", "limit", "3", "cursor", next)
		}
		if len(seen) != 4 {
			t.Errorf("pages hold %d results, want 4", len(seen))
		}

		// Bad input.
		for _, c := range []struct {
			path, code, field string
		}{
			{"/api/v1/search", models.CodeInvalidQuery, "q"},
			{searchPath("   "), models.CodeInvalidQuery, "q"},
			{searchPath("in:go-guild"), models.CodeInvalidQuery, "q"},
			{searchPath("x after:someday"), models.CodeInvalidQuery, "q"},
			{searchPath("x is:closed"), models.CodeInvalidQuery, "q"},
			{searchPath(strings.Repeat("x", 257)), models.CodeInvalidQuery, "q"},
			{searchPath("x", "sort", "old"), models.CodeInvalid, "sort"},
			{searchPath("x", "cursor", "nonsense"), models.CodeInvalid, "cursor"},
			{searchPath("x", "limit", "0"), models.CodeInvalid, "limit"},
			{searchPath("x", "space", "Not a slug!"), models.CodeInvalid, "space"},
		} {
			r := eve.do("GET", c.path, nil).wantError(http.StatusUnprocessableEntity, c.code)
			if r.str("error", "field") != c.field {
				t.Errorf("%s: field %q, want %q", c.path, r.str("error", "field"), c.field)
			}
		}
		// What looks like engine syntax is only words.
		for _, q := range []string{`NEAR(a b)`, `"unterminated`, `a OR b`, `x:*`, `title:x`, `!x & y`} {
			eve.do("GET", searchPath(q), nil).want(http.StatusOK)
		}
	})
}

// TestSearchPublicReadAndRateLimit: where open spaces are readable signed
// out, so is their search; searches are rate-limited per client.
func TestSearchPublicReadAndRateLimit(t *testing.T) {
	ts := startServer(t, models.SQLite, func(c *app.Config) { c.PublicRead, c.SearchesPerMinute = true, 3 })
	ann := ts.member("Ann")
	ann.space("go-guild", "open")
	ann.space("ask", "request")
	ann.thread("go-guild", "Open zebras")
	ann.thread("ask", "Asked zebras")
	anon := ts.client()
	if got := resultTitles(anon.do("GET", searchPath("zebras"), nil).want(http.StatusOK)); strings.Join(got, " ") != "thread:Open zebras post:Open zebras" {
		t.Errorf("signed out: %v", got)
	}
	anon.do("GET", searchPath("zebras"), nil).want(http.StatusOK)
	anon.getPage("/search?q=zebras").want(http.StatusOK)
	r := anon.do("GET", searchPath("zebras"), nil).wantError(http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// TestSearchPage: the header's search box on every page, the results page
// with its filters, and a readable message for a search that cannot run.
func TestSearchPage(t *testing.T) {
	w := newPageWorld(t, models.SQLite, nil)
	box := `header.top form.search-box[method=get][action="/search"] input[type=search][name=q]`
	for _, tc := range []pageCase{
		{who: "member", path: "/", status: 200, sel: []string{box}},
		{who: "anon", path: "/search?q=wrapping", status: 303, to: "login"},
		{who: "member", path: "/search", status: 200, text: []string{"How to search", "is:unanswered"},
			sel:   []string{box, `form.search-form input[name=q][value=""]`, `select[name=space] option[value="go-guild"]`, `select[name=sort] option[value=new]`},
			noSel: []string{`select[name=space] option[value="secret"]`, "ol.results"}, noText: []string{"Nothing found"}},
		{who: "outsider", path: "/search?q=wrapping", status: 200, api: searchPath("wrapping"),
			text: []string{"Error wrapping", "Thread in Go-guild"},
			sel:  []string{`form.search-form input[name=q][value="wrapping"]`, `ol.results li.result a.title[href="/t/{tid}"] mark`}},
		{who: "outsider", path: "/search?q=reply&sort=new", status: 200, text: []string{"Post in Go-guild", "Bob"},
			sel: []string{`ol.results a.title[href="/t/{tid}#p{rid}"]`, `p.snippet mark`, `select[name=sort] option[value=new][selected]`}},
		{who: "outsider", path: "/search?q=plans", status: 200, text: []string{"Nothing found"}, noText: []string{"Secret plans"}},
		{who: "steward", path: "/search?q=plans&space=secret", status: 200, text: []string{"Secret plans"},
			sel: []string{`select[name=space] option[value="secret"][selected]`}},
		{who: "member", path: "/search?q=in:go-guild", status: 422, api: searchPath("in:go-guild"),
			text: []string{"Add a word to search for"}, sel: []string{`div.alert[role=alert]`, `form.search-form input[name=q][value="in:go-guild"]`}, noText: []string{"Nothing found"}},
		{who: "member", path: "/search?q=", status: 422, text: []string{"Type something to search for."}},
		{who: "member", path: "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", status: 200, text: []string{"Nothing found"}},
	} {
		w.check(t, tc)
	}
	// More than a page: a link to the next one that keeps the filters.
	for i := 0; i < 3; i++ {
		w.ann.thread("go-guild", "Tapir number "+itoa(int64(i)))
	}
	doc := w.check(t, pageCase{who: "member", path: "/search?q=tapir&sort=new&space=go-guild&limit=4", status: 200})
	if n := doc.Find("ol.results li").Length(); n != 4 {
		t.Errorf("%d results on the page", n)
	}
	doc = w.check(t, pageCase{who: "member", path: "/search?q=tapir&sort=new&limit=2", status: 200})
	next, ok := doc.Find(`a:contains("More results")`).Attr("href")
	if !ok || !strings.Contains(next, "cursor=") || !strings.Contains(next, "sort=new") {
		t.Fatalf("next link %q", next)
	}
	w.check(t, pageCase{who: "member", path: next, status: 200, sel: []string{"ol.results li.result"}})
}
