package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// purposeRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var purposeRoutesCovered = []string{
	"POST /spaces/:slug/purpose/proposals",
	"POST /spaces/:slug/purpose/affirm",
	"GET /purpose-proposals/:id",
	"POST /purpose-proposals/:id/responses",
}

const (
	proposedPurpose   = "We help each other write clear, correct Go, and we review real code together every month."
	proposalRationale = "The monthly reviews have become what this space is for; its purpose should say so."
)

var proposalBody = map[string]any{"text": proposedPurpose, "rationale": proposalRationale}

// purposeClock is the store's clock in tests that let a proposal's window pass.
type purposeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *purposeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *purposeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startClockedServer is startServer with a clock the test moves.
func startClockedServer(t *testing.T, d models.Dialect) (*testServer, *purposeClock, *app.Server) {
	t.Helper()
	clock := &purposeClock{now: time.Now().UTC().Truncate(time.Second)}
	cfg := app.DefaultConfig()
	cfg.PasswordCost = 4
	cfg.SignupsPerHour, cfg.LoginsPerMinute, cfg.TokensPerMinute = 10000, 10000, 10000
	cfg.DatabaseURL = storetest.URL(t, d)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	opts := cfg.StoreOptions()
	opts.Now = clock.Now
	store := storetest.OpenURL(t, cfg.DatabaseURL, opts)
	srv, err := app.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testServer{t: t, URL: hs.URL, Store: store, Cfg: cfg}, clock, srv
}

// purposeState is storedState with the tables of purpose by consent.
func purposeState(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(storedState(t, db))
	for _, q := range []string{
		"SELECT COUNT(*) FROM notifications",
		"SELECT COUNT(*) FROM purpose_proposals",
		"SELECT COUNT(*) FROM purpose_proposals WHERE status = 'open'",
		"SELECT COUNT(*) FROM proposal_responses",
		"SELECT COUNT(*) FROM proposal_responses WHERE consent",
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintf(&b, "%s = %d\n", q, n)
	}
	return b.String()
}

// TestPurposeAuthorizationMatrix runs the routes of purpose by consent for
// every actor on spaces of each visibility: members (stewards included)
// propose, read and respond; others are refused, and where the space is hidden
// from them they learn nothing; admins have no extra reach.
func TestPurposeAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newAuthzWorld(t, d, nil)
		member, steward := w.actors[2], w.actors[4]
		// In each space the steward has a proposal open; a second space of
		// each visibility has none, for proposing.
		open := map[string]int64{}
		for _, vis := range []string{"open", "request", "invite"} {
			open[vis] = steward.do("POST", "/api/v1/spaces/"+w.spaces[vis].slug+"/purpose/proposals", proposalBody).want(http.StatusCreated).int("proposal", "id")
			slug := vis + "-proposing"
			steward.space(slug, "open")
			member.join(slug)
			if _, err := w.db.Exec("UPDATE spaces SET visibility = '" + vis + "' WHERE slug = '" + slug + "'"); err != nil {
				t.Fatal(err)
			}
		}

		// What the purpose shows each actor: the open proposal only to readers.
		for vis, want := range map[string][6]bool{
			"open":    {false, true, true, true, true, true},
			"request": {false, false, true, false, true, false},
			"invite":  {false, false, true, false, true, false},
		} {
			for i := 1; i < len(authzActors); i++ {
				r := w.actors[i].do("GET", "/api/v1/spaces/"+w.spaces[vis].slug+"/purpose", nil)
				if r.Status == http.StatusNotFound && vis == "invite" && !want[i] {
					continue
				}
				r.want(http.StatusOK)
				p, _ := r.get("proposal").(map[string]any)
				if (p != nil) != want[i] || (p != nil && int64(p["id"].(float64)) != open[vis]) {
					t.Errorf("%s reads the %s space's purpose with proposal %v, want shown=%v", authzActors[i], vis, p, want[i])
				}
			}
		}

		consent := map[string]any{"consent": true}
		affirm := map[string]any{"affirm_purpose_version": 1}
		memberWrite := func(ok authzWant) [6]authzWant {
			return [6]authzWant{wSignIn, wNotMember, ok, wNotMember, ok, wNotMember}
		}
		hiddenMemberWrite := func(ok authzWant) [6]authzWant { return [6]authzWant{wSignIn, wNotFound, ok, wNotFound, ok, wNotFound} }
		rows := []struct {
			route, vis string
			body       any
			want       [6]authzWant
		}{
			{"GET /purpose-proposals/:id", "open", nil, readable},
			{"GET /purpose-proposals/:id", "request", nil, hiddenExcept},
			{"GET /purpose-proposals/:id", "invite", nil, hiddenExcept},
			// The member responds first (1 of 2), then the steward, whose
			// response closes it; the admin, who is no member, is refused first.
			{"POST /purpose-proposals/:id/responses", "open", consent, memberWrite(wOK)},
			{"POST /purpose-proposals/:id/responses", "request", consent, hiddenMemberWrite(wOK)},
			{"POST /purpose-proposals/:id/responses", "invite", consent, hiddenMemberWrite(wOK)},
			{"POST /spaces/:slug/purpose/affirm", "open", affirm, memberWrite(wOK)},
			{"POST /spaces/:slug/purpose/affirm", "request", affirm, memberWrite(wOK)},
			{"POST /spaces/:slug/purpose/affirm", "invite", affirm, hiddenMemberWrite(wOK)},
			{"POST /spaces/:slug/purpose/proposals", "open", proposalBody, memberWrite(wCreated)},
			{"POST /spaces/:slug/purpose/proposals", "request", proposalBody, memberWrite(wCreated)},
			{"POST /spaces/:slug/purpose/proposals", "invite", proposalBody, hiddenMemberWrite(wCreated)},
		}
		for _, row := range rows {
			method, path, _ := strings.Cut(row.route, " ")
			slug := w.spaces[row.vis].slug
			if strings.HasSuffix(path, "/proposals") {
				slug = row.vis + "-proposing"
			}
			path = "/api/v1" + strings.NewReplacer(":slug", slug, ":id", itoa(open[row.vis])).Replace(path)
			for i := range authzActors {
				t.Run(row.route+"/"+row.vis+"/"+authzActors[i], func(t *testing.T) {
					r := w.actors[i].withT(t).do(method, path, row.body)
					wantCell(t, r, row.want[i])
					switch {
					case r.Status == http.StatusCreated:
						// Let the next actor propose too: close this one underneath.
						id := r.int("proposal", "id")
						if r.int("proposal", "proposer", "id") != w.actors[i].ID {
							t.Fatalf("%s proposed as %s", authzActors[i], r.Body)
						}
						if _, err := w.db.Exec("UPDATE purpose_proposals SET status = 'declined', closed_at = created_at WHERE id = " + itoa(id)); err != nil {
							t.Fatal(err)
						}
					case r.Status == http.StatusOK && method == "POST" && strings.HasSuffix(path, "/affirm"):
						if r.int("membership", "member_id") != w.actors[i].ID || r.int("membership", "affirmed_purpose_version") != 1 {
							t.Fatalf("affirm: %s", r.Body)
						}
					case r.Status == http.StatusOK && method == "POST":
						if r.get("proposal", "my_response") != true {
							t.Fatalf("respond: %s", r.Body)
						}
					}
				})
			}
		}
		// Exactly the member's and the steward's responses were stored, and
		// each pair of responses (of two members) closed its proposal.
		var responses, closed int
		if err := w.db.QueryRow("SELECT COUNT(*) FROM proposal_responses").Scan(&responses); err != nil {
			t.Fatal(err)
		}
		if err := w.db.QueryRow("SELECT COUNT(*) FROM purpose_proposals WHERE status <> 'open'").Scan(&closed); err != nil {
			t.Fatal(err)
		}
		if responses != 6 || closed != 9 {
			t.Fatalf("%d responses and %d closed proposals, want 6 and 9", responses, closed)
		}
	})
}

