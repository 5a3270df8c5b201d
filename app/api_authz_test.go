package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// The actors of the authorization matrix, in the order of a row's cells.
var authzActors = [...]string{"anonymous", "non-member", "member", "steward elsewhere", "steward", "admin"}

// authzWant is one cell of the matrix: a status, and the error code when it is an error.
type authzWant struct {
	status int
	code   string
}

var (
	wOK        = authzWant{http.StatusOK, ""}
	wCreated   = authzWant{http.StatusCreated, ""}
	wAccepted  = authzWant{http.StatusAccepted, ""}
	wNoContent = authzWant{http.StatusNoContent, ""}
	wNotFound  = authzWant{http.StatusNotFound, models.CodeNotFound}
	wNotMember = authzWant{http.StatusForbidden, models.CodeNotMember}
	wForbidden = authzWant{http.StatusForbidden, models.CodeForbidden}
	wSignIn    = authzWant{http.StatusUnauthorized, models.CodeUnauthorized}
	wIsMember  = authzWant{http.StatusConflict, models.CodeAlreadyMember}
)

// authzRow is one request made by each actor in turn, on a space of one
// visibility, with what each actor must get.
type authzRow struct {
	route string            // as routes.go registers it: "METHOD /path" under /api/v1
	vis   string            // the visibility of the space that :slug names; "" outside spaces
	id    string            // what :id names: "thread", "post" (the steward's opening post) or "reply" (the member's)
	path  string            // the path to send instead of the route's own (for the catch-all)
	body  func(who int) any // the JSON body, made per actor (nil for none)
	want  [len(authzActors)]authzWant
}

func jsonFor(v map[string]any) func(int) any { return func(int) any { return v } }

var (
	readable     = [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}
	membersOnly  = [6]authzWant{wSignIn, wNotMember, wOK, wNotMember, wOK, wNotMember}
	hiddenExcept = [6]authzWant{wSignIn, wNotFound, wOK, wNotFound, wOK, wNotFound} // only members know it is there
	postable     = [6]authzWant{wSignIn, wNotMember, wCreated, wNotMember, wCreated, wNotMember}
	hiddenWrite  = [6]authzWant{wSignIn, wNotFound, wCreated, wNotFound, wCreated, wNotFound}
	threadBody   = jsonFor(map[string]any{"title": "A new thread", "body": "Its opening post"})
	replyBody    = jsonFor(map[string]any{"body": "A reply"})
	editBody     = jsonFor(map[string]any{"body": "An edit"})
	joinBody     = jsonFor(map[string]any{"affirm_purpose_version": 1})
)

