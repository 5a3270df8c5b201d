package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// This file tests the server-rendered pages as a browser without JavaScript
// uses them: scenario tables of (actor, method, path, form, status, what must
// and must not appear), checked with goquery. Every HTML page any test fetches
// also passes checkPageSafety: the CSP header, no inline script or style, no
// event-handler attributes and a CSRF token in every post form.

// pageWorld is the fixture of the page matrix: Ann founded three spaces and
// stewards them, Bob joined the open one, Cat belongs to none, and anon has
// not signed in.
type pageWorld struct {
	ts                   *testServer
	people               map[string]*client
	ann, bob, cat        *client
	tid, pid, rid        int64 // thread, opening post and Bob's reply in go-guild (open)
	askTid, askPid       int64 // thread in ask (by request)
	secretTid, secretPid int64 // thread in secret (by invitation)
}

func newPageWorld(t *testing.T, d models.Dialect, configure func(*app.Config)) *pageWorld {
	t.Helper()
	ts := startServer(t, d, configure)
	w := &pageWorld{ts: ts}
	w.ann = ts.member("Ann")
	w.ann.space("go-guild", "open")
	w.ann.space("ask", "request")
	w.ann.space("secret", "invite")
	w.tid, w.pid = w.ann.thread("go-guild", "Error wrapping")
	w.askTid, w.askPid = w.ann.thread("ask", "Asked-only matters")
	w.secretTid, w.secretPid = w.ann.thread("secret", "Secret plans")
	w.bob = ts.member("Bob")
	w.bob.join("go-guild")
	w.rid = w.bob.do("POST", "/api/v1/threads/"+itoa(w.tid)+"/posts", map[string]any{"body": "Bob's first reply", "reply_to_post_id": w.pid}).
		want(http.StatusCreated).int("post", "id")
	w.cat = ts.member("Cat")
	w.people = map[string]*client{"anon": ts.client(), "outsider": w.cat, "member": w.bob, "steward": w.ann}
	return w
}

// expand fills {tid}, {pid}, {rid}, {askTid}, {askPid}, {secretTid},
// {secretPid}, {ann}, {bob}, {cat} into a path or form value.
func (w *pageWorld) expand(s string) string {
	return strings.NewReplacer(
		"{tid}", itoa(w.tid), "{pid}", itoa(w.pid), "{rid}", itoa(w.rid),
		"{askTid}", itoa(w.askTid), "{askPid}", itoa(w.askPid),
		"{secretTid}", itoa(w.secretTid), "{secretPid}", itoa(w.secretPid),
		"{ann}", itoa(w.ann.ID), "{bob}", itoa(w.bob.ID), "{cat}", itoa(w.cat.ID),
	).Replace(s)
}

// pageCase is one row of a page scenario table.
type pageCase struct {
	who    string            // anon, outsider, member or steward
	method string            // GET or POST (POSTs carry the actor's CSRF token)
	path   string            // with {placeholders}
	form   map[string]string // for POST
	status int
	to     string   // for 303: the Location; "login" means /login?next=<path>
	text   []string // must appear in the page's text
	sel    []string // must match
	noText []string // must not appear in the page's text
	noSel  []string // must not match
	api    string   // an API path (GET, or the same method) whose status must equal the page's
}