// purposeBadInputs are refused requests to the routes of purpose by consent,
// on the bad-input fixture (ann founded go-guild, bob is a member, cat is
// not), where ann has a proposal open ({proposal}).
var purposeBadInputs = []badInput{
	{what: "not JSON", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: notJSON, status: 400, code: "bad_request"},
	{what: "text not a string", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":12,"rationale":"Because."}`, status: 400, code: "bad_request", field: "text"},
	{what: "a JSON list", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `[]`, status: 400, code: "bad_request"},
	{what: "sent as a form", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: "text=x&rationale=y", ctype: "application/x-www-form-urlencoded", status: 400, code: "bad_request"},
	{what: "no text", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"rationale":"Because."}`, status: 422, code: models.CodeInvalid, field: "text"},
	{what: "text of 19 characters", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + strings.Repeat("x", 19) + `","rationale":"Because."}`, status: 422, code: models.CodeInvalid, field: "text"},
	{what: "text of 2,001 characters", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + strings.Repeat("x", 2001) + `","rationale":"Because."}`, status: 422, code: models.CodeInvalid, field: "text"},
	{what: "no rationale", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `"}`, status: 422, code: models.CodeInvalid, field: "rationale"},
	{what: "blank rationale", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"  \n "}`, status: 422, code: models.CodeInvalid, field: "rationale"},
	{what: "rationale of 2,001 characters", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"` + strings.Repeat("r", 2001) + `"}`, status: 422, code: models.CodeInvalid, field: "rationale"},
	{what: "oversize body", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: oversizeBody, status: 413, code: "too_large"},
	{what: "while another is open", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"Because."}`, status: 409, code: models.CodeConflict},
	{what: "not a member", as: "cat", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"Because."}`, status: 403, code: models.CodeNotMember},
	{what: "signed out", as: "anon", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"Because."}`, status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/spaces/go-guild/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"Because."}`, status: 401, code: models.CodeUnauthorized},
	{what: "unknown space", as: "bob", method: "POST", path: "/spaces/no-such-space/purpose/proposals", body: `{"text":"` + proposedPurpose + `","rationale":"Because."}`, status: 404, code: models.CodeNotFound},

	{what: "unknown id", as: "bob", method: "GET", path: "/purpose-proposals/999999", status: 404, code: models.CodeNotFound},
	{what: "id not a number", as: "bob", method: "GET", path: "/purpose-proposals/abc", status: 404, code: models.CodeNotFound},
	{what: "id zero", as: "bob", method: "GET", path: "/purpose-proposals/0", status: 404, code: models.CodeNotFound},
	{what: "id negative", as: "bob", method: "GET", path: "/purpose-proposals/-1", status: 404, code: models.CodeNotFound},
	{what: "signed out", as: "anon", method: "GET", path: "/purpose-proposals/{proposal}", status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "GET", path: "/purpose-proposals/{proposal}", status: 401, code: models.CodeUnauthorized},

	{what: "no consent", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{}`, status: 422, code: models.CodeInvalid, field: "consent"},
	{what: "consent null", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{"consent":null}`, status: 422, code: models.CodeInvalid, field: "consent"},
	{what: "consent a string", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{"consent":"yes"}`, status: 400, code: "bad_request", field: "consent"},
	{what: "consent a number", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{"consent":1}`, status: 400, code: "bad_request", field: "consent"},
	{what: "not JSON", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: notJSON, status: 400, code: "bad_request"},
	{what: "no body", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", status: 400, code: "bad_request"},
	{what: "oversize body", as: "bob", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: oversizeBody, status: 413, code: "too_large"},
	{what: "unknown id", as: "bob", method: "POST", path: "/purpose-proposals/999999/responses", body: `{"consent":true}`, status: 404, code: models.CodeNotFound},
	{what: "id not a number", as: "bob", method: "POST", path: "/purpose-proposals/abc/responses", body: `{"consent":true}`, status: 404, code: models.CodeNotFound},
	{what: "not a member", as: "cat", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{"consent":true}`, status: 403, code: models.CodeNotMember},
	{what: "signed out", as: "anon", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{"consent":true}`, status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/purpose-proposals/{proposal}/responses", body: `{"consent":false}`, status: 401, code: models.CodeUnauthorized},

	{what: "no version", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: `{}`, status: 422, code: models.CodePurposeNotAffirmed, field: "affirm_purpose_version"},
	{what: "a version not yet adopted", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: `{"affirm_purpose_version":2}`, status: 422, code: models.CodePurposeNotAffirmed, field: "affirm_purpose_version"},
	{what: "version zero", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: `{"affirm_purpose_version":0}`, status: 422, code: models.CodePurposeNotAffirmed, field: "affirm_purpose_version"},
	{what: "version a string", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: `{"affirm_purpose_version":"1"}`, status: 400, code: "bad_request", field: "affirm_purpose_version"},
	{what: "not JSON", as: "bob", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: notJSON, status: 400, code: "bad_request"},
	{what: "not a member", as: "cat", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: `{"affirm_purpose_version":1}`, status: 403, code: models.CodeNotMember},
	{what: "unknown space", as: "bob", method: "POST", path: "/spaces/no-such-space/purpose/affirm", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "signed out", as: "anon", method: "POST", path: "/spaces/go-guild/purpose/affirm", body: `{"affirm_purpose_version":1}`, status: 401, code: models.CodeUnauthorized},
}

// TestPurposeRefusesBadInput sends every row of purposeBadInputs and checks
// the status, the error shape and field, and that nothing stored changed.
func TestPurposeRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		f := newInputFixture(t, d)
		pid := f.clients["ann"].do("POST", "/api/v1/spaces/go-guild/purpose/proposals", proposalBody).want(http.StatusCreated).int("proposal", "id")
		ids := strings.NewReplacer("{proposal}", itoa(pid))
		before := purposeState(t, f.db)
		for _, row := range purposeBadInputs {
			t.Run(row.method+" "+row.path+": "+row.what, func(t *testing.T) {
				c := f.clients[row.as]
				if row.as == "anon" {
					c = f.ts.client()
				}
				r := c.withT(t).sendBody(row.method, "/api/v1"+ids.Replace(row.path), row.body, row.ctype, false)
				if after := purposeState(t, f.db); after != before {
					t.Errorf("a refused request changed what is stored:\n%s", diffLines(before, after))
					before = after
				}
				wantContractError(t, r, row.status, row.code, row.field)
			})
		}
		// Every route of this file has bad-input rows.
		routes := apiRoutes(t)
		for _, rt := range purposeRoutesCovered {
			n := 0
			for _, row := range purposeBadInputs {
				if matchRoute(routes, row.method, ids.Replace(row.path)) == rt {
					n++
				}
			}
			if n < 4 {
				t.Errorf("%s has %d bad-input rows", rt, n)
			}
		}
	})
}