// authzRows is the matrix over every API route outside /auth (see
// authRouteRows for those). Rows run in order on one world: reads first, then
// writes, then joining (undone where it succeeds) and leaving, which comes
// last because it ends memberships.
var authzRows = []authzRow{
	// Routes outside spaces. GET /spaces answers everyone; what it lists is
	// checked by TestAPIAuthorizationMatrix.
	{route: "GET /spaces", want: [6]authzWant{wOK, wOK, wOK, wOK, wOK, wOK}},
	{route: "GET /me", want: [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}},
	{route: "ANY /*", path: "/spaces/open-space/memberships", want: [6]authzWant{wNotFound, wNotFound, wNotFound, wNotFound, wNotFound, wNotFound}},
	{route: "ANY /*", path: "/spaces/invite-space/members/1", want: [6]authzWant{wNotFound, wNotFound, wNotFound, wNotFound, wNotFound, wNotFound}},
	{route: "POST /spaces", body: func(who int) any {
		return map[string]any{"slug": fmt.Sprintf("made-by-%d", who), "name": "Made", "purpose": testPurpose, "visibility": "open"}
	}, want: [6]authzWant{wSignIn, wCreated, wCreated, wCreated, wCreated, wCreated}},

	// The space itself and its purpose: open and request spaces are visible
	// to everyone signed in; invite spaces only to their members.
	{route: "GET /spaces/:slug", vis: "open", want: readable},
	{route: "GET /spaces/:slug", vis: "request", want: readable},
	{route: "GET /spaces/:slug", vis: "invite", want: hiddenExcept},
	{route: "GET /spaces/:slug/purpose", vis: "open", want: readable},
	{route: "GET /spaces/:slug/purpose", vis: "request", want: readable},
	{route: "GET /spaces/:slug/purpose", vis: "invite", want: hiddenExcept},

	// What is said in a space, and who belongs to it.
	{route: "GET /spaces/:slug/members", vis: "open", want: readable},
	{route: "GET /spaces/:slug/members", vis: "request", want: membersOnly},
	{route: "GET /spaces/:slug/members", vis: "invite", want: hiddenExcept},
	{route: "GET /spaces/:slug/threads", vis: "open", want: readable},
	{route: "GET /spaces/:slug/threads", vis: "request", want: membersOnly},
	{route: "GET /spaces/:slug/threads", vis: "invite", want: hiddenExcept},
	{route: "GET /threads/:id", vis: "open", id: "thread", want: readable},
	{route: "GET /threads/:id", vis: "request", id: "thread", want: hiddenExcept},
	{route: "GET /threads/:id", vis: "invite", id: "thread", want: hiddenExcept},
	{route: "GET /posts/:id", vis: "open", id: "post", want: readable},
	{route: "GET /posts/:id", vis: "request", id: "post", want: hiddenExcept},
	{route: "GET /posts/:id", vis: "invite", id: "post", want: hiddenExcept},
	{route: "GET /posts/:id/revisions", vis: "open", id: "reply", want: readable},
	{route: "GET /posts/:id/revisions", vis: "request", id: "reply", want: hiddenExcept},
	{route: "GET /posts/:id/revisions", vis: "invite", id: "reply", want: hiddenExcept},

	// Writing: members only, and where the space is hidden, as if it were not there.
	{route: "POST /spaces/:slug/threads", vis: "open", body: threadBody, want: postable},
	{route: "POST /spaces/:slug/threads", vis: "request", body: threadBody, want: postable},
	{route: "POST /spaces/:slug/threads", vis: "invite", body: threadBody, want: hiddenWrite},
	{route: "POST /threads/:id/posts", vis: "open", id: "thread", body: replyBody, want: postable},
	{route: "POST /threads/:id/posts", vis: "request", id: "thread", body: replyBody, want: hiddenWrite},
	{route: "POST /threads/:id/posts", vis: "invite", id: "thread", body: replyBody, want: hiddenWrite},
	// Editing: the author and the space's stewards; nobody else, admins included.
	{route: "PATCH /posts/:id", vis: "open", id: "reply", body: editBody, want: [6]authzWant{wSignIn, wForbidden, wOK, wForbidden, wOK, wForbidden}},
	{route: "PATCH /posts/:id", vis: "request", id: "reply", body: editBody, want: [6]authzWant{wSignIn, wNotFound, wOK, wNotFound, wOK, wNotFound}},
	{route: "PATCH /posts/:id", vis: "invite", id: "reply", body: editBody, want: [6]authzWant{wSignIn, wNotFound, wOK, wNotFound, wOK, wNotFound}},
	{route: "PATCH /posts/:id", vis: "open", id: "post", body: editBody, want: [6]authzWant{wSignIn, wForbidden, wForbidden, wForbidden, wOK, wForbidden}},
	{route: "PATCH /posts/:id", vis: "request", id: "post", body: editBody, want: [6]authzWant{wSignIn, wNotFound, wForbidden, wNotFound, wOK, wNotFound}},
	{route: "PATCH /posts/:id", vis: "invite", id: "post", body: editBody, want: [6]authzWant{wSignIn, wNotFound, wForbidden, wNotFound, wOK, wNotFound}},

	// Joining is each person's own act: open spaces admit at once (the test
	// leaves again), request spaces take a request, invite spaces stay hidden.
	{route: "POST /spaces/:slug/join", vis: "open", body: joinBody, want: [6]authzWant{wSignIn, wOK, wIsMember, wOK, wIsMember, wOK}},
	{route: "POST /spaces/:slug/join", vis: "request", body: joinBody, want: [6]authzWant{wSignIn, wAccepted, wIsMember, wAccepted, wIsMember, wAccepted}},
	{route: "POST /spaces/:slug/join", vis: "invite", body: joinBody, want: [6]authzWant{wSignIn, wNotFound, wIsMember, wNotFound, wIsMember, wNotFound}},
	// Leaving always succeeds for members, stewards too, and is idempotent.
	{route: "POST /spaces/:slug/leave", vis: "open", want: [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}},
	{route: "POST /spaces/:slug/leave", vis: "request", want: [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}},
	{route: "POST /spaces/:slug/leave", vis: "invite", want: [6]authzWant{wSignIn, wNotFound, wOK, wNotFound, wOK, wNotFound}},
}

// authzWorld holds the actors and, per visibility, a space founded by the
// steward that the member joined, with a thread, the steward's opening post
// and the member's reply (edited once, so it has a revision).
type authzWorld struct {
	ts     *testServer
	db     *sql.DB
	actors [len(authzActors)]*client
	spaces map[string]authzSpace // by visibility
}

type authzSpace struct {
	slug                string
	thread, post, reply int64
}

func newAuthzWorld(t *testing.T, d models.Dialect, configure func(*app.Config)) *authzWorld {
	t.Helper()
	ts := startServer(t, d, configure)
	w := &authzWorld{ts: ts, db: storetest.MustRawSQL(t, ts.Cfg.DatabaseURL), spaces: map[string]authzSpace{}}
	steward, member, other, outsider := ts.member("Sam Steward"), ts.member("Mia Member"), ts.member("Oli Other"), ts.member("Nia Outsider")
	other.space("other-space", "open")
	for _, vis := range []string{"open", "request", "invite"} {
		slug := vis + "-space"
		// The member joins while the space is open, by their own act; the
		// space then becomes private (no API changes visibility yet, and
		// invitations and join approvals arrive with their own issue).
		steward.space(slug, "open")
		member.join(slug)
		tid, pid := steward.thread(slug, "Thread in "+slug)
		rid := member.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "Reply in " + slug}).want(http.StatusCreated).int("post", "id")
		member.do("PATCH", "/api/v1/posts/"+itoa(rid), map[string]any{"body": "Edited reply in " + slug}).want(http.StatusOK)
		if vis != "open" {
			if _, err := w.db.Exec("UPDATE spaces SET visibility = '" + vis + "' WHERE slug = '" + slug + "'"); err != nil {
				t.Fatal(err)
			}
		}
		w.spaces[vis] = authzSpace{slug: slug, thread: tid, post: pid, reply: rid}
	}
	w.actors = [...]*client{ts.client(), outsider, member, other, steward, ts.admin("Ada Admin")}
	return w
}