func TestPageRoutes(t *testing.T) {
	notFound := []string{"section.error-page", "h1:contains('Not found')"}
	forbidden := []string{"section.error-page", "h1:contains('Not allowed')"}
	affirm := map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}
	cases := []pageCase{
		// Home.
		{who: "anon", path: "/", status: 200, text: []string{"Communities of practice, by choice.", "Sign in to see the spaces here."},
			sel: []string{`a[href="/signup"]`, `a[href="/login"]`}, noText: []string{"Go-guild", "Error wrapping", "Your spaces"}},
		{who: "outsider", path: "/", status: 200, text: []string{"Your spaces", "You have not joined a space yet", "Go-guild", "Ask", "Error wrapping"},
			sel: []string{`a[href="/s/go-guild"]`, `a[href="/s/ask"]`, `form[action="/logout"]`}, noText: []string{"Secret", "Asked-only matters", "You are a member"}},
		{who: "member", path: "/", status: 200, text: []string{"Your spaces", "You are a member", "Error wrapping"}, noText: []string{"Secret", "Asked-only matters"}},
		{who: "steward", path: "/", status: 200, text: []string{"Secret", "Secret plans", "Asked-only matters", "Error wrapping"}},
		// Sign-in pages.
		{who: "anon", path: "/signup", status: 200, sel: []string{`form[action="/signup"] input[name=email]`, `form[action="/signup"] input[name=password][type=password]`}},
		{who: "anon", path: "/login?next=/t/{tid}", status: 200, sel: []string{`form[action="/login"] input[name=next][value="/t/{tid}"]`}},
		{who: "anon", path: "/login?next=//evil.example", status: 200, sel: []string{`form[action="/login"] input[name=next][value="/"]`}},
		{who: "member", path: "/signup", status: 303, to: "/"},
		{who: "member", path: "/login", status: 303, to: "/"},
		{who: "outsider", path: "/signup", status: 303, to: "/"},
		{who: "steward", path: "/login?next=/settings", status: 303, to: "/settings"},
		// Starting a space.
		{who: "anon", path: "/spaces/new", status: 303, to: "login"},
		{who: "outsider", path: "/spaces/new", status: 200, sel: []string{`form[action="/spaces"] input[name=slug]`, `form[action="/spaces"] textarea[name=purpose][minlength="20"]`}},
		{who: "member", path: "/spaces/new", status: 200, sel: []string{`form[action="/spaces"] input[name=visibility][value=open][checked]`}},
		{who: "steward", path: "/spaces/new", status: 200, sel: []string{`form[action="/spaces"]`}},
		// The open space.
		{who: "anon", path: "/s/go-guild", status: 303, to: "login"},
		{who: "outsider", path: "/s/go-guild", status: 200, api: "/api/v1/spaces/go-guild",
			text:   []string{testPurpose, "Error wrapping", "Affirm the purpose and join"},
			sel:    []string{`form#join[action="/s/go-guild/join"] input[type=checkbox][name=affirm][required]`, `form#join input[type=hidden][name=affirm_purpose_version][value="1"]`},
			noText: []string{"You are a member", "New thread"}},
		{who: "member", path: "/s/go-guild", status: 200, text: []string{"You are a member of Go-guild", testPurpose, "Error wrapping"},
			sel: []string{`form[action="/s/go-guild/leave"]`, `a[href="/s/go-guild/new"]`}, noSel: []string{"form#join"}, noText: []string{"and a steward"}},
		{who: "steward", path: "/s/go-guild", status: 200, text: []string{"You are a member and a steward of Go-guild"}, sel: []string{`form[action="/s/go-guild/leave"]`}},
		{who: "outsider", path: "/s/go-guild/members", status: 200, api: "/api/v1/spaces/go-guild/members",
			text: []string{"Ann", "Bob", "steward"}, sel: []string{`ul.people a[href="/m/{ann}"]`, `ul.people a[href="/m/{bob}"]`}, noSel: []string{`ul.people a[href="/m/{cat}"]`}},
		{who: "member", path: "/s/go-guild/members?order=joined", status: 200, sel: []string{`a[href="/s/go-guild/members?order=joined"][aria-current]`}},
		{who: "anon", path: "/s/go-guild/members", status: 303, to: "login"},
		{who: "steward", path: "/s/go-guild/members", status: 200, sel: []string{`ul.people a[href="/m/{bob}"]`}},
		{who: "anon", path: "/s/go-guild/purpose", status: 303, to: "login"},
		{who: "member", path: "/s/go-guild/purpose", status: 200, text: []string{"Version 1", testPurpose}},
		{who: "steward", path: "/s/secret/purpose", status: 200, api: "/api/v1/spaces/secret/purpose", text: []string{"Version 1", testPurpose}},
		{who: "outsider", path: "/s/go-guild/purpose", status: 200, api: "/api/v1/spaces/go-guild/purpose", text: []string{"Version 1", testPurpose}},
		{who: "anon", path: "/s/go-guild/new", status: 303, to: "login"},
		{who: "outsider", path: "/s/go-guild/new", status: 403, sel: forbidden, text: []string{"Join Go-guild to start a thread in it."}},
		{who: "member", path: "/s/go-guild/new", status: 200, sel: []string{`form[action="/s/go-guild/threads"] input[name=title]`, `form[action="/s/go-guild/threads"] textarea[name=body]`}},
		{who: "steward", path: "/s/secret/new", status: 200, sel: []string{`form[action="/s/secret/threads"]`}},
		// A space by request: visible, but only members read it.
		{who: "anon", path: "/s/ask", status: 303, to: "login"},
		{who: "outsider", path: "/s/ask", status: 200, api: "/api/v1/spaces/ask",
			text: []string{testPurpose, "Affirm the purpose and ask to join", "Only members read the threads of Ask."},
			sel:  []string{`form#join textarea[name=note]`, `form#join input[name=affirm][required]`}, noText: []string{"Asked-only matters"}},
		{who: "steward", path: "/s/ask", status: 200, text: []string{"Asked-only matters"}},
		{who: "outsider", path: "/s/ask/members", status: 403, api: "/api/v1/spaces/ask/members", sel: forbidden, text: []string{"Only members of Ask see who belongs to it."}},
		{who: "outsider", path: "/s/ask/new", status: 403, sel: forbidden},
		{who: "outsider", path: "/t/{askTid}", status: 404, api: "/api/v1/threads/{askTid}", sel: notFound, noText: []string{"Opening post of"}},
		{who: "outsider", path: "/p/{askPid}/history", status: 404, api: "/api/v1/posts/{askPid}/revisions", sel: notFound},
		// A space by invitation is hidden from everyone but its members.
		{who: "anon", path: "/s/secret", status: 303, to: "login"},
		{who: "outsider", path: "/s/secret", status: 404, api: "/api/v1/spaces/secret", sel: notFound, noText: []string{testPurpose, "Secret plans"}},
		{who: "member", path: "/s/secret", status: 404, api: "/api/v1/spaces/secret", sel: notFound},
		{who: "steward", path: "/s/secret", status: 200, api: "/api/v1/spaces/secret", text: []string{"Secret plans", "Invite only"}},
		{who: "member", path: "/s/secret/members", status: 404, api: "/api/v1/spaces/secret/members", sel: notFound},
		{who: "member", path: "/s/secret/purpose", status: 404, api: "/api/v1/spaces/secret/purpose", sel: notFound},
		{who: "member", path: "/s/secret/new", status: 404, sel: notFound},
		{who: "outsider", path: "/t/{secretTid}", status: 404, api: "/api/v1/threads/{secretTid}", sel: notFound, noText: []string{"Secret plans"}},
		{who: "steward", path: "/t/{secretTid}", status: 200, text: []string{"Secret plans", "Opening post of Secret plans"}},
		{who: "outsider", path: "/p/{secretPid}/history", status: 404, sel: notFound},
		{who: "outsider", path: "/p/{secretPid}/edit", status: 404, sel: notFound},
		{who: "member", path: "/s/no-such-space", status: 404, api: "/api/v1/spaces/no-such-space", sel: notFound},
		{who: "anon", path: "/s/no-such-space", status: 303, to: "login"},
		// A thread.
		{who: "anon", path: "/t/{tid}", status: 303, to: "login"},
		{who: "outsider", path: "/t/{tid}", status: 200, api: "/api/v1/threads/{tid}",
			text:  []string{"Error wrapping", "Opening post of Error wrapping", "Bob's first reply", "replying to Ann", "Join Go-guild to reply."},
			noSel: []string{"form#reply", `a[href="/p/{pid}/edit"]`, "a[data-reply-to]"}},
		{who: "member", path: "/t/{tid}", status: 200,
			sel:   []string{`form#reply[action="/t/{tid}/posts"] textarea[name=body]`, `a[href="/t/{tid}?reply_to={pid}#reply"]`, `li#p{rid} a[href="/p/{rid}/edit"]`},
			noSel: []string{`a[href="/p/{pid}/edit"]`}},
		{who: "steward", path: "/t/{tid}", status: 200, sel: []string{`a[href="/p/{pid}/edit"]`, `a[href="/p/{rid}/edit"]`}},
		{who: "member", path: "/t/999999", status: 404, api: "/api/v1/threads/999999", sel: notFound},
		{who: "member", path: "/t/not-a-number", status: 404, api: "/api/v1/threads/not-a-number", sel: notFound},
		// Editing and history of a post.
		{who: "anon", path: "/p/{rid}/edit", status: 303, to: "login"},
		{who: "outsider", path: "/p/{rid}/edit", status: 403, sel: forbidden},
		{who: "member", path: "/p/{pid}/edit", status: 403, sel: forbidden, text: []string{"Only the author of a post, or a steward of its space, may edit it."}},
		{who: "member", path: "/p/{rid}/edit", status: 200, sel: []string{`form[action="/p/{rid}/edit"] textarea[name=body]:contains("Bob's first reply")`}},
		{who: "steward", path: "/p/{rid}/edit", status: 200, sel: []string{`form[action="/p/{rid}/edit"]`}},
		{who: "member", path: "/p/999999/edit", status: 404, sel: notFound},
		{who: "anon", path: "/p/{rid}/history", status: 303, to: "login"},
		{who: "outsider", path: "/p/{rid}/history", status: 200, api: "/api/v1/posts/{rid}/revisions", text: []string{"History of a post by Bob", "Bob's first reply"}},
		{who: "member", path: "/p/{rid}/history", status: 200, text: []string{"Current", "Bob's first reply"}, noSel: []string{"li.old"}},
		{who: "steward", path: "/p/{secretPid}/history", status: 200, text: []string{"Opening post of Secret plans"}},
		{who: "member", path: "/p/999999/history", status: 404, api: "/api/v1/posts/999999/revisions", sel: notFound},
		// Members.
		{who: "anon", path: "/m/{bob}", status: 303, to: "login"},
		{who: "outsider", path: "/m/{bob}", status: 200, text: []string{"Bob", "On kith since", "Go-guild"}},
		{who: "member", path: "/m/{bob}", status: 200, text: []string{"Bob", "Go-guild"}, noText: []string{"bob@example.com"}},
		{who: "outsider", path: "/m/{ann}", status: 200, text: []string{"Go-guild", "Ask"}, noText: []string{"Secret"}},
		{who: "steward", path: "/m/{ann}", status: 200, text: []string{"Go-guild", "Ask", "Secret"}},
		{who: "member", path: "/m/999999", status: 404, sel: notFound, text: []string{"No such member."}},
		// Settings.
		{who: "anon", path: "/settings", status: 303, to: "login"},
		{who: "member", path: "/settings", status: 200, text: []string{"bob@example.com", "Go-guild"},
			sel: []string{`form[action="/s/go-guild/leave"] input[name=next][value="/settings"]`, `form[action="/settings/tokens"]`}, noSel: []string{"code.token"}},
		{who: "outsider", path: "/settings", status: 200, text: []string{"cat@example.com", "You belong to no space."}},
		{who: "steward", path: "/settings", status: 200, text: []string{"ann@example.com", "Go-guild", "Ask", "Secret", "steward"}},
		// Unknown pages.
		{who: "member", path: "/no/such/page", status: 404, sel: notFound},

		// Acts the actor may not do answer the API's status on a readable page.
		{who: "anon", method: "POST", path: "/s/go-guild/join", form: affirm, status: 401, api: "/api/v1/spaces/go-guild/join", text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/t/{tid}/posts", form: map[string]string{"body": "hi"}, status: 401, text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/settings/tokens", form: map[string]string{"name": "x"}, status: 401, text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/s/go-guild/leave", status: 401, api: "/api/v1/spaces/go-guild/leave", text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/s/go-guild/threads", form: map[string]string{"title": "Mine", "body": "hi"}, status: 401,
			api: "/api/v1/spaces/go-guild/threads", text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/p/{rid}/edit", form: map[string]string{"body": "hijacked"}, status: 401, text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/spaces", form: map[string]string{"slug": "anon-space", "name": "Anon", "purpose": testPurpose}, status: 401,
			api: "/api/v1/spaces", text: []string{"Sign in first."}},
		{who: "anon", method: "POST", path: "/logout", status: 303, to: "/"},
		{who: "outsider", method: "POST", path: "/s/go-guild/leave", status: 303, to: "/s/go-guild"},
		{who: "outsider", method: "POST", path: "/s/secret/join", form: affirm, status: 404, api: "/api/v1/spaces/secret/join", sel: notFound},
		{who: "outsider", method: "POST", path: "/s/secret/leave", status: 404, api: "/api/v1/spaces/secret/leave", sel: notFound},
		{who: "outsider", method: "POST", path: "/t/{tid}/posts", form: map[string]string{"body": "let me in"}, status: 403, api: "/api/v1/threads/{tid}/posts",
			sel: forbidden, text: []string{"Join Go-guild to post in it."}},
		{who: "outsider", method: "POST", path: "/t/{secretTid}/posts", form: map[string]string{"body": "let me in"}, status: 404, sel: notFound},
		{who: "outsider", method: "POST", path: "/s/go-guild/threads", form: map[string]string{"title": "Mine", "body": "let me in"}, status: 403,
			api: "/api/v1/spaces/go-guild/threads", text: []string{"Join Go-guild to post in it."}},
		{who: "outsider", method: "POST", path: "/s/secret/threads", form: map[string]string{"title": "Mine", "body": "let me in"}, status: 404, sel: notFound},
		{who: "member", method: "POST", path: "/p/{pid}/edit", form: map[string]string{"body": "hijacked"}, status: 403,
			text: []string{"Only the author of a post, or a steward of its space, may edit it."}},
		{who: "outsider", method: "POST", path: "/p/{secretPid}/edit", form: map[string]string{"body": "hijacked"}, status: 404, sel: notFound},
		{who: "member", method: "POST", path: "/t/999999/posts", form: map[string]string{"body": "hello"}, status: 404, sel: notFound},
		{who: "member", method: "POST", path: "/s/go-guild/join", form: affirm, status: 409, api: "/api/v1/spaces/go-guild/join",
			text: []string{"You are already a member of Go-guild."}},
		{who: "steward", method: "POST", path: "/s/secret/join", form: affirm, status: 409, text: []string{"You are already a member of Secret."}},
	}
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, nil)
		for _, tc := range cases {
			w.check(t, tc)
		}
		// Nothing refused above changed anything.
		if n := w.ann.do("GET", "/api/v1/threads/"+itoa(w.tid), nil).want(200).list("posts"); len(n) != 2 {
			t.Fatalf("thread has %d posts after refused replies", len(n))
		}
		if body := w.ann.do("GET", "/api/v1/posts/"+itoa(w.pid), nil).want(200).str("post", "body"); body != "Opening post of Error wrapping" {
			t.Fatalf("post edited by a refused form: %q", body)
		}
		if l := w.ann.do("GET", "/api/v1/spaces/go-guild/members", nil).want(200).list("members"); len(l) != 2 {
			t.Fatalf("go-guild has %d members, want 2", len(l))
		}
	})
}