// TestPurposeByConsentAPI: a proposal through the API from opening to
// adoption, the purpose and its history, re-affirming and joining after.
func TestPurposeByConsentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob, cat := ts.member("Ann"), ts.member("Bob"), ts.member("Cat")
		ann.space("go-guild", "open")
		bob.join("go-guild")
		cat.join("go-guild")

		r := bob.do("POST", "/api/v1/spaces/go-guild/purpose/proposals", map[string]any{"text": "  " + proposedPurpose + "\n", "rationale": proposalRationale}).want(http.StatusCreated)
		p, _ := r.get("proposal").(map[string]any)
		keys := []string{"id", "space", "proposer", "text", "rationale", "base_version", "status", "thread_id", "created_at", "closes_at", "closed_at", "responses", "quorum", "members", "my_response"}
		if len(p) != len(keys) {
			t.Fatalf("proposal has keys %v, want %v", p, keys)
		}
		for _, k := range keys {
			if _, ok := p[k]; !ok {
				t.Fatalf("proposal lacks %q: %s", k, r.Body)
			}
		}
		id := r.int("proposal", "id")
		for path, want := range map[string]any{
			"proposal.space.slug": "go-guild", "proposal.proposer.id": float64(bob.ID), "proposal.proposer.name": "Bob",
			"proposal.text": proposedPurpose, "proposal.rationale": proposalRationale, "proposal.base_version": float64(1),
			"proposal.status": "open", "proposal.closed_at": nil, "proposal.responses.consent": float64(0),
			"proposal.responses.object": float64(0), "proposal.responses.total": float64(0), "proposal.quorum": float64(3),
			"proposal.members": float64(3), "proposal.my_response": nil,
		} {
			if got := jsonAt(r.JSON, path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		created, _ := time.Parse(time.RFC3339, r.str("proposal", "created_at"))
		closes, _ := time.Parse(time.RFC3339, r.str("proposal", "closes_at"))
		if closes.Sub(created) != 7*24*time.Hour {
			t.Errorf("the window is %s, want 7 days", closes.Sub(created))
		}
		thread := r.int("proposal", "thread_id")
		tr := cat.do("GET", "/api/v1/threads/"+itoa(thread), nil).want(http.StatusOK)
		if title := tr.str("thread", "title"); !strings.HasPrefix(title, "Purpose proposal: We help each other") {
			t.Errorf("discussion thread title %q", title)
		}
		if body := jsonAt(tr.JSON, "posts.0.body").(string); !strings.Contains(body, proposedPurpose) || !strings.Contains(body, proposalRationale) {
			t.Errorf("discussion opens with %q", body)
		}
		cat.do("POST", "/api/v1/threads/"+itoa(thread)+"/posts", map[string]any{"body": "I like it."}).want(http.StatusCreated)

		// The others are told; the purpose shows the open proposal.
		for _, c := range []*client{ann, cat} {
			n := c.do("GET", "/api/v1/notifications", nil).want(http.StatusOK)
			found := false
			for _, x := range n.list("notifications") {
				x := x.(map[string]any)
				if x["kind"] == models.NoticeProposalOpened && jsonAt(x, "data.proposal_id") == float64(id) && jsonAt(x, "data.thread_id") == float64(thread) {
					found = true
				}
			}
			if !found {
				t.Fatalf("%s was not told of the proposal: %s", c.Name, n.Body)
			}
		}
		pr := cat.do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK)
		if pr.int("proposal", "id") != id || pr.int("purpose", "version") != 1 || pr.int("affirmed_version") != 1 {
			t.Fatalf("purpose with an open proposal: %s", pr.Body)
		}
		bob.do("POST", "/api/v1/spaces/go-guild/purpose/proposals", proposalBody).wantError(http.StatusConflict, models.CodeConflict)

		// Responses: the last one counts.
		if r := ann.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": true}).want(http.StatusOK); r.get("proposal", "my_response") != true || r.int("proposal", "responses", "consent") != 1 {
			t.Fatalf("ann consents: %s", r.Body)
		}
		bob.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": false}).want(http.StatusOK)
		r = bob.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": true}).want(http.StatusOK)
		if r.int("proposal", "responses", "consent") != 2 || r.int("proposal", "responses", "object") != 0 || r.str("proposal", "status") != "open" {
			t.Fatalf("bob changes to consent: %s", r.Body)
		}
		if got := cat.do("GET", "/api/v1/purpose-proposals/"+itoa(id), nil).want(http.StatusOK); got.get("proposal", "my_response") != nil || got.int("proposal", "responses", "total") != 2 {
			t.Fatalf("cat reads it: %s", got.Body)
		}
		// The last member's response closes it at once.
		r = cat.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": true}).want(http.StatusOK)
		if r.str("proposal", "status") != "adopted" || r.get("proposal", "closed_at") == nil || r.int("proposal", "responses", "total") != 3 {
			t.Fatalf("after every member consented: %s", r.Body)
		}
		cat.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": false}).wantError(http.StatusConflict, models.CodeConflict)

		pr = ann.do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK)
		if pr.str("purpose", "text") != proposedPurpose || pr.int("purpose", "version") != 2 || pr.get("proposal") != nil || pr.int("affirmed_version") != 1 {
			t.Fatalf("purpose after adoption: %s", pr.Body)
		}
		hist := pr.list("history")
		if len(hist) != 2 || jsonAt(hist, "0.outcome") != "adopted" || jsonAt(hist, "0.version") != float64(2) || jsonAt(hist, "0.text") != proposedPurpose ||
			jsonAt(hist, "0.proposal.id") != float64(id) || jsonAt(hist, "0.proposal.responses.consent") != float64(3) || jsonAt(hist, "0.adopted_at") == nil ||
			jsonAt(hist, "1.outcome") != "founded" || jsonAt(hist, "1.version") != float64(1) || jsonAt(hist, "1.text") != testPurpose || jsonAt(hist, "1.proposal") != nil {
			t.Fatalf("history: %s", pr.Body)
		}
		if v := ann.do("GET", "/api/v1/spaces/go-guild", nil).want(http.StatusOK); v.int("space", "purpose", "version") != 2 || v.int("space", "member_count") != 3 {
			t.Fatalf("space after adoption: %s", v.Body)
		}
		for _, c := range []*client{ann, bob, cat} {
			n := c.do("GET", "/api/v1/notifications", nil).want(http.StatusOK)
			if k := jsonAt(n.JSON, "notifications.0.kind"); k != models.NoticeProposalDecided || jsonAt(n.JSON, "notifications.0.data.outcome") != "adopted" || jsonAt(n.JSON, "notifications.0.data.version") != float64(2) {
				t.Fatalf("%s's latest notice: %s", c.Name, n.Body)
			}
		}

		// Members re-affirm in one request, or leave in one.
		bob.do("POST", "/api/v1/spaces/go-guild/purpose/affirm", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusUnprocessableEntity, models.CodePurposeNotAffirmed)
		m := bob.do("POST", "/api/v1/spaces/go-guild/purpose/affirm", map[string]any{"affirm_purpose_version": 2}).want(http.StatusOK)
		if m.int("membership", "affirmed_purpose_version") != 2 || m.int("membership", "member_id") != bob.ID || m.str("membership", "space") != "go-guild" {
			t.Fatalf("affirm: %s", m.Body)
		}
		if bob.do("GET", "/api/v1/spaces/go-guild/purpose", nil).int("affirmed_version") != 2 {
			t.Fatal("the affirmation did not stick")
		}
		cat.do("POST", "/api/v1/spaces/go-guild/leave", nil).want(http.StatusOK)
		if cat.do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK).get("affirmed_version") != nil {
			t.Fatal("cat left but still has an affirmed version")
		}

		// Joining with the old version is refused; with the new one it works.
		dan := ts.member("Dan")
		dan.do("POST", "/api/v1/spaces/go-guild/join", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusUnprocessableEntity, models.CodePurposeNotAffirmed)
		if j := dan.do("POST", "/api/v1/spaces/go-guild/join", map[string]any{"affirm_purpose_version": 2}).want(http.StatusOK); j.int("membership", "affirmed_purpose_version") != 2 {
			t.Fatalf("join with version 2: %s", j.Body)
		}
	})
}