// admin creates an instance admin (as `kith admin create` does) and signs
// them in through the API, as a browser.
func (ts *testServer) admin(name string) *client {
	ts.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	m, err := ts.Store.CreateAdmin(context.Background(), models.NewAccount{Email: email, Name: name, Password: "correct horse battery"})
	if err != nil {
		ts.t.Fatal(err)
	}
	c := ts.client()
	r := c.do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "correct horse battery"}).want(http.StatusOK)
	if r.int("member", "id") != m.ID {
		ts.t.Fatalf("admin login: %s", r.Body)
	}
	c.ID, c.Name = m.ID, name
	c.refreshCSRF()
	if c.do("GET", "/api/v1/me", nil).want(http.StatusOK).get("member", "admin") != true {
		ts.t.Fatal("the admin is not an admin in /me")
	}
	return c
}

// path fills a route's :slug and :id for the row.
func (w *authzWorld) path(row authzRow) (method, path string) {
	method, path, _ = strings.Cut(row.route, " ")
	if row.path != "" {
		path = row.path
	}
	sp := w.spaces[row.vis]
	id := map[string]int64{"thread": sp.thread, "post": sp.post, "reply": sp.reply}[row.id]
	path = strings.NewReplacer(":slug", sp.slug, ":id", itoa(id)).Replace(path)
	if method == "ANY" {
		method = http.MethodDelete
	}
	return method, "/api/v1" + path
}

// check runs one cell: actor i sends the row's request.
func (w *authzWorld) check(t *testing.T, row authzRow, i int) *response {
	t.Helper()
	method, path := w.path(row)
	var b any
	if row.body != nil {
		b = row.body(i)
	}
	r := w.actors[i].withT(t).do(method, path, b)
	wantCell(t, r, row.want[i])
	return r
}

func wantCell(t testing.TB, r *response, w authzWant) {
	t.Helper()
	if w.code != "" {
		wantContractError(t, r, w.status, w.code, "")
		return
	}
	if r.Status != w.status {
		t.Fatalf("status %d, want %d; body: %.400s", r.Status, w.status, r.Body)
	}
	if w.status != http.StatusNoContent {
		wantJSON(t, r)
	}
}

// TestAPIAuthorizationMatrix runs every row of authzRows for every actor on
// spaces of each visibility, then checks what each actor's space list shows,
// that leaving ends private reads at once, and that admins have no extra reach.
func TestAPIAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newAuthzWorld(t, d, nil)

		// What GET /spaces lists, per actor: never an invite space to a
		// non-member, and nothing more to an admin than to anyone else.
		lists := [6][]string{
			{},
			{"open-space", "other-space", "request-space"},
			{"invite-space", "open-space", "other-space", "request-space"},
			{"open-space", "other-space", "request-space"},
			{"invite-space", "open-space", "other-space", "request-space"},
			{"open-space", "other-space", "request-space"},
		}
		for i, want := range lists {
			r := w.actors[i].do("GET", "/api/v1/spaces", nil).want(http.StatusOK)
			var got []string
			for _, s := range r.list("spaces") {
				got = append(got, s.(map[string]any)["slug"].(string))
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s lists %v, want %v", authzActors[i], got, want)
			}
		}

		for _, row := range authzRows {
			for i := range authzActors {
				name := fmt.Sprintf("%s/%s/%s", row.route, row.vis, authzActors[i])
				if row.path != "" {
					name = fmt.Sprintf("%s %s/%s", row.route, row.path, authzActors[i])
				}
				t.Run(name, func(t *testing.T) {
					r := w.check(t, row, i)
					if strings.HasSuffix(row.route, "/join") && r.Status == http.StatusOK {
						if got := r.int("membership", "member_id"); got != w.actors[i].ID {
							t.Fatalf("%s joined as member %d", authzActors[i], got)
						}
						w.actors[i].withT(t).do("POST", "/api/v1/spaces/"+w.spaces[row.vis].slug+"/leave", nil).want(http.StatusOK)
					}
				})
			}
		}

		// The member has left every space: their private reads ended in the
		// same request, their own reply included.
		m := w.actors[2]
		for _, vis := range []string{"request", "invite"} {
			sp := w.spaces[vis]
			m.do("GET", "/api/v1/threads/"+itoa(sp.thread), nil).wantError(http.StatusNotFound, models.CodeNotFound)
			m.do("GET", "/api/v1/posts/"+itoa(sp.reply), nil).wantError(http.StatusNotFound, models.CodeNotFound)
			m.do("GET", "/api/v1/posts/"+itoa(sp.reply)+"/revisions", nil).wantError(http.StatusNotFound, models.CodeNotFound)
			m.do("PATCH", "/api/v1/posts/"+itoa(sp.reply), map[string]any{"body": "after leaving"}).wantError(http.StatusNotFound, models.CodeNotFound)
			m.do("POST", "/api/v1/threads/"+itoa(sp.thread)+"/posts", map[string]any{"body": "after leaving"}).wantError(http.StatusNotFound, models.CodeNotFound)
		}
		m.do("GET", "/api/v1/spaces/request-space/threads", nil).wantError(http.StatusForbidden, models.CodeNotMember)
		m.do("GET", "/api/v1/spaces/invite-space", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		m.do("PATCH", "/api/v1/posts/"+itoa(w.spaces["open"].reply), map[string]any{"body": "after leaving"}).wantError(http.StatusForbidden, models.CodeForbidden)
	})
}