// TestPagePublicRead covers the instance setting that lets people who have not
// signed in read open spaces: they read, but every act still needs sign-in.
func TestPagePublicRead(t *testing.T) {
	cases := []pageCase{
		{who: "anon", path: "/", status: 200, text: []string{"Go-guild", "Error wrapping"}, noText: []string{"Ask", "Secret", "Asked-only matters"}},
		{who: "anon", path: "/s/go-guild", status: 200, api: "/api/v1/spaces/go-guild", text: []string{testPurpose, "Error wrapping", "Sign in to join Go-guild."},
			sel: []string{`a[href="/login?next=/s/go-guild"]`}, noSel: []string{"form#join"}},
		{who: "anon", path: "/s/go-guild/members", status: 200, sel: []string{`ul.people a[href="/m/{bob}"]`}},
		{who: "anon", path: "/s/go-guild/purpose", status: 200, text: []string{testPurpose}},
		{who: "anon", path: "/t/{tid}", status: 200, api: "/api/v1/threads/{tid}", text: []string{"Bob's first reply", "Sign in to take part."},
			sel: []string{`a[href="/login?next=/t/{tid}"]`}, noSel: []string{"form#reply", "a[data-reply-to]"}},
		{who: "anon", path: "/p/{rid}/history", status: 200, text: []string{"Bob's first reply"}},
		{who: "anon", path: "/m/{ann}", status: 200, text: []string{"Ann", "Go-guild"}, noText: []string{"Ask", "Secret"}},
		{who: "anon", path: "/s/go-guild/new", status: 303, to: "login"},
		{who: "anon", path: "/p/{rid}/edit", status: 303, to: "login"},
		{who: "anon", path: "/s/ask", status: 303, to: "login"},
		{who: "anon", path: "/s/secret", status: 303, to: "login"},
		{who: "anon", path: "/t/{secretTid}", status: 303, to: "login"},
		{who: "anon", path: "/settings", status: 303, to: "login"},
		{who: "anon", method: "POST", path: "/t/{tid}/posts", form: map[string]string{"body": "hi"}, status: 401, api: "/api/v1/threads/{tid}/posts", text: []string{"Sign in first."}},
	}
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, func(c *app.Config) { c.PublicRead = true })
		for _, tc := range cases {
			w.check(t, tc)
		}
	})
}

