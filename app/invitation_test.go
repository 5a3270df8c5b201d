package app_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// invitationRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var invitationRoutesCovered = []string{
	"POST /spaces/:slug/invitations",
	"GET /spaces/:slug/invitations",
	"GET /invitations",
	"POST /invitations/:id/accept",
	"POST /invitations/:id/decline",
	"POST /invitations/:id/withdraw",
	"GET /members",
	"POST /spaces/:slug/successor",
}

// invState describes what this feature's acts change, beyond storedState:
// invitations, notifications and the links between spaces.
func invState(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(storedState(t, db))
	for _, q := range []string{
		"SELECT id, space_id, inviter_id, invitee_id, status, answered_at IS NULL FROM invitations ORDER BY id",
		"SELECT id, predecessor_id, successor_id FROM spaces ORDER BY id",
		"SELECT count(*) FROM notifications",
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%q ", v.String)
			}
			b.WriteByte('\n')
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// rawExec runs SQL written with ? placeholders on either database.
func rawExec(t testing.TB, db *sql.DB, d models.Dialect, query string, args ...any) {
	t.Helper()
	if d == models.Postgres {
		n := 0
		var b strings.Builder
		for _, r := range query {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		query = b.String()
	}
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// invite invites a person through the API and returns the invitation's id.
func (c *client) invite(slug string, who *client) int64 {
	c.t.Helper()
	return c.do("POST", "/api/v1/spaces/"+slug+"/invitations", map[string]any{"member_id": who.ID}).want(http.StatusCreated).int("invitation", "id")
}

var (
	invNotSteward   = authzWant{http.StatusForbidden, models.CodeNotSteward}
	invAnswerable   = [6]authzWant{wSignIn, wOK, wNotFound, wNotFound, wNotFound, wNotFound} // the invitee is the non-member
	invSignedIn     = [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}
	invByMember     = [6]authzWant{wSignIn, wNotFound, wOK, wNotFound, wOK, wNotFound} // the member sent it
	invBySteward    = [6]authzWant{wSignIn, wNotFound, wForbidden, wNotFound, wOK, wNotFound}
	invInviteOpen   = [6]authzWant{wSignIn, wNotMember, wCreated, wNotMember, wCreated, wNotMember}
	invSuccessor    = [6]authzWant{wSignIn, invNotSteward, invNotSteward, invNotSteward, wCreated, invNotSteward}
	invSuccessorHid = [6]authzWant{wSignIn, wNotFound, invNotSteward, wNotFound, wCreated, wNotFound}
)

// invRow is one route of this file's matrix on one visibility. req gives,
// for each actor, the path (under /api/v1) and the body, making what that
// cell acts on where it needs its own.
type invRow struct {
	route string
	vis   string
	req   func(t *testing.T, w *invAuthzWorld, who int) (string, any)
	want  [len(authzActors)]authzWant
}

// invAuthzWorld is authzWorld (see newAuthzWorld: Nia belongs to nothing,
// Mia is a member of every space, Oli stewards another space, Sam stewards
// these, Ada is an admin) with fresh people to invite.
type invAuthzWorld struct {
	*authzWorld
	n      int
	shared map[string]int64 // invitations that every cell of a row acts on
}

func (w *invAuthzWorld) fresh() *client {
	w.n++
	return w.ts.member(fmt.Sprintf("Pat Person %d", w.n))
}

func invRows() []invRow {
	var rows []invRow
	pick := func(vis string, visible, hidden [6]authzWant) [6]authzWant {
		if vis == "invite" {
			return hidden
		}
		return visible
	}
	slugOf := func(vis string) string { return vis + "-space" }
	for _, vis := range []string{"open", "request", "invite"} {
		slug := slugOf(vis)
		rows = append(rows,
			invRow{route: "GET /spaces/:slug/invitations", vis: vis, want: pick(vis, membersOnly, hiddenExcept),
				req: func(*testing.T, *invAuthzWorld, int) (string, any) { return "/spaces/" + slug + "/invitations", nil }},
			invRow{route: "POST /spaces/:slug/invitations", vis: vis, want: pick(vis, invInviteOpen, hiddenWrite),
				req: func(t *testing.T, w *invAuthzWorld, _ int) (string, any) {
					return "/spaces/" + slug + "/invitations", map[string]any{"member_id": w.fresh().ID}
				}},
			// Only the invitee (Nia) answers; the invitation is the row's own,
			// so that the cells after hers find it answered and still not theirs.
			invRow{route: "POST /invitations/:id/accept", vis: vis, want: invAnswerable,
				req: func(t *testing.T, w *invAuthzWorld, _ int) (string, any) {
					return "/invitations/" + itoa(w.sharedInvitation("accept "+slug, slug)) + "/accept", map[string]any{"affirm_purpose_version": 1}
				}},
			invRow{route: "POST /invitations/:id/decline", vis: vis, want: invAnswerable,
				req: func(t *testing.T, w *invAuthzWorld, _ int) (string, any) {
					return "/invitations/" + itoa(w.sharedInvitation("decline "+slug, slug)) + "/decline", nil
				}},
			// Withdrawing: the inviter and the space's stewards, each cell on
			// an invitation of its own.
			invRow{route: "POST /invitations/:id/withdraw", vis: vis, want: invByMember,
				req: func(t *testing.T, w *invAuthzWorld, _ int) (string, any) {
					return "/invitations/" + itoa(w.actors[2].withT(t).invite(slug, w.fresh())) + "/withdraw", nil
				}},
			invRow{route: "POST /invitations/:id/withdraw", vis: vis, want: invBySteward,
				req: func(t *testing.T, w *invAuthzWorld, _ int) (string, any) {
					return "/invitations/" + itoa(w.actors[4].withT(t).invite(slug, w.fresh())) + "/withdraw", nil
				}},
		)
	}
	rows = append(rows,
		invRow{route: "GET /invitations", want: invSignedIn, req: func(*testing.T, *invAuthzWorld, int) (string, any) { return "/invitations", nil }},
		invRow{route: "GET /members", want: invSignedIn, req: func(*testing.T, *invAuthzWorld, int) (string, any) { return "/members?q=mia", nil }},
	)
	// Successors last: each space takes one.
	for _, vis := range []string{"open", "request", "invite"} {
		slug := slugOf(vis)
		rows = append(rows, invRow{route: "POST /spaces/:slug/successor", vis: vis, want: pick(vis, invSuccessor, invSuccessorHid),
			req: func(_ *testing.T, _ *invAuthzWorld, who int) (string, any) {
				return "/spaces/" + slug + "/successor", map[string]any{"slug": fmt.Sprintf("next-%s-%d", vis, who), "name": "Next", "purpose": testPurpose, "visibility": "invite"}
			}})
	}
	return rows
}

// sharedInvitation is Mia's invitation of Nia to the space, made once per key.
func (w *invAuthzWorld) sharedInvitation(key, slug string) int64 {
	if id, ok := w.shared[key]; ok {
		return id
	}
	id := w.actors[2].invite(slug, w.actors[1])
	w.shared[key] = id
	return id
}

// TestInvitationAuthorizationMatrix runs every route of this feature for
// every actor on spaces of each visibility. Refused cells change nothing; an
// accepted invitation makes a membership only for the invitee, who leaves
// again; admins have no power to answer for anyone.
func TestInvitationAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := &invAuthzWorld{authzWorld: newAuthzWorld(t, d, nil), shared: map[string]int64{}}
		for _, row := range invRows() {
			for i := range authzActors {
				t.Run(fmt.Sprintf("%s/%s/%s", row.route, row.vis, authzActors[i]), func(t *testing.T) {
					path, body := row.req(t, w, i)
					method, _, _ := strings.Cut(row.route, " ")
					before := invState(t, w.db)
					r := w.actors[i].withT(t).do(method, "/api/v1"+path, body)
					wantCell(t, r, row.want[i])
					if r.Status >= 400 {
						if after := invState(t, w.db); after != before {
							t.Fatalf("a refused request changed what is stored:\n%s", diffLines(before, after))
						}
						return
					}
					switch {
					case strings.HasSuffix(path, "/accept"):
						if got := r.int("membership", "member_id"); got != w.actors[i].ID {
							t.Fatalf("%s accepted, and member %d joined", authzActors[i], got)
						}
						w.actors[i].withT(t).do("POST", "/api/v1/spaces/"+row.vis+"-space/leave", nil).want(http.StatusOK)
					case method == "POST" && strings.HasSuffix(path, "/invitations"):
						if r.str("invitation", "status") != "pending" || r.int("invitation", "inviter", "id") != w.actors[i].ID {
							t.Fatalf("invitation: %s", r.Body)
						}
					case strings.HasSuffix(path, "/withdraw"):
						if r.str("invitation", "status") != "withdrawn" {
							t.Fatalf("withdraw: %s", r.Body)
						}
					}
				})
			}
		}
		// Nobody but the people who joined by their own act ever held a
		// membership: Nia accepted and left; Pat and the rest were only invited.
		var n int
		if err := w.db.QueryRow("SELECT COUNT(*) FROM memberships m JOIN members p ON p.id = m.member_id WHERE p.name LIKE 'Pat Person%' OR p.name = 'Nia Outsider' OR p.name = 'Ada Admin'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d memberships of people who did not join (%v)", n, err)
		}
	})
}