// TestAPIAdminMakesNoMemberships: an admin has no way, through any route, to
// make another person a member, and joining names only the caller.
func TestAPIAdminMakesNoMemberships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newAuthzWorld(t, d, nil)
		admin, outsider := w.actors[5], w.actors[1]
		before := storedState(t, w.db)
		tries := []struct {
			method, path string
			body         any
			want         authzWant
		}{
			{"POST", "/spaces/invite-space/join", map[string]any{"affirm_purpose_version": 1, "member_id": outsider.ID}, wNotFound},
			{"POST", "/spaces/open-space/members", map[string]any{"member_id": outsider.ID}, wNotFound},
			{"PUT", "/spaces/open-space/members/" + itoa(outsider.ID), map[string]any{}, wNotFound},
			{"POST", "/spaces/open-space/memberships", map[string]any{"member_id": outsider.ID}, wNotFound},
			{"PATCH", "/spaces/request-space", map[string]any{"members": []int64{outsider.ID}}, wNotFound},
			{"POST", "/spaces/request-space/join-requests/1/approve", map[string]any{}, wNotFound},
			{"GET", "/spaces/invite-space/members", nil, wNotFound},
			{"GET", "/threads/" + itoa(w.spaces["invite"].thread), nil, wNotFound},
			{"GET", "/spaces/request-space/threads", nil, wNotMember},
		}
		for _, try := range tries {
			wantCell(t, admin.do(try.method, "/api/v1"+try.path, try.body), try.want)
		}
		if after := storedState(t, w.db); after != before {
			t.Fatalf("admin's attempts changed what is stored:\n%s", diffLines(before, after))
		}
		// Joining with someone else's id joins the admin, not them.
		r := admin.do("POST", "/api/v1/spaces/open-space/join", map[string]any{"affirm_purpose_version": 1, "member_id": outsider.ID}).want(http.StatusOK)
		if r.int("membership", "member_id") != admin.ID {
			t.Fatalf("join with another's member_id: %s", r.Body)
		}
		if outsider.do("GET", "/api/v1/spaces/open-space", nil).want(http.StatusOK).get("space", "is_member") != false {
			t.Fatal("the outsider became a member through the admin")
		}
		var n int
		if err := w.db.QueryRow("SELECT COUNT(*) FROM memberships WHERE member_id = " + itoa(outsider.ID)).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the outsider has %d memberships (%v)", n, err)
		}
	})
}

// authRouteRows are the routes for signing in and out, run with a fresh
// actor of each kind per cell (they replace or end the caller's session).
var authRouteRows = []authzRow{
	{route: "POST /auth/signup", want: [6]authzWant{wCreated, wCreated, wCreated, wCreated, wCreated, wCreated}},
	{route: "POST /auth/login", want: [6]authzWant{wOK, wOK, wOK, wOK, wOK, wOK}},
	{route: "POST /auth/token", want: [6]authzWant{wCreated, wCreated, wCreated, wCreated, wCreated, wCreated}},
	{route: "POST /auth/logout", want: [6]authzWant{wSignIn, wNoContent, wNoContent, wNoContent, wNoContent, wNoContent}},
	{route: "GET /me", want: [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}},
}