// check runs one row and returns the parsed page.
func (w *pageWorld) check(t *testing.T, tc pageCase) *goquery.Document {
	t.Helper()
	c := w.people[tc.who]
	if c == nil {
		t.Fatalf("no actor %q", tc.who)
	}
	path := w.expand(tc.path)
	method := tc.method
	if method == "" {
		method = "GET"
	}
	name := tc.who + " " + method + " " + path
	var r *response
	if method == "GET" {
		r = c.getPage(path)
	} else {
		form := map[string]string{}
		for k, v := range tc.form {
			form[k] = w.expand(v)
		}
		r = c.form(path, form)
	}
	if r.Status != tc.status {
		t.Fatalf("%s: status %d, want %d; body: %.800s", name, r.Status, tc.status, r.Body)
	}
	if tc.status == http.StatusSeeOther {
		want := tc.to
		if want == "login" {
			want = "/login?next=" + url.QueryEscape(path)
		}
		if got := r.Header.Get("Location"); got != w.expand(want) {
			t.Errorf("%s: Location %q, want %q", name, got, w.expand(want))
		}
		return nil
	}
	doc := checkPageSafety(t, name, r, c)
	text := pageText(doc)
	for _, s := range tc.text {
		if s = w.expand(s); !strings.Contains(text, s) {
			t.Errorf("%s: page lacks %q; text: %.1500s", name, s, text)
		}
	}
	for _, s := range tc.noText {
		if s = w.expand(s); strings.Contains(text, s) {
			t.Errorf("%s: page shows %q", name, s)
		}
	}
	for _, s := range tc.sel {
		if s = w.expand(s); doc.Find(s).Length() == 0 {
			t.Errorf("%s: nothing matches %s; text: %.1500s", name, s, text)
		}
	}
	for _, s := range tc.noSel {
		if s = w.expand(s); doc.Find(s).Length() != 0 {
			t.Errorf("%s: %s matches", name, s)
		}
	}
	if tc.api != "" {
		var ar *response
		if method == "GET" {
			ar = c.do("GET", w.expand(tc.api), nil)
		} else {
			body := map[string]any{}
			for k, v := range tc.form {
				body[k] = w.expand(v)
			}
			if _, ok := tc.form["affirm_purpose_version"]; ok {
				body["affirm_purpose_version"] = 1
			}
			ar = c.do(method, w.expand(tc.api), body)
		}
		if ar.Status != r.Status {
			t.Errorf("%s: page status %d but API %s answers %d", name, r.Status, tc.api, ar.Status)
		}
	}
	return doc
}

// getPage fetches a page as a browser does.
func (c *client) getPage(path string) *response {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return c.send(req)
}

// postPage posts a form exactly as given: no CSRF token unless values holds
// one, and the extra headers (Origin, Referer, Sec-Fetch-Site).
func (c *client) postPage(path string, values url.Values, header map[string]string) *response {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(values.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.send(req)
}

// pageText is the text of a page's body with runs of white space made one space.
func pageText(doc *goquery.Document) string {
	return strings.Join(strings.Fields(doc.Find("body").Text()), " ")
}

// checkPageSafety parses an HTML response and fails the test unless it keeps
// the rules every page keeps: a Content-Security-Policy without
// 'unsafe-inline'; no script but the app.js and live.js references; no inline style; no
// event-handler attribute; and, for a signed-in viewer, the session's CSRF
// token in every form that posts.
func checkPageSafety(t *testing.T, name string, r *response, viewer *client) *goquery.Document {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("%s: Content-Type %q, want HTML; body: %.300s", name, ct, r.Body)
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: Content-Security-Policy %q", name, csp)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("%s: parse: %v", name, err)
	}
	for _, js := range []string{"app.js", "live.js"} {
		if n := doc.Find(`script[src^="/static/` + js + `"]`).Length(); n != 1 {
			t.Errorf("%s: %d %s references, want 1", name, n, js)
		}
	}
	if n := doc.Find("script").Length(); n != 2 {
		t.Errorf("%s: %d script elements, want only app.js and live.js: %.2000s", name, n, r.Body)
	}
	if n := doc.Find("script:not([src])").Length(); n != 0 {
		t.Errorf("%s: %d inline scripts", name, n)
	}
	if n := doc.Find("style, [style]").Length(); n != 0 {
		t.Errorf("%s: %d inline styles (the CSP forbids them)", name, n)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("%s: <%s %s=%q>", name, goquery.NodeName(s), a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: <%s %s=%q>", name, goquery.NodeName(s), a.Key, a.Val)
			}
		}
	})
	if viewer != nil && viewer.csrf != "" {
		doc.Find(`form[method=post]`).Each(func(_ int, f *goquery.Selection) {
			if v, _ := f.Find(`input[type=hidden][name=csrf_token]`).Attr("value"); v != viewer.csrf {
				action, _ := f.Attr("action")
				t.Errorf("%s: form %s carries csrf_token %q, not the session's", name, action, v)
			}
		})
	}
	return doc
}

// docOrder returns the position of the first element matching each selector
// in document order (-1 when none matches).
func docOrder(doc *goquery.Document, selectors ...string) []int {
	pos := make([]int, len(selectors))
	for i := range pos {
		pos[i] = -1
	}
	doc.Find("*").Each(func(n int, s *goquery.Selection) {
		for i, sel := range selectors {
			if pos[i] < 0 && s.Is(sel) {
				pos[i] = n
			}
		}
	})
	return pos
}