// TestPurposeWindowThroughAPI: when the window ends, reading the proposal or
// the purpose closes it, with no sweep; a late response is refused.
func TestPurposeWindowThroughAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts, clock, _ := startClockedServer(t, d)
		people := make([]*client, 5)
		for i := range people {
			people[i] = ts.member(fmt.Sprintf("Person %d", i))
			if i == 0 {
				people[0].space("go-guild", "open")
			} else {
				people[i].join("go-guild")
			}
		}
		id := people[1].do("POST", "/api/v1/spaces/go-guild/purpose/proposals", proposalBody).want(http.StatusCreated).int("proposal", "id")
		for _, c := range people[:3] {
			c.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": true}).want(http.StatusOK)
		}
		clock.Add(7*24*time.Hour - time.Minute)
		if s := people[0].do("GET", "/api/v1/purpose-proposals/"+itoa(id), nil).want(http.StatusOK).str("proposal", "status"); s != "open" {
			t.Fatalf("a minute before the end the proposal is %s", s)
		}
		clock.Add(time.Minute)
		people[3].do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": false}).wantError(http.StatusConflict, models.CodeConflict)
		pr := people[4].do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK)
		if pr.int("purpose", "version") != 2 || pr.get("proposal") != nil || jsonAt(pr.JSON, "history.0.proposal.responses.total") != float64(3) {
			t.Fatalf("after the window: %s", pr.Body)
		}
		// The next proposal, left alone past its window, is declined on the first read.
		id = people[2].do("POST", "/api/v1/spaces/go-guild/purpose/proposals", map[string]any{"text": "A third purpose nobody will answer in time.", "rationale": "To see it lapse."}).
			want(http.StatusCreated).int("proposal", "id")
		clock.Add(8 * 24 * time.Hour)
		r := people[0].do("GET", "/api/v1/purpose-proposals/"+itoa(id), nil).want(http.StatusOK)
		if r.str("proposal", "status") != "declined" || r.int("proposal", "members") != 5 || r.int("proposal", "quorum") != 3 {
			t.Fatalf("the lapsed proposal: %s", r.Body)
		}
		pr = people[0].do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK)
		if jsonAt(pr.JSON, "history.0.outcome") != "declined" || jsonAt(pr.JSON, "history.0.version") != nil || jsonAt(pr.JSON, "history.0.proposal.id") != float64(id) {
			t.Fatalf("history with the declined proposal: %s", pr.Body)
		}
	})
}