// TestAPIAuthRoutesByActor runs the sign-in routes for each kind of actor.
// A signed-in browser may sign up, sign in or take a token without a CSRF
// token (the contract says these routes check the Origin instead).
func TestAPIAuthRoutesByActor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ts.member("Founder").space("a-space", "open")
		n := 0
		fresh := func(t *testing.T, kind int) (c *client, email string) {
			n++
			name := fmt.Sprintf("Person %d", n)
			email = fmt.Sprintf("person.%d@example.com", n)
			switch kind {
			case 0:
				if _, err := ts.Store.SignUp(context.Background(), models.NewAccount{Email: email, Name: name, Password: "correct horse battery"}); err != nil {
					t.Fatal(err)
				}
				return ts.client(), email
			case 5:
				return ts.admin(name), email
			}
			c = ts.member(name)
			switch kind {
			case 2:
				c.join("a-space")
			case 3, 4:
				c.space(fmt.Sprintf("space-%d", n), "open")
			}
			return c, email
		}
		for _, row := range authRouteRows {
			for i := range authzActors {
				t.Run(row.route+"/"+authzActors[i], func(t *testing.T) {
					c, email := fresh(t, i)
					c = c.withT(t)
					c.csrf = "" // a browser that signs in again need not send one
					method, path, _ := strings.Cut(row.route, " ")
					var b any
					switch path {
					case "/auth/signup":
						b = map[string]any{"email": fmt.Sprintf("again.%d@example.com", n), "name": "Again", "password": "correct horse battery"}
					case "/auth/login", "/auth/token":
						b = map[string]any{"email": email, "password": "correct horse battery"}
					}
					if method == http.MethodPost && path == "/auth/logout" && i > 0 {
						c.refreshCSRF() // logging out is an unsafe request like any other
					}
					r := c.do(method, "/api/v1"+path, b)
					wantCell(t, r, row.want[i])
				})
			}
		}
	})
}

// TestAPICSRF: every unsafe API route refuses a cookie-authenticated request
// without the session's CSRF token (403 csrf_failed) and changes nothing,
// except the routes that sign in, which need none; bearer-token requests
// need none either.
func TestAPICSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann := ts.member("Ann")
		ann.space("go-guild", "open")
		tid, pid := ann.thread("go-guild", "A thread")
		bob, cat := ts.member("Bob"), ts.member("Cat")
		bob.join("go-guild")

		signIn := map[string]bool{"POST /auth/signup": true, "POST /auth/login": true, "POST /auth/token": true}
		before := storedState(t, db)
		for _, rt := range apiRoutes(t) {
			method, path, _ := strings.Cut(rt, " ")
			if method == "GET" || signIn[rt] {
				continue
			}
			if method == "ANY" {
				method, path = "POST", "/no-such-route"
			}
			id := tid
			if strings.HasPrefix(path, "/posts/") {
				id = pid
			}
			path = strings.NewReplacer(":slug", "go-guild", ":id", itoa(id)).Replace(path)
			bodies := map[string]any{
				"/spaces": map[string]any{"slug": "csrf-space", "name": "CSRF", "purpose": testPurpose},
			}
			for _, who := range []*client{ann, bob, cat} {
				for _, token := range []string{"", "wrong-token", otherClient(who, ann, bob).csrf} {
					c := who.withT(t)
					c.csrf = token
					b, ok := bodies[path]
					if !ok {
						b = map[string]any{"body": "x", "title": "x", "affirm_purpose_version": 1}
					}
					r := c.sendBody(method, "/api/v1"+path, mustJSON(t, b), "", false)
					if r.Status != http.StatusForbidden {
						t.Errorf("%s %s as %s with token %q: status %d, want 403; %.200s", method, path, who.Name, token, r.Status, r.Body)
						continue
					}
					wantContractError(t, r, http.StatusForbidden, "csrf_failed", "")
				}
			}
		}
		if after := storedState(t, db); after != before {
			t.Fatalf("requests without a CSRF token changed what is stored:\n%s", diffLines(before, after))
		}
		ann.do("GET", "/api/v1/me", nil).want(http.StatusOK) // the refused logout did not sign Ann out

		// The routes that sign in need no CSRF token, even with a live cookie.
		noToken := ann.withT(t)
		noToken.csrf = ""
		creds := map[string]any{"email": "ann@example.com", "password": "correct horse battery"}
		noToken.do("POST", "/api/v1/auth/token", creds).want(http.StatusCreated)
		noToken.do("POST", "/api/v1/auth/login", creds).want(http.StatusOK)
		noToken.do("POST", "/api/v1/auth/signup", map[string]any{"email": "ann2@example.com", "name": "Ann two", "password": "correct horse battery"}).want(http.StatusCreated)

		// A bearer token acts without a cookie and without a CSRF token.
		script := ts.client()
		tok := script.do("POST", "/api/v1/auth/token", map[string]any{"email": "bob@example.com", "password": "correct horse battery", "token_name": "ci"}).want(http.StatusCreated)
		if tok.Header.Get("Set-Cookie") != "" {
			t.Fatalf("token creation set a cookie: %v", tok.Header.Values("Set-Cookie"))
		}
		script.bearer = tok.str("token")
		if !strings.HasPrefix(script.bearer, "kith_") {
			t.Fatalf("token %q", script.bearer)
		}
		me := script.do("GET", "/api/v1/me", nil).want(http.StatusOK)
		if me.int("member", "id") != bob.ID || me.str("csrf_token") != "" {
			t.Fatalf("bearer /me: %s", me.Body)
		}
		script.do("POST", "/api/v1/spaces", map[string]any{"slug": "by-script", "name": "By script", "purpose": testPurpose}).want(http.StatusCreated)
		p := script.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "from a script"}).want(http.StatusCreated)
		script.do("PATCH", "/api/v1/posts/"+itoa(p.int("post", "id")), map[string]any{"body": "edited by a script"}).want(http.StatusOK)
		script.do("POST", "/api/v1/spaces/by-script/leave", nil).want(http.StatusOK)
		// The scheme is case-insensitive (RFC 7235, section 2.1).
		for _, scheme := range []string{"bearer ", "BEARER "} {
			r := ts.client().sendBody("GET", "/api/v1/me", "", "-", false, "Authorization", scheme+script.bearer)
			if r.want(http.StatusOK).int("member", "id") != bob.ID {
				t.Fatalf("%q scheme: %s", scheme, r.Body)
			}
		}
		// A bearer token beats a cookie sent beside it: the request acts for
		// the token's owner and needs no CSRF token.
		both := cat.withT(t)
		both.bearer = script.bearer
		if got := both.do("GET", "/api/v1/me", nil).want(http.StatusOK).int("member", "id"); got != bob.ID {
			t.Fatalf("bearer beside a cookie acts for %d, want %d", got, bob.ID)
		}
		// Bad tokens are refused outright, not taken as signed out.
		for _, h := range []string{"Bearer kith_nope", "Bearer ", "Bearer " + script.bearer + "x", "Basic Ym9iOnB3", "Token " + script.bearer, script.bearer} {
			r := ts.client().sendBody("GET", "/api/v1/me", "", "-", false, "Authorization", h)
			wantContractError(t, r, http.StatusUnauthorized, models.CodeUnauthorized, "")
			r = ts.client().sendBody("POST", "/api/v1/spaces", `{"slug":"x-y","name":"X","purpose":"`+testPurpose+`"}`, "", false, "Authorization", h)
			wantContractError(t, r, http.StatusUnauthorized, models.CodeUnauthorized, "")
		}
	})
}