func TestPageSpaceJoinAndLeave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, nil)
		cat := w.cat
		isMember := func(slug string) bool {
			return cat.do("GET", "/api/v1/spaces/"+slug, nil).want(200).get("space", "is_member") == true
		}
		page := func(path string) (*goquery.Document, string) {
			t.Helper()
			doc := checkPageSafety(t, path, cat.getPage(path).want(200), cat)
			return doc, pageText(doc)
		}

		// The purpose comes first: before the join form and before the threads.
		doc, _ := page("/s/go-guild")
		pos := docOrder(doc, "section.purpose", "form#join", `section[aria-labelledby="threads-title"]`)
		if pos[0] < 0 || pos[1] < 0 || pos[2] < 0 || pos[0] >= pos[1] || pos[1] >= pos[2] {
			t.Fatalf("purpose, join form and threads at %v; want the purpose first", pos)
		}
		if got := strings.TrimSpace(doc.Find("section.purpose blockquote").Text()); got != testPurpose {
			t.Fatalf("purpose block shows %q", got)
		}

		// Without the affirmation nobody joins: 422, a readable message, the form again.
		for _, form := range []url.Values{
			{"affirm_purpose_version": {"1"}},
			{"affirm": {"yes"}},
			{"affirm": {"yes"}, "affirm_purpose_version": {"2"}},
			{"affirm": {"no"}, "affirm_purpose_version": {"1"}},
		} {
			form.Set("csrf_token", cat.csrf)
			r := cat.postPage("/s/go-guild/join", form, nil).want(http.StatusUnprocessableEntity)
			doc := checkPageSafety(t, "refused join", r, cat)
			if msg := doc.Find(`form#join [role=alert]`).Text(); !strings.Contains(msg, "affirm the current purpose") {
				t.Fatalf("refused join (%v) says %q", form, msg)
			}
			if doc.Find(`form#join input[name=affirm][required]`).Length() != 1 || strings.Contains(pageText(doc), "You are a member") {
				t.Fatalf("refused join does not offer the form again: %s", pageText(doc))
			}
			if isMember("go-guild") {
				t.Fatalf("a join without affirmation (%v) made a membership", form)
			}
		}

		// With it, the person is a member at once.
		r := cat.form("/s/go-guild/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/s/go-guild" {
			t.Fatalf("join redirects to %q", loc)
		}
		doc, text := page("/s/go-guild")
		if !strings.Contains(text, "You are a member of Go-guild") || doc.Find("form#join").Length() != 0 || doc.Find(`form[action="/s/go-guild/leave"]`).Length() != 1 {
			t.Fatalf("after joining: %s", text)
		}
		if !isMember("go-guild") {
			t.Fatal("no membership after joining")
		}
		if doc, _ := page("/s/go-guild/members"); doc.Find(`ul.people a[href="/m/`+itoa(cat.ID)+`"]`).Length() != 1 {
			t.Fatalf("members page lacks the new member: %s", pageText(doc))
		}
		cat.do("POST", "/api/v1/threads/"+itoa(w.tid)+"/posts", map[string]any{"body": "Glad to be here"}).want(http.StatusCreated)

		// Leaving is one form post and takes effect at once.
		r = cat.form("/s/go-guild/leave", nil).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/s/go-guild" {
			t.Fatalf("leave redirects to %q", loc)
		}
		if isMember("go-guild") {
			t.Fatal("still a member after leaving")
		}
		doc, text = page("/s/go-guild")
		if strings.Contains(text, "You are a member") || doc.Find("form#join").Length() != 1 {
			t.Fatalf("after leaving: %s", text)
		}
		cat.do("POST", "/api/v1/threads/"+itoa(w.tid)+"/posts", map[string]any{"body": "after leaving"}).wantError(http.StatusForbidden, models.CodeNotMember)
		cat.form("/s/go-guild/leave", nil).want(http.StatusSeeOther) // idempotent

		// Leaving from the settings page comes back to it.
		cat.form("/s/go-guild/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}).want(http.StatusSeeOther)
		r = cat.form("/s/go-guild/leave", map[string]string{"next": "/settings"}).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/settings" {
			t.Fatalf("leave from settings redirects to %q", loc)
		}
		if _, text := page("/settings"); !strings.Contains(text, "You belong to no space.") {
			t.Fatalf("settings after leaving: %s", text)
		}
		r = cat.form("/s/go-guild/leave", map[string]string{"next": "https://evil.example/"}).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Fatalf("leave with a foreign next redirects to %q", loc)
		}

		// A space by request: the same affirmation asks to join instead.
		cat.form("/s/ask/join", map[string]string{"affirm_purpose_version": "1"}).want(http.StatusUnprocessableEntity)
		cat.form("/s/ask/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1", "note": "I write Go daily"}).want(http.StatusSeeOther)
		doc, text = page("/s/ask")
		if !strings.Contains(text, "You have asked to join") || strings.Contains(text, "You are a member") || doc.Find("form#join").Length() != 0 {
			t.Fatalf("after asking: %s", text)
		}
		if isMember("ask") {
			t.Fatal("asking to join made a membership")
		}
		r = cat.form("/s/ask/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}).want(http.StatusConflict)
		if text := pageText(checkPageSafety(t, "ask twice", r, cat)); !strings.Contains(text, "You have already asked to join Ask") {
			t.Fatalf("asking twice: %s", text)
		}

		// Stewards and founders leave the same way.
		w.ann.form("/s/ask/leave", nil).want(http.StatusSeeOther)
		doc = checkPageSafety(t, "steward left", w.ann.getPage("/s/ask").want(200), w.ann)
		if doc.Find("form#join").Length() != 1 || strings.Contains(pageText(doc), "You are a member") {
			t.Fatalf("founder after leaving: %s", pageText(doc))
		}
	})
}

func TestFormCSRFAndOrigin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, nil)
		bob := w.bob
		posts := []struct {
			path string
			form url.Values
		}{
			{"/s/go-guild/leave", nil},
			{"/t/{tid}/posts", url.Values{"body": {"forged reply"}}},
			{"/p/{rid}/edit", url.Values{"body": {"forged edit"}}},
			{"/s/go-guild/threads", url.Values{"title": {"Forged"}, "body": {"forged thread"}}},
			{"/spaces", url.Values{"slug": {"forged"}, "name": {"Forged"}, "purpose": {testPurpose}, "visibility": {"open"}}},
			{"/s/ask/join", url.Values{"affirm": {"yes"}, "affirm_purpose_version": {"1"}}},
			{"/settings/tokens", url.Values{"name": {"forged"}}},
			{"/logout", nil},
		}
		for _, token := range []string{"", "not-the-token"} {
			for _, p := range posts {
				form := url.Values{}
				for k, v := range p.form {
					form[k] = v
				}
				if token != "" {
					form.Set("csrf_token", token)
				}
				path := w.expand(p.path)
				r := bob.postPage(path, form, map[string]string{"Origin": w.ts.URL})
				if r.Status != http.StatusForbidden {
					t.Fatalf("POST %s with csrf_token %q: status %d, want 403", path, token, r.Status)
				}
				doc := checkPageSafety(t, "POST "+path, r, bob)
				if text := pageText(doc); !strings.Contains(text, "CSRF token") || doc.Find("h1:contains('Not allowed')").Length() != 1 {
					t.Fatalf("POST %s without the token: %s", path, text)
				}
			}
		}
		// Nothing changed: still signed in, still a member, no forged writes.
		bob.getPage("/settings").want(http.StatusOK)
		if bob.do("GET", "/api/v1/spaces/go-guild", nil).want(200).get("space", "is_member") != true {
			t.Fatal("a form without its token made Bob leave")
		}
		if n := len(bob.do("GET", "/api/v1/threads/"+itoa(w.tid), nil).want(200).list("posts")); n != 2 {
			t.Fatalf("thread has %d posts after forged replies", n)
		}
		if body := bob.do("GET", "/api/v1/posts/"+itoa(w.rid), nil).want(200).str("post", "body"); body != "Bob's first reply" {
			t.Fatalf("forged edit: %q", body)
		}
		if n := len(bob.do("GET", "/api/v1/spaces/go-guild/threads", nil).want(200).list("threads")); n != 1 {
			t.Fatalf("go-guild has %d threads after a forged one", n)
		}
		bob.do("GET", "/api/v1/spaces/forged", nil).want(http.StatusNotFound)
		if text := pageText(checkPageSafety(t, "ask", bob.getPage("/s/ask").want(200), bob)); strings.Contains(text, "You have asked to join") {
			t.Fatal("a forged form asked to join")
		}
		// With the token the same forms work.
		bob.form("/t/"+itoa(w.tid)+"/posts", map[string]string{"body": "a real reply"}).want(http.StatusSeeOther)
		bob.form("/logout", nil).want(http.StatusSeeOther)
		if r := bob.getPage("/settings"); r.Status != http.StatusSeeOther {
			t.Fatalf("still signed in after signing out: %d", r.Status)
		}

		// Sign-in forms check the Origin instead: a foreign one is refused and
		// signs nobody in or up.
		foreign := []map[string]string{
			{"Origin": "https://evil.example"},
			{"Origin": "null"},
			{"Referer": "https://evil.example/login"},
			{"Sec-Fetch-Site": "cross-site"},
		}
		for _, h := range foreign {
			anon := w.ts.client()
			r := anon.postPage("/login", url.Values{"email": {"bob@example.com"}, "password": {"correct horse battery"}}, h)
			if r.Status != http.StatusForbidden || hasSessionCookie(r) {
				t.Fatalf("login with %v: status %d, cookies %v", h, r.Status, r.Header.Values("Set-Cookie"))
			}
			text := pageText(checkPageSafety(t, "cross-site login", r, anon))
			if !strings.Contains(text, "came from another site") {
				t.Fatalf("cross-site login page: %s", text)
			}
			r = anon.postPage("/signup", url.Values{"email": {"mallory@example.com"}, "name": {"Mallory"}, "password": {"correct horse battery"}}, h)
			if r.Status != http.StatusForbidden || hasSessionCookie(r) {
				t.Fatalf("signup with %v: status %d", h, r.Status)
			}
			checkPageSafety(t, "cross-site signup", r, anon)
			anon.do("POST", "/api/v1/auth/login", map[string]any{"email": "mallory@example.com", "password": "correct horse battery"}).
				wantError(http.StatusUnauthorized, models.CodeInvalidCredentials)
		}
		// The same forms from this site work.
		anon := w.ts.client()
		r := anon.postPage("/login", url.Values{"email": {"bob@example.com"}, "password": {"correct horse battery"}, "next": {"/settings"}},
			map[string]string{"Origin": w.ts.URL})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/settings" || !hasSessionCookie(r) {
			t.Fatalf("same-site login: %d %v", r.Status, r.Header)
		}
		anon.getPage("/settings").want(http.StatusOK)
	})
}