// TestProposalSweepInServe: the sweep that Serve starts closes a proposal
// whose window has ended without anyone reading it, and stops with the server.
func TestProposalSweepInServe(t *testing.T) {
	ts, clock, _ := startClockedServer(t, models.SQLite)
	raw := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
	ann, bob, cat := ts.member("Ann"), ts.member("Bob"), ts.member("Cat")
	ann.space("go-guild", "open")
	bob.join("go-guild")
	cat.join("go-guild")
	id := ann.do("POST", "/api/v1/spaces/go-guild/purpose/proposals", proposalBody).want(http.StatusCreated).int("proposal", "id")
	ann.do("POST", "/api/v1/purpose-proposals/"+itoa(id)+"/responses", map[string]any{"consent": true}).want(http.StatusOK)

	cfg := ts.Cfg
	cfg.ProposalSweep = 20 * time.Millisecond
	srv, err := app.New(cfg, ts.Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	status := func() string {
		var s string
		if err := raw.QueryRow("SELECT status FROM purpose_proposals WHERE id = " + itoa(id)).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	time.Sleep(100 * time.Millisecond)
	if s := status(); s != "open" {
		t.Fatalf("the sweep closed a proposal inside its window: %s", s)
	}
	clock.Add(7 * 24 * time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for status() == "open" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := status(); s != "declined" {
		t.Fatalf("after the window the sweep left the proposal %s", s)
	}
	var notices int
	if err := raw.QueryRow("SELECT COUNT(*) FROM notifications WHERE kind = '" + models.NoticeProposalDecided + "'").Scan(&notices); err != nil || notices != 3 {
		t.Fatalf("%d decision notices (%v), want 3", notices, err)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

// purposePageDoc fetches a page, checks it as every page is checked, and parses it.
func purposePageDoc(t *testing.T, c *client, path string, status int) (*goquery.Document, string) {
	t.Helper()
	r := c.getPage(path)
	if r.Status != status {
		t.Fatalf("%s GET %s: status %d, want %d; %.500s", c.Name, path, r.Status, status, r.Body)
	}
	doc := checkPageSafety(t, c.Name+" "+path, r, c)
	return doc, pageText(doc)
}

func purposeFormDoc(t *testing.T, c *client, path string, form map[string]string, status int) (*goquery.Document, string) {
	t.Helper()
	r := c.form(path, form)
	if r.Status != status {
		t.Fatalf("%s POST %s: status %d, want %d; %.500s", c.Name, path, r.Status, status, r.Body)
	}
	if status == http.StatusSeeOther {
		return nil, r.Header.Get("Location")
	}
	doc := checkPageSafety(t, c.Name+" POST "+path, r, c)
	return doc, pageText(doc)
}

// TestPurposePages walks purpose by consent through the pages, as people
// without JavaScript use them: propose, respond, see it adopted, re-affirm or
// leave, and see a declined proposal kept in the history.
func TestPurposePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newPageWorld(t, d, nil)
		ann, bob, cat := w.ann, w.bob, w.cat // steward, member, outsider of go-guild
		dan := w.ts.member("Dan")
		dan.join("go-guild")
		anon := w.ts.client()
		page := "/s/go-guild/purpose"

		// The purpose first; a member may propose; the history has version 1.
		doc, text := purposePageDoc(t, bob, page, http.StatusOK)
		pos := docOrder(doc, "header.space-head", "section.purpose", "section#propose", "section#history")
		if pos[0] < 0 || pos[0] >= pos[1] || pos[1] >= pos[2] || pos[2] >= pos[3] {
			t.Fatalf("page order %v: want the purpose first, then proposing, then the history", pos)
		}
		form := `section#propose form[action="/s/go-guild/purpose/proposals"]`
		for _, sel := range []string{form + ` textarea[name=text][minlength="20"][maxlength="2000"][required]`, form + ` textarea[name=rationale][maxlength="2000"][required]`,
			`#history li#version-1`, `#history li#version-1 .tag`} {
			if doc.Find(sel).Length() != 1 {
				t.Fatalf("bob's page lacks %s: %s", sel, text)
			}
		}
		for _, s := range []string{"Version 1", "founded", "You affirmed version 1", "at least 3 members respond", "7 days"} {
			if !strings.Contains(text, s) {
				t.Fatalf("bob's page lacks %q: %s", s, text)
			}
		}
		if doc.Find("#proposal, #reaffirm").Length() != 0 {
			t.Fatal("proposal or re-affirmation shown with none open")
		}
		doc, text = purposePageDoc(t, cat, page, http.StatusOK)
		if doc.Find("#propose, form[action$=\"/responses\"]").Length() != 0 || strings.Contains(text, "You affirmed") {
			t.Fatalf("a non-member is offered to propose: %s", text)
		}
		if r := anon.getPage(page); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Fatalf("a visitor is not sent to sign in: %d %s", r.Status, r.Header.Get("Location"))
		}

		// A refused proposal comes back with what was typed.
		doc, text = purposeFormDoc(t, bob, page+"/proposals", map[string]string{"text": "Too short to be one", "rationale": "Because <b>reasons</b>."}, http.StatusUnprocessableEntity)
		if !strings.Contains(doc.Find(`#propose [role=alert]`).Text(), "at least 20 characters") ||
			doc.Find(`#propose textarea[name=text]`).Text() != "Too short to be one" || doc.Find(`#propose textarea[name=rationale]`).Text() != "Because <b>reasons</b>." {
			t.Fatalf("refused proposal: %s", text)
		}
		purposeFormDoc(t, bob, page+"/proposals", map[string]string{"text": proposedPurpose}, http.StatusUnprocessableEntity)
		purposeFormDoc(t, cat, page+"/proposals", map[string]string{"text": proposedPurpose, "rationale": proposalRationale}, http.StatusForbidden)
		purposeFormDoc(t, anon, page+"/proposals", map[string]string{"text": proposedPurpose, "rationale": proposalRationale}, http.StatusUnauthorized)
		purposeFormDoc(t, cat, "/s/secret/purpose/proposals", map[string]string{"text": proposedPurpose, "rationale": proposalRationale}, http.StatusNotFound)

		// Bob proposes; the page shows it with its counts, window and thread.
		if _, loc := purposeFormDoc(t, bob, page+"/proposals", map[string]string{"text": proposedPurpose, "rationale": proposalRationale}, http.StatusSeeOther); loc != page+"#proposal" {
			t.Fatalf("proposing redirects to %q", loc)
		}
		pid := bob.do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK).int("proposal", "id")
		tid := bob.do("GET", "/api/v1/purpose-proposals/"+itoa(pid), nil).want(http.StatusOK).int("proposal", "thread_id")
		respond := fmt.Sprintf("/purpose-proposals/%d/responses", pid)
		doc, text = purposePageDoc(t, ann, page, http.StatusOK)
		if got := strings.TrimSpace(doc.Find("#proposal blockquote.proposed").Text()); got != proposedPurpose {
			t.Fatalf("the proposal shows %q", got)
		}
		for _, s := range []string{proposalRationale, "Proposed by Bob", "0 consent", "0 object", "0 of 3 members responded", "You have not responded yet."} {
			if !strings.Contains(text, s) {
				t.Fatalf("the open proposal lacks %q: %s", s, text)
			}
		}
		for _, sel := range []string{`#proposal time.closes[datetime]`, fmt.Sprintf(`#proposal a.discussion[href="/t/%d"]`, tid),
			`#proposal form[action="` + respond + `"] button[name=consent][value=yes]`, `#proposal form[action="` + respond + `"] button[name=consent][value=no]`} {
			if doc.Find(sel).Length() != 1 {
				t.Fatalf("the open proposal lacks %s", sel)
			}
		}
		if doc.Find("#propose").Length() != 0 {
			t.Fatal("a second proposal is offered while one is open")
		}
		// Non-members read it but cannot respond; where they may not read, nothing shows.
		doc, text = purposePageDoc(t, cat, page, http.StatusOK)
		if !strings.Contains(text, proposedPurpose) || doc.Find(`form[action="`+respond+`"]`).Length() != 0 {
			t.Fatalf("non-member's view of the open proposal: %s", text)
		}
		purposeFormDoc(t, cat, respond, map[string]string{"consent": "yes"}, http.StatusForbidden)
		purposeFormDoc(t, anon, respond, map[string]string{"consent": "yes"}, http.StatusUnauthorized)
		_, text = purposeFormDoc(t, ann, page+"/proposals", map[string]string{"text": "Yet another purpose, while one is open.", "rationale": "Because."}, http.StatusConflict)
		if !strings.Contains(text, "is open; respond to it") {
			t.Fatalf("a second proposal: %s", text)
		}
		_, text = purposeFormDoc(t, ann, respond, map[string]string{"consent": "maybe"}, http.StatusUnprocessableEntity)
		if !strings.Contains(text, "Choose Consent or Object.") {
			t.Fatalf("a response that is neither: %s", text)
		}
		if r := anon.getPage(fmt.Sprintf("/purpose-proposals/%d", pid)); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Fatalf("a visitor follows a proposal's link: %d %s", r.Status, r.Header.Get("Location"))
		}
		if r := ann.getPage(fmt.Sprintf("/purpose-proposals/%d", pid)); r.Status != http.StatusSeeOther || r.Header.Get("Location") != page+"#proposal" {
			t.Fatalf("the proposal's link: %d %s", r.Status, r.Header.Get("Location"))
		}

		// Responding; the last response counts.
		purposeFormDoc(t, ann, respond, map[string]string{"consent": "no"}, http.StatusSeeOther)
		purposeFormDoc(t, ann, respond, map[string]string{"consent": "yes"}, http.StatusSeeOther)
		_, text = purposePageDoc(t, ann, page, http.StatusOK)
		if !strings.Contains(text, "You consented.") || !strings.Contains(text, "1 consent") || !strings.Contains(text, "0 object") {
			t.Fatalf("after ann consented: %s", text)
		}
		purposeFormDoc(t, bob, respond, map[string]string{"consent": "yes"}, http.StatusSeeOther)
		purposeFormDoc(t, dan, respond, map[string]string{"consent": "yes"}, http.StatusSeeOther) // every member: adopted

		// Adopted: the new purpose is version 2, the old one is in the history,
		// and each member may re-affirm or leave in one action.
		doc, text = purposePageDoc(t, bob, page, http.StatusOK)
		if got := strings.TrimSpace(doc.Find("section.purpose blockquote").Text()); got != proposedPurpose {
			t.Fatalf("the purpose shown is %q", got)
		}
		for _, s := range []string{"version 2", "Version 2", "adopted", "Adopted by consent", "3 consent, 0 object, 3 of 3 members responded", "Version 1", testPurpose,
			"The purpose of Go-guild has changed", "You affirmed version 1"} {
			if !strings.Contains(text, s) {
				t.Fatalf("after adoption the page lacks %q: %s", s, text)
			}
		}
		for _, sel := range []string{`#reaffirm form[action="/s/go-guild/purpose/affirm"] input[name=affirm_purpose_version][value="2"]`,
			`#reaffirm form[action="/s/go-guild/purpose/affirm"] button:contains("Affirm the new purpose")`,
			`#reaffirm form[action="/s/go-guild/leave"] button`, `#history li#version-2 #proposal-` + itoa(pid), `#history li#version-1`, `section#propose`} {
			if doc.Find(sel).Length() != 1 {
				t.Fatalf("after adoption the page lacks %s", sel)
			}
		}
		if pos := docOrder(doc, "#history li#version-2", "#history li#version-1"); pos[0] > pos[1] {
			t.Fatal("the history is not newest first")
		}
		purposeFormDoc(t, ann, respond, map[string]string{"consent": "no"}, http.StatusConflict)
		if r := ann.getPage(fmt.Sprintf("/purpose-proposals/%d", pid)); r.Header.Get("Location") != page+"#proposal-"+itoa(pid) {
			t.Fatalf("a closed proposal's link: %s", r.Header.Get("Location"))
		}

		// Bob re-affirms in one action; a stale version is refused.
		_, text = purposeFormDoc(t, bob, page+"/affirm", map[string]string{"affirm_purpose_version": "1"}, http.StatusUnprocessableEntity)
		if !strings.Contains(text, "Read and affirm the current purpose of Go-guild (version 2)") {
			t.Fatalf("a stale affirmation: %s", text)
		}
		purposeFormDoc(t, bob, page+"/affirm", map[string]string{"affirm_purpose_version": "2"}, http.StatusSeeOther)
		doc, text = purposePageDoc(t, bob, page, http.StatusOK)
		if doc.Find("#reaffirm").Length() != 0 || !strings.Contains(text, "You affirmed version 2") {
			t.Fatalf("after re-affirming: %s", text)
		}
		purposeFormDoc(t, cat, page+"/affirm", map[string]string{"affirm_purpose_version": "2"}, http.StatusForbidden)
		// Dan leaves in one action.
		purposeFormDoc(t, dan, "/s/go-guild/leave", nil, http.StatusSeeOther)
		if dan.do("GET", "/api/v1/spaces/go-guild", nil).want(http.StatusOK).get("space", "is_member") != false {
			t.Fatal("dan is still a member")
		}
		// A join with the old version is refused, on the page too.
		_, text = purposeFormDoc(t, cat, "/s/go-guild/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}, http.StatusUnprocessableEntity)
		if !strings.Contains(text, "version 2") {
			t.Fatalf("joining with version 1: %s", text)
		}

		// A declined proposal is kept in the history with why.
		purposeFormDoc(t, ann, page+"/proposals", map[string]string{"text": "A purpose the members will not have.", "rationale": "To try."}, http.StatusSeeOther)
		did := ann.do("GET", "/api/v1/spaces/go-guild/purpose", nil).want(http.StatusOK).int("proposal", "id")
		purposeFormDoc(t, ann, fmt.Sprintf("/purpose-proposals/%d/responses", did), map[string]string{"consent": "yes"}, http.StatusSeeOther)
		purposeFormDoc(t, bob, fmt.Sprintf("/purpose-proposals/%d/responses", did), map[string]string{"consent": "no"}, http.StatusSeeOther)
		doc, text = purposePageDoc(t, bob, page, http.StatusOK)
		if doc.Find("#history li.declined#proposal-"+itoa(did)).Length() != 1 || !strings.Contains(text, "Declined: fewer than 3 members responded") ||
			!strings.Contains(text, "A purpose the members will not have.") || !strings.Contains(text, "1 consent, 1 object, 2 of 2 members responded") {
			t.Fatalf("the declined proposal in the history: %s", text)
		}
		if got := strings.TrimSpace(doc.Find("section.purpose blockquote").Text()); got != proposedPurpose {
			t.Fatalf("a declined proposal changed the purpose to %q", got)
		}
		if pos := docOrder(doc, "#history li.declined", "#history li#version-2"); pos[0] > pos[1] {
			t.Fatal("the declined proposal is not listed first (newest)")
		}
		// People who may not read a space see its purpose history but no proposals.
		w.ann.do("POST", "/api/v1/spaces/ask/purpose/proposals", proposalBody).want(http.StatusCreated)
		doc, text = purposePageDoc(t, cat, "/s/ask/purpose", http.StatusOK)
		if strings.Contains(text, proposedPurpose) || doc.Find("#proposal").Length() != 0 || !strings.Contains(text, "Version 1") {
			t.Fatalf("an outsider's view of a request space's purpose: %s", text)
		}
	})
}