// other returns a client other than who among cs, to borrow its CSRF token.
func otherClient(who *client, cs ...*client) *client {
	for _, c := range cs {
		if c != who {
			return c
		}
	}
	return who
}

// TestAPISignInChecksOrigin: sign-up, login and token creation from another
// site are refused (403 cross_origin) and create nothing; from the instance
// itself, or from a script that sends no Origin, they work.
func TestAPISignInChecksOrigin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ts.member("Ann")
		creds := `{"email":"ann@example.com","password":"correct horse battery"}`
		routes := map[string]string{
			"/auth/signup": `{"email":"new@example.com","name":"New","password":"correct horse battery"}`,
			"/auth/login":  creds,
			"/auth/token":  creds,
		}
		foreign := [][2]string{
			{"Origin", "https://evil.example"},
			{"Origin", "null"},
			{"Origin", "http://127.0.0.1:1"}, // the same host on another port is another site
			{"Origin", strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)},
			{"Referer", "https://evil.example/page"},
			{"Sec-Fetch-Site", "cross-site"},
		}
		before := storedState(t, db)
		for path, b := range routes {
			for _, h := range foreign {
				r := ts.client().sendBody("POST", "/api/v1"+path, b, "", false, h[0], h[1])
				wantContractError(t, r, http.StatusForbidden, "cross_origin", "")
				if len(r.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("%s from %s set a cookie", path, h[1])
				}
			}
		}
		if after := storedState(t, db); after != before {
			t.Fatalf("cross-origin sign-ins changed what is stored:\n%s", diffLines(before, after))
		}
		ok := map[string]int{"/auth/signup": http.StatusCreated, "/auth/login": http.StatusOK, "/auth/token": http.StatusCreated}
		for path, b := range routes {
			if path == "/auth/signup" {
				b = `{"email":"same.origin@example.com","name":"Same","password":"correct horse battery"}`
			}
			ts.client().sendBody("POST", "/api/v1"+path, b, "", false, "Origin", ts.URL, "Sec-Fetch-Site", "same-origin").want(ok[path])
		}
	})
}

// TestAPILogoutEndsSessionAtOnce: after logout the old cookie, replayed, is
// refused, while the person's other sessions go on.
func TestAPILogoutEndsSessionAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann := ts.member("Ann")
		elsewhere := ts.client()
		elsewhere.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)
		elsewhere.refreshCSRF()

		u, _ := url.Parse(ts.URL)
		old := ann.http.Jar.Cookies(u)
		oldCSRF := ann.csrf
		if len(old) != 1 {
			t.Fatalf("cookies before logout: %v", old)
		}
		r := ann.do("POST", "/api/v1/auth/logout", nil).want(http.StatusNoContent)
		if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "kith_session=;") {
			t.Fatalf("logout did not clear the cookie: %q", sc)
		}
		ann.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)

		replay := ts.client()
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, old)
		replay.http.Jar = jar
		replay.csrf = oldCSRF
		before := storedState(t, db)
		replay.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		replay.do("POST", "/api/v1/spaces", map[string]any{"slug": "after-logout", "name": "After", "purpose": testPurpose}).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		replay.do("POST", "/api/v1/auth/logout", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		if after := storedState(t, db); after != before {
			t.Fatalf("a replayed cookie changed what is stored:\n%s", diffLines(before, after))
		}
		elsewhere.do("GET", "/api/v1/me", nil).want(http.StatusOK)

		// Signing in again gives a new session with a new CSRF token.
		ann.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)
		ann.refreshCSRF()
		if ann.csrf == oldCSRF || ann.csrf == "" {
			t.Fatal("the new session reuses the old CSRF token")
		}
	})
}