// invitationBadInputs are the refused requests of this feature's routes; the
// fixture is newInvInputFixture. Placeholders: {inv} (Ann's pending
// invitation of Dan to go-guild), {ann}, {bob}, {cat}, {dan}.
var invitationBadInputs = []badInput{
	// POST /spaces/:slug/invitations (Bob is a member of go-guild)
	{what: "no fields", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{}`, status: 422, code: models.CodeInvalid, field: "member_id"},
	{what: "null member_id", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":null}`, status: 422, code: models.CodeInvalid, field: "member_id"},
	{what: "member_id as a string", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":"{cat}"}`, status: 400, code: "bad_request", field: "member_id"},
	{what: "member_id a fraction", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":1.5}`, status: 400, code: "bad_request", field: "member_id"},
	{what: "member_id a boolean", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":true}`, status: 400, code: "bad_request", field: "member_id"},
	{what: "member_id a list", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":[{cat}]}`, status: 400, code: "bad_request", field: "member_id"},
	{what: "member_id past int64", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":99999999999999999999}`, status: 400, code: "bad_request", field: "member_id"},
	{what: "negative member_id", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":-3}`, status: 422, code: models.CodeInvalid, field: "member_id"},
	{what: "unknown member", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":987654}`, status: 404, code: models.CodeNotFound, field: "member_id"},
	{what: "yourself", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":{bob}}`, status: 422, code: models.CodeInvalid, field: "member_id"},
	{what: "a member", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":{ann}}`, status: 409, code: models.CodeAlreadyMember},
	{what: "a person already invited", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":{dan}}`, status: 409, code: models.CodeInvitationPending},
	{what: "body is a list", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: `[{"member_id":{cat}}]`, status: 400, code: "bad_request"},
	{what: "no body", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", status: 400, code: "bad_request"},
	{what: "not JSON", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: notJSON, status: 400, code: "bad_request"},
	{what: "form-encoded", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: "member_id={cat}", ctype: "application/x-www-form-urlencoded", status: 400, code: "bad_request"},
	{what: "oversizeBody", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: oversizeBody, status: 413, code: "too_large"},
	{what: "oversizeBody, chunked", as: "bob", method: "POST", path: "/spaces/go-guild/invitations", body: oversizeBody, chunked: true, status: 413, code: "too_large"},
	{what: "unknown slug", as: "bob", method: "POST", path: "/spaces/no-such-space/invitations", body: `{"member_id":{cat}}`, status: 404, code: models.CodeNotFound},
	{what: "not a member", as: "cat", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":{dan}}`, status: 403, code: models.CodeNotMember},
	{what: "a hidden space", as: "cat", method: "POST", path: "/spaces/secret/invitations", body: `{"member_id":{dan}}`, status: 404, code: models.CodeNotFound},
	{what: "not signed in", as: "anon", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":{cat}}`, status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/spaces/go-guild/invitations", body: `{"member_id":{cat}}`, status: 401, code: models.CodeUnauthorized},

	// GET /spaces/:slug/invitations
	{what: "unknown slug", as: "bob", method: "GET", path: "/spaces/no-such-space/invitations", status: 404, code: models.CodeNotFound},
	{what: "limit zero", as: "bob", method: "GET", path: "/spaces/go-guild/invitations?limit=0", status: 422, code: models.CodeInvalid, field: "limit"},
	{what: "cursor not JSON", as: "bob", method: "GET", path: "/spaces/go-guild/invitations?cursor=bm90IGpzb24", status: 422, code: models.CodeInvalid, field: "cursor"},
	{what: "cursor with a negative id", as: "bob", method: "GET", path: "/spaces/go-guild/invitations?cursor=" + cursorOf(`{"i":-1}`), status: 422, code: models.CodeInvalid, field: "cursor"},
	{what: "not a member", as: "cat", method: "GET", path: "/spaces/go-guild/invitations", status: 403, code: models.CodeNotMember},
	{what: "not signed in", as: "anon", method: "GET", path: "/spaces/go-guild/invitations", status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "GET", path: "/spaces/go-guild/invitations", status: 401, code: models.CodeUnauthorized},

	// GET /invitations
	{what: "limit is a word", as: "dan", method: "GET", path: "/invitations?limit=all", status: 422, code: models.CodeInvalid, field: "limit"},
	{what: "cursor not base64", as: "dan", method: "GET", path: "/invitations?cursor=%21%21", status: 422, code: models.CodeInvalid, field: "cursor"},
	{what: "cursor a JSON list", as: "dan", method: "GET", path: "/invitations?cursor=" + cursorOf(`[1]`), status: 422, code: models.CodeInvalid, field: "cursor"},
	{what: "not signed in", as: "anon", method: "GET", path: "/invitations", status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "GET", path: "/invitations", status: 401, code: models.CodeUnauthorized},

	// GET /members
	{what: "no q", as: "bob", method: "GET", path: "/members", status: 422, code: models.CodeInvalid, field: "q"},
	{what: "blank q", as: "bob", method: "GET", path: "/members?q=%20%20", status: 422, code: models.CodeInvalid, field: "q"},
	{what: "q too long", as: "bob", method: "GET", path: "/members?q=" + strings.Repeat("q", 101), status: 422, code: models.CodeInvalid, field: "q"},
	{what: "limit negative", as: "bob", method: "GET", path: "/members?q=a&limit=-1", status: 422, code: models.CodeInvalid, field: "limit"},
	{what: "cursor not JSON", as: "bob", method: "GET", path: "/members?q=a&cursor=bm90IGpzb24", status: 422, code: models.CodeInvalid, field: "cursor"},
	{what: "not signed in", as: "anon", method: "GET", path: "/members?q=bob", status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "GET", path: "/members?q=bob", status: 401, code: models.CodeUnauthorized},

	// POST /invitations/:id/accept (Dan is the invitee)
	{what: "no body", as: "dan", method: "POST", path: "/invitations/{inv}/accept", status: 400, code: "bad_request"},
	{what: "no version", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: `{}`, status: 422, code: models.CodePurposeNotAffirmed, field: "affirm_purpose_version"},
	{what: "null version", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":null}`, status: 422, code: models.CodePurposeNotAffirmed, field: "affirm_purpose_version"},
	{what: "version not yet adopted", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":2}`, status: 422, code: models.CodePurposeNotAffirmed, field: "affirm_purpose_version"},
	{what: "version as a string", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":"1"}`, status: 400, code: "bad_request", field: "affirm_purpose_version"},
	{what: "version a fraction", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":1.5}`, status: 400, code: "bad_request", field: "affirm_purpose_version"},
	{what: "not JSON", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: notJSON, status: 400, code: "bad_request"},
	{what: "text/plain", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":1}`, ctype: "text/plain", status: 400, code: "bad_request"},
	{what: "oversizeBody", as: "dan", method: "POST", path: "/invitations/{inv}/accept", body: oversizeBody, status: 413, code: "too_large"},
	{what: "id is a word", as: "dan", method: "POST", path: "/invitations/mine/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "id zero", as: "dan", method: "POST", path: "/invitations/0/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "id negative", as: "dan", method: "POST", path: "/invitations/-1/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "id past int64", as: "dan", method: "POST", path: "/invitations/99999999999999999999/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "unknown id", as: "dan", method: "POST", path: "/invitations/987654/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "someone else's", as: "cat", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "the inviter's", as: "ann", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":1}`, status: 404, code: models.CodeNotFound},
	{what: "not signed in", as: "anon", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":1}`, status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/invitations/{inv}/accept", body: `{"affirm_purpose_version":1}`, status: 401, code: models.CodeUnauthorized},

	// POST /invitations/:id/decline
	{what: "id is a word", as: "dan", method: "POST", path: "/invitations/x/decline", status: 404, code: models.CodeNotFound},
	{what: "unknown id", as: "dan", method: "POST", path: "/invitations/987654/decline", status: 404, code: models.CodeNotFound},
	{what: "someone else's", as: "cat", method: "POST", path: "/invitations/{inv}/decline", status: 404, code: models.CodeNotFound},
	{what: "the inviter's", as: "ann", method: "POST", path: "/invitations/{inv}/decline", status: 404, code: models.CodeNotFound},
	{what: "not signed in", as: "anon", method: "POST", path: "/invitations/{inv}/decline", status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/invitations/{inv}/decline", status: 401, code: models.CodeUnauthorized},

	// POST /invitations/:id/withdraw
	{what: "id is a word", as: "ann", method: "POST", path: "/invitations/x/withdraw", status: 404, code: models.CodeNotFound},
	{what: "unknown id", as: "ann", method: "POST", path: "/invitations/987654/withdraw", status: 404, code: models.CodeNotFound},
	{what: "a non-member", as: "cat", method: "POST", path: "/invitations/{inv}/withdraw", status: 404, code: models.CodeNotFound},
	{what: "the invitee", as: "dan", method: "POST", path: "/invitations/{inv}/withdraw", status: 403, code: models.CodeForbidden},
	{what: "a member who did not invite", as: "bob", method: "POST", path: "/invitations/{inv}/withdraw", status: 403, code: models.CodeForbidden},
	{what: "not signed in", as: "anon", method: "POST", path: "/invitations/{inv}/withdraw", status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/invitations/{inv}/withdraw", status: 401, code: models.CodeUnauthorized},

	// POST /spaces/:slug/successor (Ann stewards go-guild)
	{what: "no fields", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{}`, status: 422, code: models.CodeInvalid, field: "slug"},
	{what: "no name", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","purpose":"` + testPurpose + `"}`, status: 422, code: models.CodeInvalid, field: "name"},
	{what: "no purpose", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next"}`, status: 422, code: models.CodeInvalid, field: "purpose"},
	{what: "purpose of 19 characters", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next","purpose":"` + strings.Repeat("p", 19) + `"}`, status: 422, code: models.CodeInvalid, field: "purpose"},
	{what: "purpose of 2,001 characters", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next","purpose":"` + strings.Repeat("p", 2001) + `"}`, status: 422, code: models.CodeInvalid, field: "purpose"},
	{what: "unknown visibility", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next","purpose":"` + testPurpose + `","visibility":"secret"}`, status: 422, code: models.CodeInvalid, field: "visibility"},
	{what: "slug in capitals", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"Next","name":"Next","purpose":"` + testPurpose + `"}`, status: 422, code: models.CodeInvalid, field: "slug"},
	{what: "taken slug", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"secret","name":"Next","purpose":"` + testPurpose + `"}`, status: 409, code: models.CodeSlugTaken, field: "slug"},
	{what: "the space's own slug", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"go-guild","name":"Next","purpose":"` + testPurpose + `"}`, status: 409, code: models.CodeSlugTaken, field: "slug"},
	{what: "name is a number", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":5,"purpose":"` + testPurpose + `"}`, status: 400, code: "bad_request", field: "name"},
	{what: "not JSON", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: notJSON, status: 400, code: "bad_request"},
	{what: "oversizeBody", as: "ann", method: "POST", path: "/spaces/go-guild/successor", body: oversizeBody, status: 413, code: "too_large"},
	{what: "unknown slug", as: "ann", method: "POST", path: "/spaces/no-such-space/successor", body: `{"slug":"next","name":"Next","purpose":"` + testPurpose + `"}`, status: 404, code: models.CodeNotFound},
	{what: "a member, not a steward", as: "bob", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next","purpose":"` + testPurpose + `"}`, status: 403, code: models.CodeNotSteward},
	{what: "a non-steward with bad input", as: "bob", method: "POST", path: "/spaces/go-guild/successor", body: `{}`, status: 403, code: models.CodeNotSteward},
	{what: "a hidden space", as: "cat", method: "POST", path: "/spaces/secret/successor", body: `{"slug":"next","name":"Next","purpose":"` + testPurpose + `"}`, status: 404, code: models.CodeNotFound},
	{what: "not signed in", as: "anon", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next","purpose":"` + testPurpose + `"}`, status: 401, code: models.CodeUnauthorized},
	{what: "bad bearer token", as: "badtoken", method: "POST", path: "/spaces/go-guild/successor", body: `{"slug":"next","name":"Next","purpose":"` + testPurpose + `"}`, status: 401, code: models.CodeUnauthorized},
}

// TestInvitationBadInput sends every row of invitationBadInputs and checks
// the status, the error shape and its field, and that nothing stored changed.
func TestInvitationBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, func(c *app.Config) { c.MaxBodyBytes = 4096 })
		ann, bob, cat, dan := ts.member("Ann"), ts.member("Bob"), ts.member("Cat"), ts.member("Dan")
		ann.space("go-guild", "open")
		ann.space("secret", "invite")
		bob.join("go-guild")
		inv := ann.invite("go-guild", dan)
		bad := ts.client()
		bad.bearer = "kith_" + strings.Repeat("A", 43)
		people := map[string]*client{"ann": ann, "bob": bob, "cat": cat, "dan": dan, "badtoken": bad}
		ids := strings.NewReplacer("{inv}", itoa(inv), "{ann}", itoa(ann.ID), "{bob}", itoa(bob.ID), "{cat}", itoa(cat.ID), "{dan}", itoa(dan.ID))
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		before := invState(t, db)
		for _, row := range invitationBadInputs {
			t.Run(row.method+" "+row.path+": "+row.what, func(t *testing.T) {
				c := people[row.as]
				if row.as == "anon" {
					c = ts.client()
				}
				r := c.withT(t).sendBody(row.method, "/api/v1"+ids.Replace(row.path), ids.Replace(row.body), row.ctype, row.chunked)
				if after := invState(t, db); after != before {
					t.Errorf("a refused request changed what is stored:\n%s", diffLines(before, after))
					before = after
				}
				wantContractError(t, r, row.status, row.code, row.field)
			})
		}
	})
}

// TestInvitationFlowAPI is the invite flow through the API: Ann, steward of
// an invite-only space, finds Bob by name and invites him; Bob sees the
// invitation and the space's purpose, but nothing inside it; he accepts by
// affirming the purpose and reads the space.
func TestInvitationFlowAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann, bob, cat := ts.member("Ann"), ts.member("Bob Stone"), ts.member("Cat")
		ann.space("secret", "invite")
		tid, _ := ann.thread("secret", "Secret plans")

		// Finding people: names and ids, never emails.
		r := ann.do("GET", "/api/v1/members?q=STON", nil).want(http.StatusOK)
		found := r.list("members")
		if len(found) != 1 || jsonAt(found[0], "id") != float64(bob.ID) || jsonAt(found[0], "name") != "Bob Stone" || len(found[0].(map[string]any)) != 2 {
			t.Fatalf("search: %s", r.Body)
		}
		if strings.Contains(r.Body, "@") {
			t.Fatalf("the search shows an email: %s", r.Body)
		}
		if got := ann.do("GET", "/api/v1/members?q=bob.stone@example.com", nil).want(http.StatusOK).list("members"); len(got) != 1 {
			t.Fatalf("an exact email finds %v", got)
		}
		if got := ann.do("GET", "/api/v1/members?q=%25", nil).want(http.StatusOK).list("members"); len(got) != 0 {
			t.Fatalf("%% is taken as a wildcard: %v", got)
		}

		bob.do("GET", "/api/v1/spaces/secret", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		r = ann.do("POST", "/api/v1/spaces/secret/invitations", map[string]any{"member_id": bob.ID}).want(http.StatusCreated)
		id := r.int("invitation", "id")
		inv := r.JSON["invitation"].(map[string]any)
		var keys []string
		for k := range inv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, " ") != "created_at expires_at id invitee inviter space status" {
			t.Fatalf("invitation keys %v", keys)
		}
		if jsonAt(inv, "space.slug") != "secret" || jsonAt(inv, "space.name") != "Secret" || jsonAt(inv, "space.purpose.text") != testPurpose ||
			jsonAt(inv, "space.purpose.version") != float64(1) || jsonAt(inv, "inviter.id") != float64(ann.ID) || jsonAt(inv, "inviter.name") != "Ann" ||
			jsonAt(inv, "invitee.id") != float64(bob.ID) || jsonAt(inv, "invitee.name") != "Bob Stone" || jsonAt(inv, "status") != "pending" {
			t.Fatalf("invitation: %s", r.Body)
		}
		created, _ := time.Parse(time.RFC3339, r.str("invitation", "created_at"))
		expires, _ := time.Parse(time.RFC3339, r.str("invitation", "expires_at"))
		if got := expires.Sub(created); got != 30*24*time.Hour {
			t.Fatalf("the invitation is open for %v, want 30 days", got)
		}

		// Bob is told, sees the invitation and the space's purpose, and
		// reads nothing inside yet.
		notes := bob.do("GET", "/api/v1/notifications", nil).want(http.StatusOK).list("notifications")
		if len(notes) != 1 || jsonAt(notes[0], "kind") != models.NoticeInvitation || jsonAt(notes[0], "data.invitation_id") != float64(id) ||
			jsonAt(notes[0], "data.inviter.name") != "Ann" || jsonAt(notes[0], "data.space.slug") != "secret" {
			t.Fatalf("bob's notifications: %v", notes)
		}
		mine := bob.do("GET", "/api/v1/invitations", nil).want(http.StatusOK)
		if l := mine.list("invitations"); len(l) != 1 || jsonAt(l[0], "id") != float64(id) || jsonAt(l[0], "space.purpose.text") != testPurpose || mine.JSON["next_cursor"] != "" {
			t.Fatalf("bob's invitations: %s", mine.Body)
		}
		sp := bob.do("GET", "/api/v1/spaces/secret", nil).want(http.StatusOK)
		if sp.get("space", "is_member") != false || sp.str("space", "purpose", "text") != testPurpose {
			t.Fatalf("the invitee's view: %s", sp.Body)
		}
		bob.do("GET", "/api/v1/spaces/secret/threads", nil).wantError(http.StatusForbidden, models.CodeNotMember)
		bob.do("GET", "/api/v1/spaces/secret/members", nil).wantError(http.StatusForbidden, models.CodeNotMember)
		bob.do("GET", "/api/v1/threads/"+itoa(tid), nil).wantError(http.StatusNotFound, models.CodeNotFound)
		bob.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "early"}).wantError(http.StatusNotFound, models.CodeNotFound)
		cat.do("GET", "/api/v1/spaces/secret", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		if l := ann.do("GET", "/api/v1/spaces/secret/invitations", nil).want(http.StatusOK).list("invitations"); len(l) != 1 || jsonAt(l[0], "invitee.name") != "Bob Stone" {
			t.Fatalf("the space's invitations: %v", l)
		}

		// Accepting affirms the current purpose; a stale one changes nothing.
		before := invState(t, db)
		bob.do("POST", "/api/v1/invitations/"+itoa(id)+"/accept", map[string]any{"affirm_purpose_version": 2}).wantError(http.StatusUnprocessableEntity, models.CodePurposeNotAffirmed)
		if after := invState(t, db); after != before {
			t.Fatalf("a stale acceptance changed:\n%s", diffLines(before, after))
		}
		m := bob.do("POST", "/api/v1/invitations/"+itoa(id)+"/accept", map[string]any{"affirm_purpose_version": 1}).want(http.StatusOK)
		if m.str("membership", "space") != "secret" || m.int("membership", "member_id") != bob.ID || m.int("membership", "affirmed_purpose_version") != 1 || m.get("membership", "steward") != false {
			t.Fatalf("membership: %s", m.Body)
		}
		bob.do("GET", "/api/v1/threads/"+itoa(tid), nil).want(http.StatusOK)
		bob.do("GET", "/api/v1/spaces/secret/threads", nil).want(http.StatusOK)
		if l := bob.do("GET", "/api/v1/invitations", nil).want(http.StatusOK).list("invitations"); len(l) != 0 {
			t.Fatalf("an accepted invitation is still listed: %v", l)
		}
		before = invState(t, db)
		bob.do("POST", "/api/v1/invitations/"+itoa(id)+"/accept", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		bob.do("POST", "/api/v1/invitations/"+itoa(id)+"/decline", nil).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		ann.do("POST", "/api/v1/invitations/"+itoa(id)+"/withdraw", nil).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		if after := invState(t, db); after != before {
			t.Fatalf("answering twice changed:\n%s", diffLines(before, after))
		}
		var audited int
		err := db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE (action = 'invitation.created' AND actor_id = " + itoa(ann.ID) + " AND subject_id = " + itoa(bob.ID) +
			") OR (action = 'invitation.accepted' AND actor_id = " + itoa(bob.ID) + " AND subject_id = " + itoa(bob.ID) + ")").Scan(&audited)
		if err != nil || audited != 2 {
			t.Fatalf("audit entries: %d, %v", audited, err)
		}
	})
}

// TestInvitationLifecycleAPI: declining, withdrawing and expiry, each
// leaving the invitation closed and the person outside.
func TestInvitationLifecycleAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann, bob, cat, dan := ts.member("Ann"), ts.member("Bob"), ts.member("Cat"), ts.member("Dan")
		ann.space("secret", "invite")
		ann.space("asking", "request")

		declined := ann.invite("secret", bob)
		r := bob.do("POST", "/api/v1/invitations/"+itoa(declined)+"/decline", nil).want(http.StatusOK)
		if r.str("invitation", "status") != "declined" {
			t.Fatalf("decline: %s", r.Body)
		}
		bob.do("GET", "/api/v1/spaces/secret", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		if l := ann.do("GET", "/api/v1/notifications", nil).want(http.StatusOK).list("notifications"); len(l) != 1 ||
			jsonAt(l[0], "kind") != models.NoticeInvitationAnswer || jsonAt(l[0], "data.answer") != "declined" {
			t.Fatalf("the inviter's notifications: %v", l)
		}

		withdrawn := ann.invite("secret", cat)
		if r := ann.do("POST", "/api/v1/invitations/"+itoa(withdrawn)+"/withdraw", nil).want(http.StatusOK); r.str("invitation", "status") != "withdrawn" {
			t.Fatalf("withdraw: %s", r.Body)
		}
		cat.do("POST", "/api/v1/invitations/"+itoa(withdrawn)+"/accept", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		cat.do("GET", "/api/v1/spaces/secret", nil).wantError(http.StatusNotFound, models.CodeNotFound)

		expired := ann.invite("secret", dan)
		rawExec(t, db, d, "UPDATE invitations SET expires_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Minute), expired)
		before := invState(t, db)
		dan.do("POST", "/api/v1/invitations/"+itoa(expired)+"/accept", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusConflict, models.CodeExpired)
		dan.do("POST", "/api/v1/invitations/"+itoa(expired)+"/decline", nil).wantError(http.StatusConflict, models.CodeExpired)
		ann.do("POST", "/api/v1/invitations/"+itoa(expired)+"/withdraw", nil).wantError(http.StatusConflict, models.CodeExpired)
		if after := invState(t, db); after != before {
			t.Fatalf("answering an expired invitation changed:\n%s", diffLines(before, after))
		}
		if l := dan.do("GET", "/api/v1/invitations", nil).want(http.StatusOK).list("invitations"); len(l) != 0 {
			t.Fatalf("an expired invitation is listed: %v", l)
		}
		dan.do("GET", "/api/v1/spaces/secret", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		// It may be sent again.
		again := ann.invite("secret", dan)
		dan.do("POST", "/api/v1/invitations/"+itoa(again)+"/accept", map[string]any{"affirm_purpose_version": 1}).want(http.StatusOK)

		// A space by request: the invitation admits without a steward.
		in := ann.invite("asking", bob)
		bob.do("POST", "/api/v1/invitations/"+itoa(in)+"/accept", map[string]any{"affirm_purpose_version": 1}).want(http.StatusOK)
		if bob.do("GET", "/api/v1/spaces/asking", nil).want(http.StatusOK).get("space", "is_member") != true {
			t.Fatal("accepting into a space by request made no membership")
		}
		// Admins have no power to answer for anyone.
		ada := ts.admin("Ada")
		eve := ts.member("Eve")
		forEve := ann.invite("asking", eve)
		before = invState(t, db)
		ada.do("POST", "/api/v1/invitations/"+itoa(forEve)+"/accept", map[string]any{"affirm_purpose_version": 1, "member_id": eve.ID}).wantError(http.StatusNotFound, models.CodeNotFound)
		ada.do("POST", "/api/v1/invitations/"+itoa(forEve)+"/decline", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		ada.do("POST", "/api/v1/spaces/asking/invitations", map[string]any{"member_id": eve.ID}).wantError(http.StatusForbidden, models.CodeNotMember)
		if after := invState(t, db); after != before {
			t.Fatalf("an admin's attempts changed:\n%s", diffLines(before, after))
		}
	})
}

// TestSuccessorAPI: a steward starts a successor; the spaces link to each
// other; every other member is invited and nobody is moved.
func TestSuccessorAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann, bob, cat, dan := ts.member("Ann"), ts.member("Bob"), ts.member("Cat"), ts.member("Dan")
		ann.space("guild", "open")
		bob.join("guild")
		cat.join("guild")
		const purpose = "We build Go tools together and release them as open source, in the open."
		body := map[string]any{"slug": "guild-two", "name": "Guild two", "purpose": purpose, "visibility": "invite"}

		before := invState(t, db)
		bob.do("POST", "/api/v1/spaces/guild/successor", body).wantError(http.StatusForbidden, models.CodeNotSteward)
		dan.do("POST", "/api/v1/spaces/guild/successor", body).wantError(http.StatusForbidden, models.CodeNotSteward)
		if after := invState(t, db); after != before {
			t.Fatalf("refused successors changed:\n%s", diffLines(before, after))
		}

		r := ann.do("POST", "/api/v1/spaces/guild/successor", body).want(http.StatusCreated)
		if r.str("space", "slug") != "guild-two" || r.str("space", "purpose", "text") != purpose || r.get("space", "is_steward") != true ||
			r.int("space", "member_count") != 1 || r.str("space", "predecessor", "slug") != "guild" || r.str("space", "predecessor", "name") != "Guild" ||
			r.get("space", "successor") != nil {
			t.Fatalf("successor: %s", r.Body)
		}
		old := ann.do("GET", "/api/v1/spaces/guild", nil).want(http.StatusOK)
		if old.str("space", "successor", "slug") != "guild-two" || old.str("space", "successor", "name") != "Guild two" || old.int("space", "member_count") != 3 || old.get("space", "predecessor") != nil {
			t.Fatalf("the old space: %s", old.Body)
		}
		if l := ann.do("GET", "/api/v1/spaces/guild-two/members", nil).want(http.StatusOK).list("members"); len(l) != 1 {
			t.Fatalf("people were moved into the successor: %v", l)
		}
		for _, who := range []*client{bob, cat} {
			l := who.do("GET", "/api/v1/invitations", nil).want(http.StatusOK).list("invitations")
			if len(l) != 1 || jsonAt(l[0], "space.slug") != "guild-two" || jsonAt(l[0], "inviter.name") != "Ann" || jsonAt(l[0], "space.purpose.text") != purpose {
				t.Fatalf("%s's invitations: %v", who.Name, l)
			}
			if who.do("GET", "/api/v1/spaces/guild", nil).want(http.StatusOK).get("space", "is_member") != true {
				t.Fatalf("%s left the old space", who.Name)
			}
			if s := who.do("GET", "/api/v1/spaces/guild", nil).str("space", "successor", "slug"); s != "guild-two" {
				t.Fatalf("%s sees no successor", who.Name)
			}
		}
		if l := ann.do("GET", "/api/v1/spaces/guild-two/invitations", nil).want(http.StatusOK).list("invitations"); len(l) != 2 {
			t.Fatalf("the successor's invitations: %v", l)
		}
		// The successor is invite-only: Dan, who was not a member, sees no
		// link to it, in the space or in the list.
		if dan.do("GET", "/api/v1/spaces/guild", nil).want(http.StatusOK).get("space", "successor") != nil {
			t.Fatal("an uninvited person sees the invite-only successor")
		}
		dan.do("GET", "/api/v1/spaces/guild-two", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		for _, s := range bob.do("GET", "/api/v1/spaces", nil).want(http.StatusOK).list("spaces") {
			if jsonAt(s, "slug") == "guild" && jsonAt(s, "successor.slug") != "guild-two" {
				t.Fatalf("the list does not link the successor: %v", s)
			}
		}

		before = invState(t, db)
		ann.do("POST", "/api/v1/spaces/guild/successor", map[string]any{"slug": "guild-three", "name": "Guild three", "purpose": purpose}).wantError(http.StatusConflict, models.CodeConflict)
		if after := invState(t, db); after != before {
			t.Fatalf("a second successor changed:\n%s", diffLines(before, after))
		}
	})
}

// invPage fetches a page and checks it keeps the rules every page keeps.
func invPage(t *testing.T, c *client, path string, status int) *goquery.Document {
	t.Helper()
	r := c.withT(t).getPage(path)
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %.600s", path, r.Status, status, r.Body)
	}
	return checkPageSafety(t, path, r, c)
}

// TestInvitationPages walks the invite flow through the pages, as a browser
// without JavaScript would.
func TestInvitationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob, cat, dan := ts.member("Ann"), ts.member("Bob Stone"), ts.member("Cat"), ts.member("Dan")
		ann.space("secret", "invite")
		ann.thread("secret", "Secret plans")
		ann.space("guild", "open")
		cat.join("guild")

		// Who may open the invite page.
		invPage(t, cat, "/s/secret/invite", http.StatusNotFound)
		doc := invPage(t, dan, "/s/guild/invite", http.StatusForbidden)
		if !strings.Contains(pageText(doc), "Only members of Guild") {
			t.Fatalf("non-member: %s", pageText(doc))
		}
		if r := ts.client().getPage("/s/secret/invite"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("signed out: %d %s", r.Status, r.Header.Get("Location"))
		}

		// Ann finds Bob by name and invites him.
		doc = invPage(t, ann, "/s/secret/invite", http.StatusOK)
		if doc.Find(`form[method=get][action="/s/secret/invite"] input[name=q]`).Length() != 1 || doc.Find(`a[href="/s/secret/invite"]`).Length() == 0 {
			t.Fatalf("no search form: %s", pageText(doc))
		}
		doc = invPage(t, ann, "/s/secret/invite?q=bob", http.StatusOK)
		form := doc.Find(`ul.found form[action="/s/secret/invitations"]`)
		if form.Length() != 1 || form.Find(`input[name=member_id]`).AttrOr("value", "") != itoa(bob.ID) || !strings.Contains(pageText(doc), "Bob Stone") {
			t.Fatalf("search results: %s", pageText(doc))
		}
		if strings.Contains(doc.Text(), "bob.stone@example.com") {
			t.Fatal("the search page shows an email")
		}
		r := ann.form("/s/secret/invitations", map[string]string{"member_id": itoa(bob.ID), "q": "bob"}).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/s/secret/invite?q=bob#invitations" {
			t.Fatalf("invite redirects to %q", loc)
		}
		doc = invPage(t, ann, "/s/secret/invite?q=bob", http.StatusOK)
		if doc.Find(`ul.found form`).Length() != 0 || !strings.Contains(doc.Find("ul.found").Text(), "invited") {
			t.Fatalf("an invited person is offered again: %s", pageText(doc))
		}
		pending := doc.Find(`#invitations li`)
		if pending.Length() != 1 || !strings.Contains(pending.Text(), "Bob Stone") || pending.Find(`form[action$="/withdraw"]`).Length() != 1 {
			t.Fatalf("pending invitations: %s", pageText(doc))
		}
		// Inviting him twice is refused on the page, with the API's status.
		r = ann.form("/s/secret/invitations", map[string]string{"member_id": itoa(bob.ID), "q": "bob"}).want(http.StatusConflict)
		doc = checkPageSafety(t, "invite twice", r, ann)
		if msg := doc.Find(`[role=alert]`).Text(); !strings.Contains(msg, "already has an invitation") {
			t.Fatalf("inviting twice says %q", msg)
		}
		r = ann.form("/s/secret/invitations", map[string]string{"member_id": itoa(ann.ID)}).want(http.StatusUnprocessableEntity)
		checkPageSafety(t, "invite yourself", r, ann)

		// Bob sees the invitation, with the purpose, on /invitations and on
		// the space page; the threads stay closed to him.
		doc = invPage(t, bob, "/invitations", http.StatusOK)
		item := doc.Find("li.invitation")
		if item.Length() != 1 || strings.TrimSpace(item.Find("blockquote.purpose-text").Text()) != testPurpose || !strings.Contains(item.Text(), "Invited by Ann") {
			t.Fatalf("/invitations: %s", pageText(doc))
		}
		accept := item.Find(`form[action$="/accept"]`)
		action := accept.AttrOr("action", "")
		if accept.Find(`input[type=checkbox][name=affirm][required]`).Length() != 1 || accept.Find(`input[type=hidden][name=affirm_purpose_version][value="1"]`).Length() != 1 ||
			item.Find(`form[action$="/decline"]`).Length() != 1 {
			t.Fatalf("/invitations offers no affirmation or no decline: %s", pageText(doc))
		}
		doc = invPage(t, bob, "/s/secret", http.StatusOK)
		text := pageText(doc)
		if !strings.Contains(text, testPurpose) || !strings.Contains(text, "Ann invited you to join Secret") || strings.Contains(text, "Secret plans") ||
			doc.Find(`.membership form[action="`+action+`"] input[name=affirm][required]`).Length() != 1 {
			t.Fatalf("the invitee's space page: %s", text)
		}
		pos := docOrder(doc, "section.purpose", `.membership form[action="`+action+`"]`)
		if pos[0] < 0 || pos[1] < pos[0] {
			t.Fatalf("purpose and invitation at %v; the purpose comes first", pos)
		}

		// Without the affirmation nothing happens.
		r = bob.form(action, map[string]string{"affirm_purpose_version": "1"}).want(http.StatusUnprocessableEntity)
		doc = checkPageSafety(t, "accept without affirming", r, bob)
		if msg := doc.Find(`li.invitation form[action="` + action + `"] [role=alert]`).Text(); !strings.Contains(msg, "affirm the current purpose") {
			t.Fatalf("accepting without affirming says %q", msg)
		}
		if bob.do("GET", "/api/v1/spaces/secret", nil).want(http.StatusOK).get("space", "is_member") != false {
			t.Fatal("accepting without affirming made a membership")
		}
		// With it, Bob is a member and reads the threads.
		r = bob.form(action, map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/s/secret" {
			t.Fatalf("accept redirects to %q", loc)
		}
		doc = invPage(t, bob, "/s/secret", http.StatusOK)
		if text := pageText(doc); !strings.Contains(text, "You are a member of Secret") || !strings.Contains(text, "Secret plans") {
			t.Fatalf("after accepting: %s", text)
		}
		if !strings.Contains(pageText(invPage(t, bob, "/invitations", http.StatusOK)), "No invitations wait for your answer.") {
			t.Fatal("the accepted invitation is still listed")
		}
		r = bob.form(action, map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}).want(http.StatusConflict)
		checkPageSafety(t, "accept twice", r, bob)

		// Declining, and withdrawing.
		ann.invite("secret", cat)
		doc = invPage(t, cat, "/invitations", http.StatusOK)
		decline := doc.Find(`form[action$="/decline"]`).AttrOr("action", "")
		if r := cat.form(decline, nil).want(http.StatusSeeOther); r.Header.Get("Location") != "/invitations" {
			t.Fatalf("decline redirects to %q", r.Header.Get("Location"))
		}
		invPage(t, cat, "/s/secret", http.StatusNotFound)
		ann.invite("secret", dan)
		doc = invPage(t, bob, "/s/secret/invite", http.StatusOK) // Bob did not invite Dan and is no steward
		if doc.Find(`#invitations form[action$="/withdraw"]`).Length() != 0 {
			t.Fatal("a member who may not withdraw is offered to")
		}
		doc = invPage(t, ann, "/s/secret/invite", http.StatusOK)
		withdraw := doc.Find(`#invitations form[action$="/withdraw"]`).AttrOr("action", "")
		bob.form(withdraw, nil).want(http.StatusForbidden)
		if r := ann.form(withdraw, nil).want(http.StatusSeeOther); r.Header.Get("Location") != "/s/secret/invite#invitations" {
			t.Fatalf("withdraw redirects to %q", r.Header.Get("Location"))
		}
		invPage(t, dan, "/s/secret", http.StatusNotFound)
		if !strings.Contains(pageText(invPage(t, ann, "/s/secret/invite", http.StatusOK)), "No invitations are waiting for an answer.") {
			t.Fatal("the withdrawn invitation is still listed")
		}
	})
}

// TestSuccessorPages: a steward starts a successor from its form; both
// space pages link to each other; non-stewards get no form.
func TestSuccessorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("guild", "open")
		bob.join("guild")

		doc := invPage(t, ann, "/s/guild", http.StatusOK)
		if doc.Find(`.space-nav a[href="/s/guild/successor"]`).Length() != 1 {
			t.Fatal("the steward is not offered to start a successor")
		}
		if doc := invPage(t, bob, "/s/guild", http.StatusOK); doc.Find(`a[href="/s/guild/successor"]`).Length() != 0 {
			t.Fatal("a member who is no steward is offered to start a successor")
		}
		invPage(t, bob, "/s/guild/successor", http.StatusForbidden)
		if r := ts.client().getPage("/s/guild/successor"); r.Status != http.StatusSeeOther {
			t.Fatalf("signed out: %d", r.Status)
		}
		doc = invPage(t, ann, "/s/guild/successor", http.StatusOK)
		if doc.Find(`form[action="/s/guild/successor"] textarea[name=purpose][minlength="20"]`).Length() != 1 {
			t.Fatalf("no successor form: %s", pageText(doc))
		}

		const purpose = "We build Go tools together and release them as open source, in the open."
		form := map[string]string{"slug": "guild-two", "name": "Guild two", "purpose": "too short", "visibility": "request"}
		r := ann.form("/s/guild/successor", form).want(http.StatusUnprocessableEntity)
		doc = checkPageSafety(t, "bad successor", r, ann)
		if doc.Find(`input[name=slug][value="guild-two"]`).Length() != 1 || doc.Find(`input[name=visibility][value=request][checked]`).Length() != 1 || doc.Find("[role=alert]").Length() != 1 {
			t.Fatalf("the refused form does not keep what was typed: %s", pageText(doc))
		}
		r = bob.form("/s/guild/successor", map[string]string{"slug": "guild-two", "name": "Guild two", "purpose": purpose}).want(http.StatusForbidden)
		checkPageSafety(t, "successor by a member", r, bob)

		form["purpose"] = purpose
		r = ann.form("/s/guild/successor", form).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/s/guild-two" {
			t.Fatalf("successor redirects to %q", loc)
		}
		doc = invPage(t, ann, "/s/guild-two", http.StatusOK)
		if l := doc.Find(`.space-head .lineage a[href="/s/guild"]`); l.Length() != 1 || !strings.Contains(l.Parent().Text(), "Successor of") {
			t.Fatalf("the successor does not link back: %s", pageText(doc))
		}
		doc = invPage(t, ann, "/s/guild", http.StatusOK)
		if l := doc.Find(`.space-head .lineage a[href="/s/guild-two"]`); l.Length() != 1 || !strings.Contains(l.Parent().Text(), "Succeeded by") {
			t.Fatalf("the old space does not link on: %s", pageText(doc))
		}
		if doc.Find(`a[href="/s/guild/successor"]`).Length() != 0 {
			t.Fatal("a space with a successor still offers to start one")
		}
		if !strings.Contains(pageText(invPage(t, ann, "/s/guild/successor", http.StatusOK)), "already has a successor") {
			t.Fatal("the successor page offers a second successor")
		}
		// Bob is invited, sees both links, and may follow by accepting.
		doc = invPage(t, bob, "/s/guild", http.StatusOK)
		if doc.Find(`.lineage a[href="/s/guild-two"]`).Length() != 1 {
			t.Fatalf("bob sees no link to the successor: %s", pageText(doc))
		}
		doc = invPage(t, bob, "/s/guild-two", http.StatusOK)
		if doc.Find(`.membership form[action$="/accept"]`).Length() != 1 {
			t.Fatalf("bob is not offered to accept: %s", pageText(doc))
		}
		doc = invPage(t, bob, "/invitations", http.StatusOK)
		if !strings.Contains(doc.Find("li.invitation").Text(), purpose) {
			t.Fatalf("bob's invitations: %s", pageText(doc))
		}
	})
}