// TestPurposeFormsNeedCSRF: the forms of purpose by consent are refused
// without the session's token and change nothing.
func TestPurposeFormsNeedCSRF(t *testing.T) {
	w := newPageWorld(t, models.SQLite, nil)
	pid := w.ann.do("POST", "/api/v1/spaces/go-guild/purpose/proposals", proposalBody).want(http.StatusCreated).int("proposal", "id")
	db := storetest.MustRawSQL(t, w.ts.Cfg.DatabaseURL)
	before := purposeState(t, db)
	for _, p := range []struct {
		path string
		form map[string]string
	}{
		{"/s/go-guild/purpose/proposals", map[string]string{"text": proposedPurpose, "rationale": "forged"}},
		{fmt.Sprintf("/purpose-proposals/%d/responses", pid), map[string]string{"consent": "yes"}},
		{"/s/go-guild/purpose/affirm", map[string]string{"affirm_purpose_version": "1"}},
	} {
		c := w.bob.withT(t)
		c.csrf = ""
		r := c.form(p.path, p.form)
		if r.Status != http.StatusForbidden || !strings.Contains(pageText(checkPageSafety(t, p.path, r, nil)), "CSRF token") {
			t.Fatalf("POST %s without the token: %d", p.path, r.Status)
		}
	}
	if after := purposeState(t, db); after != before {
		t.Fatalf("forms without a token changed what is stored:\n%s", diffLines(before, after))
	}
}