// TestAPIRateLimits: with 3 logins a minute, the 4th attempt from the same
// client is 429 rate_limited with Retry-After and signs nobody in; sign-ups
// and token requests have their own limits, and other routes are not limited.
func TestAPIRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, func(c *app.Config) {
			c.LoginsPerMinute, c.TokensPerMinute, c.SignupsPerHour = 3, 2, 2
		})
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		if _, err := ts.Store.SignUp(context.Background(), models.NewAccount{Email: "ann@example.com", Name: "Ann", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		good := map[string]any{"email": "ann@example.com", "password": "correct horse battery"}
		bad := map[string]any{"email": "ann@example.com", "password": "wrong horse battery"}
		c := ts.client()
		c.do("POST", "/api/v1/auth/login", bad).wantError(http.StatusUnauthorized, models.CodeInvalidCredentials)
		c.do("POST", "/api/v1/auth/login", bad).wantError(http.StatusUnauthorized, models.CodeInvalidCredentials)
		c.do("POST", "/api/v1/auth/login", good).want(http.StatusOK)
		before := storedState(t, db)
		limited := func(r *response, retry int) {
			t.Helper()
			wantContractError(t, r, http.StatusTooManyRequests, "rate_limited", "")
			if got, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || got != retry {
				t.Fatalf("Retry-After %q, want %d", r.Header.Get("Retry-After"), retry)
			}
		}
		limited(ts.client().do("POST", "/api/v1/auth/login", good), 20)
		limited(c.do("POST", "/api/v1/auth/login", bad), 20)
		if after := storedState(t, db); after != before {
			t.Fatalf("a rate-limited login changed what is stored:\n%s", diffLines(before, after))
		}
		c.do("GET", "/api/v1/me", nil).want(http.StatusOK)

		ts.client().do("POST", "/api/v1/auth/token", good).want(http.StatusCreated)
		ts.client().do("POST", "/api/v1/auth/token", bad).wantError(http.StatusUnauthorized, models.CodeInvalidCredentials)
		limited(ts.client().do("POST", "/api/v1/auth/token", good), 30)

		for i := 0; i < 2; i++ {
			ts.client().do("POST", "/api/v1/auth/signup", map[string]any{"email": fmt.Sprintf("s%d@example.com", i), "name": "S", "password": "correct horse battery"}).want(http.StatusCreated)
		}
		before = storedState(t, db)
		limited(ts.client().do("POST", "/api/v1/auth/signup", map[string]any{"email": "s9@example.com", "name": "S", "password": "correct horse battery"}), 1800)
		if after := storedState(t, db); after != before {
			t.Fatalf("a rate-limited sign-up changed what is stored:\n%s", diffLines(before, after))
		}
		for i := 0; i < 5; i++ {
			c.do("GET", "/api/v1/spaces", nil).want(http.StatusOK)
		}
	})
}

// TestAPIPublicRead: where the instance lets open spaces be read signed out,
// a visitor reads open spaces and nothing else, and still writes nothing.
func TestAPIPublicRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newAuthzWorld(t, d, func(c *app.Config) { c.PublicRead = true })
		anon := w.actors[0]
		r := anon.do("GET", "/api/v1/spaces", nil).want(http.StatusOK)
		var got []string
		for _, s := range r.list("spaces") {
			got = append(got, s.(map[string]any)["slug"].(string))
		}
		sort.Strings(got)
		if strings.Join(got, " ") != "open-space other-space" {
			t.Fatalf("a visitor lists %v", got)
		}
		for _, vis := range []string{"open", "request", "invite"} {
			sp := w.spaces[vis]
			read := wOK
			if vis != "open" {
				read = wNotFound
			}
			for _, p := range []string{"/spaces/" + sp.slug, "/spaces/" + sp.slug + "/purpose", "/spaces/" + sp.slug + "/threads", "/spaces/" + sp.slug + "/members",
				"/threads/" + itoa(sp.thread), "/posts/" + itoa(sp.post), "/posts/" + itoa(sp.reply) + "/revisions"} {
				t.Run(vis+p, func(t *testing.T) { wantCell(t, anon.withT(t).do("GET", "/api/v1"+p, nil), read) })
			}
			wantCell(t, anon.do("POST", "/api/v1/spaces/"+sp.slug+"/join", map[string]any{"affirm_purpose_version": 1}), wSignIn)
			wantCell(t, anon.do("POST", "/api/v1/threads/"+itoa(sp.thread)+"/posts", map[string]any{"body": "x"}), wSignIn)
			wantCell(t, anon.do("PATCH", "/api/v1/posts/"+itoa(sp.post), map[string]any{"body": "x"}), wSignIn)
		}
		wantCell(t, anon.do("GET", "/api/v1/me", nil), wSignIn)
	})
}