func hasSessionCookie(r *response) bool {
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "kith_session" && ck.Value != "" {
			return true
		}
	}
	return false
}

// formCase is a form that is refused and must come back with the message and
// what the person typed.
type formCase struct {
	name   string
	who    string
	path   string
	form   url.Values
	status int
	alert  string            // in the [role=alert] box
	values map[string]string // selector -> value attribute (or text, for a textarea) kept
	absent []string          // selectors that must not match (e.g. a typed password)
}

func TestFormErrorsKeepInput(t *testing.T) {
	long := strings.Repeat("x", 301)
	cases := []formCase{
		{name: "signup with a taken email", who: "anon", path: "/signup", status: 409, alert: "An account with that email exists",
			form:   url.Values{"email": {"ann@example.com"}, "name": {"Ann Again"}, "password": {"correct horse battery"}, "next": {"/s/go-guild"}},
			values: map[string]string{"input[name=email]": "ann@example.com", "input[name=name]": "Ann Again", "input[name=next]": "/s/go-guild"},
			absent: []string{"input[name=password][value]"}},
		{name: "signup with a short password", who: "anon", path: "/signup", status: 422, alert: "at least 10 characters",
			form:   url.Values{"email": {"dan@example.com"}, "name": {"Dan"}, "password": {"short"}},
			values: map[string]string{"input[name=email]": "dan@example.com", "input[name=name]": "Dan"}, absent: []string{"input[name=password][value]"}},
		{name: "signup with a bad email", who: "anon", path: "/signup", status: 422, alert: "is not an email address",
			form:   url.Values{"email": {"not-an-email"}, "name": {"Dan"}, "password": {"correct horse battery"}},
			values: map[string]string{"input[name=email]": "not-an-email", "input[name=name]": "Dan"}},
		{name: "login with a wrong password", who: "anon", path: "/login", status: 401, alert: "Wrong email or password.",
			form:   url.Values{"email": {"bob@example.com"}, "password": {"wrong horse battery"}, "next": {"/settings"}},
			values: map[string]string{"input[name=email]": "bob@example.com", "input[name=next]": "/settings"}, absent: []string{"input[name=password][value]"}},
		{name: "space with a bad slug", who: "member", path: "/spaces", status: 422, alert: "lower-case letters",
			form:   url.Values{"slug": {"Rust Guild!"}, "name": {"Rust Guild"}, "purpose": {testPurpose}, "visibility": {"request"}},
			values: map[string]string{"input[name=slug]": "Rust Guild!", "input[name=name]": "Rust Guild", "textarea[name=purpose]": testPurpose, "input[name=visibility][checked]": "request"}},
		{name: "space with a short purpose", who: "member", path: "/spaces", status: 422, alert: "at least 20 characters",
			form:   url.Values{"slug": {"rust"}, "name": {"Rust"}, "purpose": {"Too short."}, "visibility": {"invite"}},
			values: map[string]string{"input[name=slug]": "rust", "textarea[name=purpose]": "Too short.", "input[name=visibility][checked]": "invite"}},
		{name: "space with a taken slug", who: "member", path: "/spaces", status: 409, alert: "A space with that slug exists",
			form:   url.Values{"slug": {"go-guild"}, "name": {"Another Go"}, "purpose": {testPurpose}},
			values: map[string]string{"input[name=slug]": "go-guild", "input[name=name]": "Another Go", "input[name=visibility][checked]": "open"}},
		{name: "thread without a title", who: "member", path: "/s/go-guild/threads", status: 422, alert: "Title is required.",
			form:   url.Values{"title": {"   "}, "body": {"What I typed"}, "kind": {"question"}},
			values: map[string]string{"textarea[name=body]": "What I typed", "input[name=kind][checked]": "question"}},
		{name: "thread without a body", who: "member", path: "/s/go-guild/threads", status: 422, alert: "Write something first.",
			form:   url.Values{"title": {"A title I typed"}, "body": {""}},
			values: map[string]string{"input[name=title]": "A title I typed", "input[name=kind][checked]": "discussion"}},
		{name: "empty reply", who: "member", path: "/t/{tid}/posts", status: 422, alert: "Write something first.",
			form:   url.Values{"body": {"  "}, "reply_to_post_id": {"{pid}"}},
			values: map[string]string{"input[name=reply_to_post_id]": "{pid}"}},
		{name: "reply too long", who: "member", path: "/t/{tid}/posts", status: 422, alert: "at most 300 characters",
			form:   url.Values{"body": {long}},
			values: map[string]string{"textarea[name=body]": long, "input[name=reply_to_post_id]": ""}},
		{name: "reply to a post of another thread", who: "member", path: "/t/{tid}/posts", status: 422, alert: "not in this thread",
			form:   url.Values{"body": {"My kept words"}, "reply_to_post_id": {"{secretPid}"}},
			values: map[string]string{"textarea[name=body]": "My kept words"}},
		{name: "empty edit", who: "member", path: "/p/{rid}/edit", status: 422, alert: "Write something first.",
			form: url.Values{"body": {""}}, values: map[string]string{"textarea[name=body]": ""}},
		{name: "edit too long", who: "member", path: "/p/{rid}/edit", status: 422, alert: "at most 300 characters",
			form: url.Values{"body": {long}}, values: map[string]string{"textarea[name=body]": long}},
	}
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, func(c *app.Config) { c.MaxPostChars = 300 })
		for _, tc := range cases {
			c := w.people[tc.who]
			form := url.Values{}
			for k, vs := range tc.form {
				for _, v := range vs {
					form.Add(k, w.expand(v))
				}
			}
			if c.csrf != "" {
				form.Set("csrf_token", c.csrf)
			}
			r := c.postPage(w.expand(tc.path), form, map[string]string{"Origin": w.ts.URL})
			if r.Status != tc.status {
				t.Fatalf("%s: status %d, want %d; body %.600s", tc.name, r.Status, tc.status, r.Body)
			}
			doc := checkPageSafety(t, tc.name, r, c)
			if alert := doc.Find("[role=alert]").Text(); !strings.Contains(alert, tc.alert) {
				t.Errorf("%s: alert %q, want %q", tc.name, alert, tc.alert)
			}
			if doc.Find("form").Length() == 0 {
				t.Errorf("%s: the form is not shown again", tc.name)
			}
			for sel, want := range tc.values {
				want = w.expand(want)
				s := doc.Find(sel)
				if s.Length() != 1 {
					t.Errorf("%s: %d elements match %s", tc.name, s.Length(), sel)
					continue
				}
				got, _ := s.Attr("value")
				if goquery.NodeName(s) == "textarea" {
					got = strings.TrimPrefix(s.Text(), "\n")
				}
				if got != want {
					t.Errorf("%s: %s is %.80q, want %.80q", tc.name, sel, got, want)
				}
			}
			for _, sel := range tc.absent {
				if doc.Find(sel).Length() != 0 {
					t.Errorf("%s: %s matches", tc.name, sel)
				}
			}
		}
		// A body over the instance's limit is refused with the API's 413, on a page.
		r := w.bob.postPage("/t/"+itoa(w.tid)+"/posts", url.Values{"csrf_token": {w.bob.csrf}, "body": {strings.Repeat("y", 300<<10)}}, nil)
		r.want(http.StatusRequestEntityTooLarge)
		if text := pageText(checkPageSafety(t, "too large", r, w.bob)); !strings.Contains(text, "too large") {
			t.Errorf("413 page: %s", text)
		}
		// None of the refused forms wrote anything.
		w.bob.do("GET", "/api/v1/spaces/rust", nil).want(http.StatusNotFound)
		if n := len(w.bob.do("GET", "/api/v1/threads/"+itoa(w.tid), nil).want(200).list("posts")); n != 2 {
			t.Fatalf("thread has %d posts after refused replies", n)
		}
		w.ts.client().do("POST", "/api/v1/auth/login", map[string]any{"email": "dan@example.com", "password": "correct horse battery"}).
			wantError(http.StatusUnauthorized, models.CodeInvalidCredentials)
	})
}