// TestAPIAdminsOnlyCreateSpaces: with space creation set to admins, members
// are refused (403 forbidden) and admins may.
func TestAPIAdminsOnlyCreateSpaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, func(c *app.Config) { c.SpaceCreation = "admins" })
		space := map[string]any{"slug": "guild", "name": "Guild", "purpose": testPurpose}
		wantCell(t, ts.member("Ann").do("POST", "/api/v1/spaces", space), wForbidden)
		wantCell(t, ts.client().do("POST", "/api/v1/spaces", space), wSignIn)
		wantCell(t, ts.admin("Ada").do("POST", "/api/v1/spaces", space), wCreated)
	})
}

// apiRoutes reads routes.go and returns every route registered on the API
// group, as "METHOD /path" relative to /api/v1 ("ANY" for api.Any). It reads
// the source because the router is not reachable from outside the package,
// and production code gains nothing for the test's sake.
func apiRoutes(t testing.TB) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	group := ""
	ast.Inspect(f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		call, ok := as.Rhs[0].(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Group" {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Value == `"/api/v1"` {
				group = as.Lhs[0].(*ast.Ident).Name
			}
		}
		return true
	})
	if group == "" {
		t.Fatal(`routes.go: no e.Group("/api/v1"); teach apiRoutes where the API routes are`)
	}
	methods := map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "Any": true}
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		recv, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if recv.Name != group {
			if lit, ok := firstString(call); ok && strings.HasPrefix(lit, "/api/") && sel.Sel.Name != "Group" {
				t.Errorf("%s: an API route registered outside the %s group; teach apiRoutes about it", fset.Position(call.Pos()), group)
			}
			return true
		}
		if !methods[sel.Sel.Name] {
			t.Errorf("%s: %s.%s registers routes this test cannot read; teach apiRoutes about it", fset.Position(call.Pos()), group, sel.Sel.Name)
			return true
		}
		path, ok := firstString(call)
		if !ok {
			t.Errorf("%s: a route whose path is not a string literal", fset.Position(call.Pos()))
			return true
		}
		routes = append(routes, strings.ToUpper(sel.Sel.Name)+" "+path)
		return true
	})
	sort.Strings(routes)
	return routes
}

func firstString(call *ast.CallExpr) (string, bool) {
	if len(call.Args) == 0 {
		return "", false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// matchRoute names the route that serves method and path (under /api/v1, any
// query dropped), as the router would choose it: the registered pattern with
// the most literal segments, else the catch-all.
func matchRoute(routes []string, method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, score := "", -1
	for _, rt := range routes {
		m, p, _ := strings.Cut(rt, " ")
		if m != method {
			continue
		}
		ps := strings.Split(strings.Trim(p, "/"), "/")
		if len(ps) != len(segs) {
			continue
		}
		n := 0
		for i := range ps {
			if strings.HasPrefix(ps[i], ":") {
				continue
			}
			if ps[i] != segs[i] {
				n = -1
				break
			}
			n++
		}
		if n > score {
			best, score = rt, n
		}
	}
	if best == "" {
		return "ANY /*"
	}
	return best
}

// TestAPIRoutesAreCovered fails when a route in routes.go has no row in the
// authorization matrix or in the bad-input table, so a new route cannot ship
// without both.
func TestAPIRoutesAreCovered(t *testing.T) {
	routes := apiRoutes(t)
	if len(routes) < 20 {
		t.Fatalf("found only %d API routes in routes.go: %v; the parser is not looking where it should", len(routes), routes)
	}
	inMatrix := map[string]bool{}
	for _, row := range append(append([]authzRow{}, authzRows...), authRouteRows...) {
		inMatrix[row.route] = true
	}
	inputs := map[string]int{}
	for _, row := range badInputs {
		inputs[matchRoute(routes, row.method, row.path)]++
	}
	// Each membership feature tests its routes' authorization and bad input
	// in its own file, and says there which routes that covers.
	for _, covered := range [][]string{joinRequestRoutesCovered, inboxRoutesCovered, invitationRoutesCovered, stewardRoutesCovered, purposeRoutesCovered, liveRoutesCovered, searchRoutesCovered, meRoutesCovered} {
		for _, rt := range covered {
			inMatrix[rt] = true
			inputs[rt]++
		}
	}
	for _, rt := range routes {
		if !inMatrix[rt] {
			t.Errorf("%s has no row in the authorization matrix (authzRows or authRouteRows)", rt)
		}
		if inputs[rt] == 0 {
			t.Errorf("%s has no row in badInputs", rt)
		}
	}
	registered := map[string]bool{}
	for _, rt := range routes {
		registered[rt] = true
	}
	for rt := range inMatrix {
		if !registered[rt] {
			t.Errorf("the matrix has rows for %s, which routes.go does not register", rt)
		}
	}
	if len(inMatrix) != len(routes) {
		t.Errorf("the matrix covers %d routes; routes.go registers %d", len(inMatrix), len(routes))
	}
	t.Logf("%d API routes, each with matrix rows and %d bad-input rows in all", len(routes), len(badInputs))
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