// The strings a hostile member types into every free-text field.
const (
	evilScript = `<script>alert(1)</script>`
	evilImg    = `"><img src=x onerror=alert(1)>`
	evil       = evilScript + evilImg
)

// signUpAs signs a person up through the API with an explicit email.
func (ts *testServer) signUpAs(email, name string) *client {
	ts.t.Helper()
	c := ts.client()
	r := c.do("POST", "/api/v1/auth/signup", map[string]any{"email": email, "name": name, "password": "correct horse battery"})
	r.want(http.StatusCreated)
	c.ID, c.Name = r.int("member", "id"), name
	c.refreshCSRF()
	return c
}

func TestEscapingOnPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		eve := ts.signUpAs("eve@example.com", "Eve "+evil)
		spaceName := "Evil " + evil
		purpose := "Purpose " + evil + " shared by all."
		title := evil + " title"
		eve.do("POST", "/api/v1/spaces", map[string]any{"slug": "evil", "name": spaceName, "purpose": purpose, "visibility": "open"}).want(http.StatusCreated)
		body := "Inline `" + evil + "` and raw " + evil + "\n\n[link](javascript:alert(1))"
		r := eve.do("POST", "/api/v1/spaces/evil/threads", map[string]any{"title": title, "body": body}).want(http.StatusCreated)
		tid, pid := r.int("thread", "id"), r.int("post", "id")
		rid := eve.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "Replying `" + evil + "`", "reply_to_post_id": pid}).
			want(http.StatusCreated).int("post", "id")
		eve.do("PATCH", "/api/v1/posts/"+itoa(pid), map[string]any{"body": "Edited `" + evil + "`"}).want(http.StatusOK)
		vic := ts.member("Vic")
		vic.join("evil")

		name := eve.Name
		code := "`" // the code spans keep the text literal
		pages := []struct {
			path string
			text []string
		}{
			{"/", []string{spaceName, purpose, title}},
			{"/s/evil", []string{spaceName, purpose, title, name}},
			{"/s/evil/members", []string{spaceName, name}},
			{"/s/evil/members?order=joined", []string{name}},
			{"/s/evil/purpose", []string{spaceName, purpose}},
			{"/s/evil/new", []string{spaceName}},
			{"/t/" + itoa(tid), []string{spaceName, title, name, evil, "replying to " + name}},
			{"/t/" + itoa(tid) + "?reply_to=" + itoa(rid), []string{title}},
			{"/p/" + itoa(pid) + "/history", []string{name, "Edited " + evil, "Inline " + evil}},
			{"/m/" + itoa(eve.ID), []string{name, spaceName, purpose}},
		}
		for _, viewer := range []*client{eve, vic} {
			for _, p := range pages {
				checkEscaped(t, viewer, p.path, p.text)
			}
			checkEscaped(t, viewer, "/settings", []string{spaceName})
		}
		checkEscaped(t, eve, "/settings", []string{name})
		checkEscaped(t, eve, "/p/"+itoa(pid)+"/edit", []string{"Edited " + code + evil + code})
		// The reply link carries the hostile name only as an attribute value.
		doc := checkPageSafety(t, "thread", vic.getPage("/t/"+itoa(tid)).want(200), vic)
		if v, _ := doc.Find(`a[data-reply-to="` + itoa(pid) + `"]`).Attr("data-reply-name"); v != name {
			t.Fatalf("data-reply-name is %q", v)
		}
		// A form error echoes what was typed, escaped.
		r = vic.form("/spaces", map[string]string{"slug": evil, "name": evil, "purpose": evil})
		r.want(http.StatusUnprocessableEntity)
		checkEscapedResponse(t, "space form error", r, vic, []string{evil})
		r = ts.client().postPage("/signup", url.Values{"email": {evil}, "name": {evil}, "password": {"x"}}, nil)
		r.want(http.StatusUnprocessableEntity)
		checkEscapedResponse(t, "signup form error", r, nil, nil)
	})
}

func checkEscaped(t *testing.T, c *client, path string, text []string) {
	t.Helper()
	r := c.getPage(path)
	if r.Status != http.StatusOK {
		t.Fatalf("%s GET %s: status %d; body %.400s", c.Name, path, r.Status, r.Body)
	}
	checkEscapedResponse(t, c.Name+" GET "+path, r, c, text)
}

func checkEscapedResponse(t *testing.T, name string, r *response, c *client, text []string) {
	t.Helper()
	for _, raw := range []string{"<script>alert", "<img src=x", "onerror=alert(1)>"} {
		if strings.Contains(r.Body, raw) {
			t.Errorf("%s: raw %q in the page", name, raw)
		}
	}
	doc := checkPageSafety(t, name, r, c)
	if doc.Find("img").Length() != 0 {
		t.Errorf("%s: an <img> element got in", name)
	}
	all := pageText(doc)
	title := doc.Find("title").Text()
	for _, s := range text {
		if !strings.Contains(all, s) && !strings.Contains(title, s) {
			t.Errorf("%s: %q is not shown literally; text: %.1500s", name, s, all)
		}
	}
}

func TestPageReplyToPostAndEditHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, nil)
		bob, tpath := w.bob, "/t/"+itoa(w.tid)

		// The Reply link of a post works without JavaScript: it names the post
		// in the reply form's hidden field.
		doc := checkPageSafety(t, "thread", bob.getPage(tpath).want(200), bob)
		href, _ := doc.Find("li#p" + itoa(w.pid) + " footer a:contains('Reply')").Attr("href")
		if href != tpath+"?reply_to="+itoa(w.pid)+"#reply" {
			t.Fatalf("reply link is %q", href)
		}
		doc = checkPageSafety(t, "reply form", bob.getPage(strings.TrimSuffix(href, "#reply")).want(200), bob)
		form := doc.Find("form#reply")
		if v, _ := form.Find(`input[type=hidden][name=reply_to_post_id]`).Attr("value"); v != itoa(w.pid) {
			t.Fatalf("reply_to_post_id is %q, want %d", v, w.pid)
		}
		if !strings.Contains(form.Text(), "Replying to") {
			t.Fatalf("reply form does not say what it answers: %s", form.Text())
		}
		r := bob.form("/t/"+itoa(w.tid)+"/posts", map[string]string{"body": "Answering **Ann** directly", "reply_to_post_id": itoa(w.pid)}).want(http.StatusSeeOther)
		loc := r.Header.Get("Location")
		_, frag, ok := strings.Cut(loc, "#p")
		if !ok || !strings.HasPrefix(loc, tpath+"#p") {
			t.Fatalf("reply redirects to %q", loc)
		}
		doc = checkPageSafety(t, "thread after reply", bob.getPage(tpath).want(200), bob)
		post := doc.Find("li#p" + frag)
		head := strings.Join(strings.Fields(post.Find(".post-head").Text()), " ")
		if !strings.Contains(head, "replying to Ann") || post.Find(`.post-head a[href="#p`+itoa(w.pid)+`"]`).Length() != 1 {
			t.Fatalf("new reply's header: %q", head)
		}
		if post.Find(".prose strong").Text() != "Ann" {
			t.Fatalf("reply body: %s", post.Find(".prose").Text())
		}
		// Without reply_to the form answers the thread.
		doc = checkPageSafety(t, "thread", bob.getPage(tpath).want(200), bob)
		if v, _ := doc.Find(`form#reply input[name=reply_to_post_id]`).Attr("value"); v != "" {
			t.Fatalf("plain reply form names post %q", v)
		}

		// Editing keeps history.
		rp := "/p/" + itoa(w.rid)
		r = bob.form(rp+"/edit", map[string]string{"body": "Bob's better reply"}).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != tpath+"#p"+itoa(w.rid) {
			t.Fatalf("edit redirects to %q", loc)
		}
		doc = checkPageSafety(t, "thread after edit", bob.getPage(tpath).want(200), bob)
		post = doc.Find("li#p" + itoa(w.rid))
		if got := post.Find(`a[href="` + rp + `/history"]`).Text(); got != "edited" {
			t.Fatalf("edited post links history as %q; post: %s", got, post.Text())
		}
		if !strings.Contains(post.Find(".prose").Text(), "Bob's better reply") {
			t.Fatalf("edited post shows %q", post.Find(".prose").Text())
		}
		if doc.Find(`li#p`+itoa(w.pid)+` a[href$="/history"]`).Length() != 0 {
			t.Fatal("an unedited post links to a history")
		}
		for _, viewer := range []*client{bob, w.cat} {
			doc = checkPageSafety(t, "history", viewer.getPage(rp+"/history").want(200), viewer)
			items := doc.Find("ol.posts > li")
			if items.Length() != 2 || !strings.Contains(items.Eq(0).Text(), "Bob's better reply") ||
				!strings.Contains(items.Eq(1).Text(), "Bob's first reply") || !items.Eq(1).HasClass("old") {
				t.Fatalf("history: %s", pageText(doc))
			}
		}
		// Saving the same text again adds no revision.
		bob.form(rp+"/edit", map[string]string{"body": "Bob's better reply"}).want(http.StatusSeeOther)
		if n := checkPageSafety(t, "history", bob.getPage(rp+"/history").want(200), bob).Find("li.old").Length(); n != 1 {
			t.Fatalf("%d old versions after an unchanged save", n)
		}
		// A steward may edit too, and the history records it.
		w.ann.form(rp+"/edit", map[string]string{"body": "Moderated text"}).want(http.StatusSeeOther)
		if n := checkPageSafety(t, "history", bob.getPage(rp+"/history").want(200), bob).Find("li.old").Length(); n != 2 {
			t.Fatalf("%d old versions after a steward's edit", n)
		}
	})
}

func TestCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		base   string
		secure bool
	}{
		{"https", "https://forum.example.com", true},
		{"http", "http://forum.example.com", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, d models.Dialect) {
				ts := startServer(t, d, func(c *app.Config) { c.BaseURL = tc.base })
				anon := ts.client()
				r := anon.postPage("/signup", url.Values{"email": {"sam@example.com"}, "name": {"Sam"}, "password": {"correct horse battery"}}, nil)
				r.want(http.StatusSeeOther)
				checkSessionCookie(t, "signup", r, tc.secure, false)
				r = ts.client().postPage("/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}}, nil)
				r.want(http.StatusSeeOther)
				ck := checkSessionCookie(t, "login", r, tc.secure, false)

				// Signing out clears the cookie with the same attributes and ends
				// the session on the server.
				c := ts.client()
				c.http.Jar = nil
				withCookie := func(req *http.Request) *response {
					req.AddCookie(&http.Cookie{Name: "kith_session", Value: ck.Value})
					return c.send(req)
				}
				req, _ := http.NewRequest("GET", ts.URL+"/api/v1/me", nil)
				me := withCookie(req).want(http.StatusOK)
				csrf, _ := me.JSON["csrf_token"].(string)
				req, _ = http.NewRequest("POST", ts.URL+"/logout", strings.NewReader(url.Values{"csrf_token": {csrf}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r = withCookie(req).want(http.StatusSeeOther)
				checkSessionCookie(t, "logout", r, tc.secure, true)
				req, _ = http.NewRequest("GET", ts.URL+"/settings", nil)
				if r := withCookie(req); r.Status != http.StatusSeeOther {
					t.Fatalf("the session still works after signing out: %d", r.Status)
				}
			})
		})
	}
}

func checkSessionCookie(t *testing.T, name string, r *response, secure, cleared bool) *http.Cookie {
	t.Helper()
	cookies := (&http.Response{Header: r.Header}).Cookies()
	i := slices.IndexFunc(cookies, func(c *http.Cookie) bool { return c.Name == "kith_session" })
	if i < 0 {
		t.Fatalf("%s: no session cookie in %v", name, r.Header.Values("Set-Cookie"))
	}
	ck := cookies[i]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" {
		t.Fatalf("%s: cookie %q: want HttpOnly, SameSite=Lax, Path=/, Secure=%v", name, r.Header.Get("Set-Cookie"), secure)
	}
	if cleared != (ck.Value == "" && ck.MaxAge < 0) {
		t.Fatalf("%s: cookie %q (cleared=%v)", name, r.Header.Get("Set-Cookie"), cleared)
	}
	return ck
}

func TestSettingsAPIToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		bob := ts.member("Bob")
		r := bob.form("/settings/tokens", map[string]string{"name": "release bot"}).want(http.StatusOK)
		doc := checkPageSafety(t, "new token", r, bob)
		token := strings.TrimSpace(doc.Find("[role=status] code.token").Text())
		if !strings.HasPrefix(token, "kith_") || len(token) < 30 {
			t.Fatalf("token shown as %q; page: %s", token, pageText(doc))
		}
		// Shown once.
		doc = checkPageSafety(t, "settings", bob.getPage("/settings").want(200), bob)
		if doc.Find("code.token").Length() != 0 || strings.Contains(doc.Text(), token) {
			t.Fatal("the token is shown again")
		}
		// It works as a bearer token, with no cookie.
		script := ts.client()
		script.bearer = token
		me := script.do("GET", "/api/v1/me", nil).want(http.StatusOK)
		if me.int("member", "id") != bob.ID {
			t.Fatalf("token acts for %s", me.Body)
		}
		script.bearer = token + "x"
		script.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
	})
}
