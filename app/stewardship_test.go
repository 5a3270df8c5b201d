package app_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// stewardRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var stewardRoutesCovered = []string{
	"POST /spaces/:slug/removals",
	"GET /spaces/:slug/removals",
	"POST /removals/:id/lift",
	"POST /spaces/:slug/steward-offers",
	"GET /steward-offers",
	"POST /steward-offers/:id/accept",
	"POST /steward-offers/:id/decline",
	"POST /spaces/:slug/stewardship/resign",
	"GET /spaces/:slug/audit",
	"GET /admin/audit",
	"GET /admin/spaces/unstewarded",
}

var (
	wNotSteward = authzWant{http.StatusForbidden, models.CodeNotSteward}
	stewardVis  = []string{"open", "request", "invite"}
)

// stewardWorld is the fixture of this file's matrix. Its actors are those of
// authzActors: a visitor, Nia (signed in, member of nothing here), Mia (a
// member of every space), Oli (steward of other-space only), Sam (founder and
// steward of open-space, request-space and invite-space) and Ada (an admin who
// belongs to nothing). Every space also has, per actor, a target (for offers
// and removals) and a removed person (for lifting), so that each cell of a
// row acts on a person of its own.
type stewardWorld struct {
	ts       *testServer
	db       *sql.DB
	actors   [len(authzActors)]*client
	targets  [len(authzActors)]*client
	removed  [len(authzActors)]*client
	removals map[string][len(authzActors)]int64 // by visibility: the removal of removed[i]
	offers   map[string]int64                   // by visibility: the pending offer to Mia
	threads  map[string]int64                   // by visibility: a thread
}

func newStewardWorld(t *testing.T, d models.Dialect, configure func(*app.Config)) *stewardWorld {
	t.Helper()
	ts := startServer(t, d, configure)
	w := &stewardWorld{
		ts: ts, db: storetest.MustRawSQL(t, ts.Cfg.DatabaseURL),
		removals: map[string][len(authzActors)]int64{}, offers: map[string]int64{}, threads: map[string]int64{},
	}
	sam, mia, oli, nia := ts.member("Sam Steward"), ts.member("Mia Member"), ts.member("Oli Other"), ts.member("Nia Outsider")
	oli.space("other-space", "open")
	for i := range authzActors {
		w.targets[i] = ts.member(fmt.Sprintf("Tess Target %d", i))
		w.removed[i] = ts.member(fmt.Sprintf("Rex Removed %d", i))
	}
	for _, vis := range stewardVis {
		slug := vis + "-space"
		sam.space(slug, "open") // made open so that people may join by their own act; made private below
		mia.join(slug)
		var ids [len(authzActors)]int64
		for i := range authzActors {
			w.targets[i].join(slug)
			w.removed[i].join(slug)
			ids[i] = sam.do("POST", "/api/v1/spaces/"+slug+"/removals", map[string]any{"member_id": w.removed[i].ID, "reason": "Set up to be lifted"}).
				want(http.StatusCreated).int("removal", "id")
		}
		w.removals[vis] = ids
		w.offers[vis] = sam.do("POST", "/api/v1/spaces/"+slug+"/steward-offers", map[string]any{"member_id": mia.ID}).
			want(http.StatusCreated).int("steward_offer", "id")
		w.threads[vis], _ = sam.thread(slug, "Thread in "+slug)
		if vis != "open" {
			if _, err := w.db.Exec("UPDATE spaces SET visibility = '" + vis + "' WHERE slug = '" + slug + "'"); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.actors = [...]*client{ts.client(), nia, mia, oli, sam, ts.admin("Ada Admin")}
	return w
}

// stewardState describes what this feature's acts change, beyond storedState.
func stewardState(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(storedState(t, db))
	for _, q := range []string{
		"SELECT id, space_id, member_id, reason, lifted_at IS NULL FROM removals ORDER BY id",
		"SELECT id, space_id, member_id, status FROM steward_offers ORDER BY id",
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
		_ = rows.Close()
	}
	return b.String()
}

// stewardRow is one route of the matrix on one visibility: the path and body
// per actor, what each must get, and a check of a successful answer.
type stewardRow struct {
	route  string
	vis    string
	before func(t *testing.T)
	path   func(who int) string
	body   func(who int) any
	want   [len(authzActors)]authzWant
	check  func(t *testing.T, who int, r *response)
}

// forVis picks the row's expectations by visibility: request spaces are
// visible to everyone signed in like open ones; invite spaces only to members
// (and, for these acts, admins).
func forVis(vis string, visible, hidden [len(authzActors)]authzWant) [len(authzActors)]authzWant {
	if vis == "invite" {
		return hidden
	}
	return visible
}

// TestStewardshipAuthorizationMatrix runs every route of this feature for
// every actor on spaces of each visibility. Rows run in order on one world:
// reads, then offers and removals (each cell on a person of its own), lifting,
// declining, setting the duty down, and last accepting.
func TestStewardshipAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newStewardWorld(t, d, nil)
		mia, sam := w.actors[2], w.actors[4]
		var rows []stewardRow
		stewardsAndAdmins := [6]authzWant{wSignIn, wNotSteward, wNotSteward, wNotSteward, wOK, wOK}
		stewardsAndAdminsHidden := [6]authzWant{wSignIn, wNotFound, wNotSteward, wNotFound, wOK, wOK}
		adminsOnly := [6]authzWant{wSignIn, wForbidden, wForbidden, wForbidden, wForbidden, wOK}
		everyone := [6]authzWant{wSignIn, wOK, wOK, wOK, wOK, wOK}
		onlyOffered := [6]authzWant{wSignIn, wNotFound, wOK, wNotFound, wNotFound, wNotFound}

		rows = append(rows,
			stewardRow{route: "GET /steward-offers", path: func(int) string { return "/steward-offers" }, want: everyone,
				check: func(t *testing.T, who int, r *response) {
					want := 0
					if who == 2 {
						want = 3 // Mia's three pending offers, one per space
					}
					if l := r.list("steward_offers"); len(l) != want {
						t.Fatalf("%s sees %d offers: %s", authzActors[who], len(l), r.Body)
					}
				}},
			stewardRow{route: "GET /admin/spaces/unstewarded", path: func(int) string { return "/admin/spaces/unstewarded" }, want: adminsOnly,
				check: func(t *testing.T, _ int, r *response) {
					if l := r.list("spaces"); len(l) != 0 {
						t.Fatalf("every space has a steward, yet: %s", r.Body)
					}
				}},
			stewardRow{route: "GET /admin/audit", path: func(int) string { return "/admin/audit" }, want: adminsOnly,
				check: func(t *testing.T, _ int, r *response) {
					if l := r.list("entries"); len(l) == 0 {
						t.Fatalf("the admin's audit log is empty: %s", r.Body)
					}
				}},
		)
		for _, vis := range stewardVis {
			slug := vis + "-space"
			rows = append(rows,
				stewardRow{route: "GET /spaces/:slug/removals", vis: vis, path: func(int) string { return "/spaces/" + slug + "/removals" },
					want: forVis(vis, stewardsAndAdmins, stewardsAndAdminsHidden),
					check: func(t *testing.T, _ int, r *response) {
						if l := r.list("removals"); len(l) != len(authzActors) {
							t.Fatalf("%d removals listed: %.300s", len(l), r.Body)
						}
					}},
				stewardRow{route: "GET /spaces/:slug/audit", vis: vis, path: func(int) string { return "/spaces/" + slug + "/audit" },
					want: forVis(vis, stewardsAndAdmins, stewardsAndAdminsHidden),
					check: func(t *testing.T, _ int, r *response) {
						for _, e := range r.list("entries") {
							if sp := e.(map[string]any)["space"].(map[string]any); sp["slug"] != slug {
								t.Fatalf("the audit of %s shows an entry of %v", slug, sp)
							}
						}
					}},
			)
		}
		for _, vis := range stewardVis {
			slug := vis + "-space"
			rows = append(rows, stewardRow{route: "POST /spaces/:slug/steward-offers", vis: vis,
				path: func(int) string { return "/spaces/" + slug + "/steward-offers" },
				body: func(who int) any { return map[string]any{"member_id": w.targets[who].ID} },
				// Admins offer only where a space has no steward; these have one.
				want: forVis(vis, [6]authzWant{wSignIn, wNotSteward, wNotSteward, wNotSteward, wCreated, wNotSteward},
					[6]authzWant{wSignIn, wNotFound, wNotSteward, wNotFound, wCreated, wNotSteward}),
				check: func(t *testing.T, who int, r *response) {
					if r.str("steward_offer", "status") != models.OfferPending || r.int("steward_offer", "member", "id") != w.targets[who].ID {
						t.Fatalf("offer: %s", r.Body)
					}
				}})
		}
		for _, vis := range stewardVis {
			slug := vis + "-space"
			rows = append(rows, stewardRow{route: "POST /spaces/:slug/removals", vis: vis,
				path: func(int) string { return "/spaces/" + slug + "/removals" },
				body: func(who int) any { return map[string]any{"member_id": w.targets[who].ID, "reason": "Conduct"} },
				want: forVis(vis, [6]authzWant{wSignIn, wNotSteward, wNotSteward, wNotSteward, wCreated, wCreated},
					[6]authzWant{wSignIn, wNotFound, wNotSteward, wNotFound, wCreated, wCreated}),
				check: func(t *testing.T, who int, r *response) {
					if r.int("removal", "member", "id") != w.targets[who].ID || r.str("removal", "reason") != "Conduct" || r.int("removal", "removed_by", "id") != w.actors[who].ID {
						t.Fatalf("removal: %s", r.Body)
					}
				}})
		}
		for _, vis := range stewardVis {
			rows = append(rows, stewardRow{route: "POST /removals/:id/lift", vis: vis,
				path: func(who int) string { return "/removals/" + itoa(w.removals[vis][who]) + "/lift" },
				want: forVis(vis, stewardsAndAdmins, stewardsAndAdminsHidden),
				check: func(t *testing.T, who int, r *response) {
					if r.str("removal", "lifted_at") == "" || r.int("removal", "lifted_by", "id") != w.actors[who].ID {
						t.Fatalf("lift: %s", r.Body)
					}
				}})
		}
		for _, vis := range stewardVis {
			rows = append(rows, stewardRow{route: "POST /steward-offers/:id/decline", vis: vis,
				path: func(int) string { return "/steward-offers/" + itoa(w.offers[vis]) + "/decline" }, want: onlyOffered,
				check: func(t *testing.T, _ int, r *response) {
					if r.str("steward_offer", "status") != models.OfferDeclined {
						t.Fatalf("decline: %s", r.Body)
					}
				}})
		}
		for i, vis := range stewardVis {
			slug := vis + "-space"
			row := stewardRow{route: "POST /spaces/:slug/stewardship/resign", vis: vis,
				path: func(int) string { return "/spaces/" + slug + "/stewardship/resign" },
				want: forVis(vis, [6]authzWant{wSignIn, wNotSteward, wNotSteward, wNotSteward, wOK, wNotSteward},
					[6]authzWant{wSignIn, wNotFound, wNotSteward, wNotFound, wOK, wNotFound}),
				check: func(t *testing.T, _ int, r *response) {
					if r.get("membership", "steward") != false {
						t.Fatalf("resign: %s", r.Body)
					}
				}}
			if i == 0 {
				// Sam offers the duty to Mia again in every space before setting it down.
				row.before = func(t *testing.T) {
					for _, vis := range stewardVis {
						w.offers[vis] = sam.withT(t).do("POST", "/api/v1/spaces/"+vis+"-space/steward-offers", map[string]any{"member_id": mia.ID}).
							want(http.StatusCreated).int("steward_offer", "id")
					}
				}
			}
			rows = append(rows, row)
		}
		for _, vis := range stewardVis {
			rows = append(rows, stewardRow{route: "POST /steward-offers/:id/accept", vis: vis,
				path: func(int) string { return "/steward-offers/" + itoa(w.offers[vis]) + "/accept" }, want: onlyOffered,
				check: func(t *testing.T, _ int, r *response) {
					if r.str("steward_offer", "status") != models.OfferAccepted {
						t.Fatalf("accept: %s", r.Body)
					}
				}})
		}

		covered := map[string]bool{}
		for _, row := range rows {
			covered[row.route] = true
			if row.before != nil {
				row.before(t)
			}
			for i := range authzActors {
				t.Run(fmt.Sprintf("%s/%s/%s", row.route, row.vis, authzActors[i]), func(t *testing.T) {
					method, _, _ := strings.Cut(row.route, " ")
					var body any
					if row.body != nil {
						body = row.body(i)
					}
					before := stewardState(t, w.db)
					r := w.actors[i].withT(t).do(method, "/api/v1"+row.path(i), body)
					wantCell(t, r, row.want[i])
					if r.Status >= 400 {
						if after := stewardState(t, w.db); after != before {
							t.Fatalf("a refused request changed what is stored:\n%s", diffLines(before, after))
						}
					} else if row.check != nil {
						row.check(t, i, r)
					}
				})
			}
		}
		for _, rt := range stewardRoutesCovered {
			if !covered[rt] {
				t.Errorf("%s has no row in this matrix", rt)
			}
		}

		// Where it ended: Sam set the duty down and Mia took it up, by her
		// own accept, in every space; Ada saw the spaces go without a steward
		// only in between. The targets of the stewards' and admins' removals
		// are gone; the removals lifted by them no longer bar anyone.
		for _, vis := range stewardVis {
			slug := vis + "-space"
			r := mia.do("GET", "/api/v1/spaces/"+slug+"/members", nil).want(http.StatusOK)
			stewards := []string{}
			for _, m := range r.list("members") {
				if m := m.(map[string]any); m["steward"] == true {
					stewards = append(stewards, m["name"].(string))
				}
			}
			if strings.Join(stewards, ",") != "Mia Member" {
				t.Errorf("%s: stewards %v", slug, stewards)
			}
			for _, i := range []int{4, 5} {
				w.targets[i].do("GET", "/api/v1/spaces/"+slug, nil).want(map[bool]int{true: 200, false: 404}[vis != "invite"])
				w.removed[i].do("POST", "/api/v1/spaces/"+slug+"/join", map[string]any{"affirm_purpose_version": 1}).
					want(map[string]int{"open": 200, "request": 202, "invite": 404}[vis])
			}
			w.removed[2].do("POST", "/api/v1/spaces/"+slug+"/join", map[string]any{"affirm_purpose_version": 1}).
				wantError(map[string]int{"open": 403, "request": 403, "invite": 404}[vis], map[bool]string{true: models.CodeRemoved, false: models.CodeNotFound}[vis != "invite"])
		}
	})
}

// TestStewardshipBadInput: refused input gets the contract's error and
// changes nothing.
func TestStewardshipBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, func(c *app.Config) {
			c.MaxBodyBytes = 4096
			c.MaxReasonChars = 50
		})
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann, bob, cat, ada := ts.member("Ann"), ts.member("Bob"), ts.member("Cat"), ts.admin("Ada")
		ann.space("go-guild", "open")
		bob.join("go-guild")
		rid := func() int64 {
			dan := ts.member("Dan")
			dan.join("go-guild")
			return ann.do("POST", "/api/v1/spaces/go-guild/removals", map[string]any{"member_id": dan.ID, "reason": "Spam"}).want(http.StatusCreated).int("removal", "id")
		}()
		liftedID := func() int64 {
			eve := ts.member("Eve")
			eve.join("go-guild")
			id := ann.do("POST", "/api/v1/spaces/go-guild/removals", map[string]any{"member_id": eve.ID, "reason": "Spam"}).want(http.StatusCreated).int("removal", "id")
			ann.do("POST", "/api/v1/removals/"+itoa(id)+"/lift", nil).want(http.StatusOK)
			return id
		}()
		oid := ann.do("POST", "/api/v1/spaces/go-guild/steward-offers", map[string]any{"member_id": bob.ID}).want(http.StatusCreated).int("steward_offer", "id")
		fay := ts.member("Fay")
		fay.join("go-guild")
		declined := ann.do("POST", "/api/v1/spaces/go-guild/steward-offers", map[string]any{"member_id": fay.ID}).want(http.StatusCreated).int("steward_offer", "id")
		fay.do("POST", "/api/v1/steward-offers/"+itoa(declined)+"/decline", nil).want(http.StatusOK)

		removals, offers := "/api/v1/spaces/go-guild/removals", "/api/v1/spaces/go-guild/steward-offers"
		rows := []struct {
			what         string
			who          *client
			method, path string
			body         string
			ctype        string
			status       int
			code, field  string
		}{
			{"not JSON", ann, "POST", removals, "not json", "", 400, "bad_request", ""},
			{"a list", ann, "POST", removals, `[1, 2]`, "", 400, "bad_request", ""},
			{"no body", ann, "POST", removals, "", "", 400, "bad_request", ""},
			{"a form", ann, "POST", removals, "member_id=2&reason=x", "application/x-www-form-urlencoded", 400, "bad_request", ""},
			{"member_id as a string", ann, "POST", removals, `{"member_id": "` + itoa(bob.ID) + `", "reason": "x"}`, "", 400, "bad_request", "member_id"},
			{"member_id as a fraction", ann, "POST", removals, `{"member_id": 1.5, "reason": "x"}`, "", 400, "bad_request", "member_id"},
			{"reason as a number", ann, "POST", removals, `{"member_id": ` + itoa(bob.ID) + `, "reason": 7}`, "", 400, "bad_request", "reason"},
			{"no reason", ann, "POST", removals, `{"member_id": ` + itoa(bob.ID) + `}`, "", 422, models.CodeInvalid, "reason"},
			{"an empty reason", ann, "POST", removals, `{"member_id": ` + itoa(bob.ID) + `, "reason": ""}`, "", 422, models.CodeInvalid, "reason"},
			{"a blank reason", ann, "POST", removals, `{"member_id": ` + itoa(bob.ID) + `, "reason": "  \n "}`, "", 422, models.CodeInvalid, "reason"},
			{"a reason over the limit", ann, "POST", removals, `{"member_id": ` + itoa(bob.ID) + `, "reason": "` + strings.Repeat("ü", 51) + `"}`, "", 422, models.CodeInvalid, "reason"},
			{"an oversize body", ann, "POST", removals, `{"member_id": ` + itoa(bob.ID) + `, "reason": "` + strings.Repeat("x", 5000) + `"}`, "", 413, "too_large", ""},
			{"no member", ann, "POST", removals, `{"reason": "Spam"}`, "", 422, models.CodeInvalid, "member_id"},
			{"an unknown member", ann, "POST", removals, `{"member_id": 999999, "reason": "Spam"}`, "", 404, models.CodeNotFound, ""},
			{"a non-member", ann, "POST", removals, `{"member_id": ` + itoa(cat.ID) + `, "reason": "Spam"}`, "", 422, models.CodeInvalid, "member_id"},
			{"removing yourself", ann, "POST", removals, `{"member_id": ` + itoa(ann.ID) + `, "reason": "I quit"}`, "", 422, models.CodeInvalid, "member_id"},
			{"a member removing", bob, "POST", removals, `{"member_id": ` + itoa(ann.ID) + `, "reason": "Spam"}`, "", 403, models.CodeNotSteward, ""},
			{"an unknown space", ann, "POST", "/api/v1/spaces/no-such-space/removals", `{"member_id": ` + itoa(bob.ID) + `, "reason": "Spam"}`, "", 404, models.CodeNotFound, ""},
			{"a bad cursor", ann, "GET", removals + "?cursor=" + cursorOf(`{"i":-3}`), "", "", 422, models.CodeInvalid, "cursor"},
			{"a cursor kith never gave out", ann, "GET", removals + "?cursor=bm9wZQ", "", "", 422, models.CodeInvalid, "cursor"},
			{"a zero limit", ann, "GET", removals + "?limit=0", "", "", 422, models.CodeInvalid, "limit"},
			{"a limit that is no number", ann, "GET", removals + "?limit=ten", "", "", 422, models.CodeInvalid, "limit"},
			{"an unknown space", ann, "GET", "/api/v1/spaces/no-such-space/removals", "", "", 404, models.CodeNotFound, ""},
			{"lifting twice", ann, "POST", "/api/v1/removals/" + itoa(liftedID) + "/lift", "", "", 409, models.CodeAlreadyDecided, ""},
			{"lifting an unknown removal", ann, "POST", "/api/v1/removals/999999/lift", "", "", 404, models.CodeNotFound, ""},
			{"lifting a removal that is no number", ann, "POST", "/api/v1/removals/abc/lift", "", "", 404, models.CodeNotFound, ""},
			{"lifting removal zero", ann, "POST", "/api/v1/removals/0/lift", "", "", 404, models.CodeNotFound, ""},
			{"lifting as a member", bob, "POST", "/api/v1/removals/" + itoa(rid) + "/lift", "", "", 403, models.CodeNotSteward, ""},
			{"an offer that is not JSON", ann, "POST", offers, "{", "", 400, "bad_request", ""},
			{"an offer with member_id as a string", ann, "POST", offers, `{"member_id": "bob"}`, "", 400, "bad_request", "member_id"},
			{"an offer to nobody", ann, "POST", offers, `{}`, "", 422, models.CodeInvalid, "member_id"},
			{"an offer to an unknown member", ann, "POST", offers, `{"member_id": 999999}`, "", 404, models.CodeNotFound, ""},
			{"an offer to a non-member", ann, "POST", offers, `{"member_id": ` + itoa(cat.ID) + `}`, "", 422, models.CodeInvalid, "member_id"},
			{"an offer to a steward", ann, "POST", offers, `{"member_id": ` + itoa(ann.ID) + `}`, "", 409, models.CodeConflict, ""},
			{"a second pending offer", ann, "POST", offers, `{"member_id": ` + itoa(bob.ID) + `}`, "", 409, models.CodeConflict, ""},
			{"an oversize offer", ann, "POST", offers, `{"member_id": 1, "pad": "` + strings.Repeat("x", 5000) + `"}`, "", 413, "too_large", ""},
			{"an offer by an admin where there is a steward", ada, "POST", offers, `{"member_id": ` + itoa(bob.ID) + `}`, "", 403, models.CodeNotSteward, ""},
			{"my offers with a bad cursor", bob, "GET", "/api/v1/steward-offers?cursor=nope", "", "", 422, models.CodeInvalid, "cursor"},
			{"my offers with a negative limit", bob, "GET", "/api/v1/steward-offers?limit=-1", "", "", 422, models.CodeInvalid, "limit"},
			{"accepting someone else's offer", cat, "POST", "/api/v1/steward-offers/" + itoa(oid) + "/accept", "", "", 404, models.CodeNotFound, ""},
			{"accepting an unknown offer", bob, "POST", "/api/v1/steward-offers/999999/accept", "", "", 404, models.CodeNotFound, ""},
			{"accepting an offer that is no number", bob, "POST", "/api/v1/steward-offers/x1/accept", "", "", 404, models.CodeNotFound, ""},
			{"accepting a declined offer", fay, "POST", "/api/v1/steward-offers/" + itoa(declined) + "/accept", "", "", 409, models.CodeAlreadyDecided, ""},
			{"declining a declined offer", fay, "POST", "/api/v1/steward-offers/" + itoa(declined) + "/decline", "", "", 409, models.CodeAlreadyDecided, ""},
			{"declining someone else's offer", ann, "POST", "/api/v1/steward-offers/" + itoa(oid) + "/decline", "", "", 404, models.CodeNotFound, ""},
			{"declining an offer of id -1", bob, "POST", "/api/v1/steward-offers/-1/decline", "", "", 404, models.CodeNotFound, ""},
			{"resigning without the duty", bob, "POST", "/api/v1/spaces/go-guild/stewardship/resign", "", "", 403, models.CodeNotSteward, ""},
			{"resigning in an unknown space", ann, "POST", "/api/v1/spaces/no-such-space/stewardship/resign", "", "", 404, models.CodeNotFound, ""},
			{"an audit with a bad cursor", ann, "GET", "/api/v1/spaces/go-guild/audit?cursor=" + cursorOf("[]"), "", "", 422, models.CodeInvalid, "cursor"},
			{"an audit with a zero limit", ann, "GET", "/api/v1/spaces/go-guild/audit?limit=0", "", "", 422, models.CodeInvalid, "limit"},
			{"the audit of an unknown space", ada, "GET", "/api/v1/spaces/no-such-space/audit", "", "", 404, models.CodeNotFound, ""},
			{"the admin audit with a bad cursor", ada, "GET", "/api/v1/admin/audit?cursor=abc", "", "", 422, models.CodeInvalid, "cursor"},
			{"the admin audit with a bad limit", ada, "GET", "/api/v1/admin/audit?limit=1.5", "", "", 422, models.CodeInvalid, "limit"},
			{"unstewarded spaces with a bad cursor", ada, "GET", "/api/v1/admin/spaces/unstewarded?cursor=" + cursorOf(`{"i":0}`), "", "", 422, models.CodeInvalid, "cursor"},
			{"unstewarded spaces with a bad limit", ada, "GET", "/api/v1/admin/spaces/unstewarded?limit=x", "", "", 422, models.CodeInvalid, "limit"},
		}
		before := stewardState(t, db)
		for _, row := range rows {
			t.Run(row.method+" "+row.path+": "+row.what, func(t *testing.T) {
				r := row.who.withT(t).sendBody(row.method, row.path, row.body, row.ctype, false)
				wantContractError(t, r, row.status, row.code, row.field)
				if after := stewardState(t, db); after != before {
					t.Fatalf("a refused request changed what is stored:\n%s", diffLines(before, after))
				}
			})
		}
		// The limit is what the configuration says, counted in characters.
		r := ann.do("POST", removals, map[string]any{"member_id": bob.ID, "reason": strings.Repeat("ü", 50)}).want(http.StatusCreated)
		if r.str("removal", "reason") != strings.Repeat("ü", 50) {
			t.Fatalf("reason kept as %q", r.str("removal", "reason"))
		}
	})
}

// TestRemovalEndsPrivateReadsAndBarsRejoining walks a removal through the
// API: the person loses the space's private reads in the same request, is
// told why, cannot come back until a steward lifts the removal, and then
// comes back only by their own act.
func TestRemovalEndsPrivateReadsAndBarsRejoining(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		db := storetest.MustRawSQL(t, ts.Cfg.DatabaseURL)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("inner-circle", "open")
		bob.join("inner-circle")
		tid, _ := ann.thread("inner-circle", "Private plans")
		if _, err := db.Exec("UPDATE spaces SET visibility = 'request' WHERE slug = 'inner-circle'"); err != nil {
			t.Fatal(err)
		}
		bob.do("GET", "/api/v1/threads/"+itoa(tid), nil).want(http.StatusOK)
		bob.do("GET", "/api/v1/spaces/inner-circle/threads", nil).want(http.StatusOK)

		reason := "Shared members' private messages <outside> the space."
		r := ann.do("POST", "/api/v1/spaces/inner-circle/removals", map[string]any{"member_id": bob.ID, "reason": reason}).want(http.StatusCreated)
		id := r.int("removal", "id")
		if r.str("removal", "reason") != reason || r.str("removal", "member", "name") != "Bob" || r.str("removal", "space", "slug") != "inner-circle" || r.get("removal", "lifted_at") != nil {
			t.Fatalf("removal: %s", r.Body)
		}
		// At once: no private reads, no posting, no membership.
		bob.do("GET", "/api/v1/threads/"+itoa(tid), nil).wantError(http.StatusNotFound, models.CodeNotFound)
		bob.do("GET", "/api/v1/spaces/inner-circle/threads", nil).wantError(http.StatusForbidden, models.CodeNotMember)
		bob.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "hello?"}).wantError(http.StatusNotFound, models.CodeNotFound)
		if bob.do("GET", "/api/v1/spaces/inner-circle", nil).want(http.StatusOK).get("space", "is_member") != false {
			t.Fatal("Bob is still a member")
		}
		if n := ann.do("GET", "/api/v1/spaces/inner-circle", nil).int("space", "member_count"); n != 1 {
			t.Fatalf("member_count %d", n)
		}
		// Told, with the reason.
		notes := bob.do("GET", "/api/v1/notifications", nil).want(http.StatusOK).list("notifications")
		if len(notes) == 0 {
			t.Fatal("Bob was not told")
		}
		if n := notes[0].(map[string]any); n["kind"] != models.NoticeRemoved || jsonAt(n, "data.reason") != reason || jsonAt(n, "data.space.slug") != "inner-circle" {
			t.Fatalf("notice: %v", n)
		}
		// Audited, with the reason, actor and subject.
		e := ann.do("GET", "/api/v1/spaces/inner-circle/audit", nil).want(http.StatusOK).list("entries")[0].(map[string]any)
		if e["action"] != "membership.removed" || e["reason"] != reason || jsonAt(e, "actor.name") != "Ann" || jsonAt(e, "subject.name") != "Bob" || jsonAt(e, "space.slug") != "inner-circle" {
			t.Fatalf("audit entry: %v", e)
		}
		// Barred from coming back, whatever the door.
		bob.do("POST", "/api/v1/spaces/inner-circle/join", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusForbidden, models.CodeRemoved)
		if _, err := db.Exec("UPDATE spaces SET visibility = 'open' WHERE slug = 'inner-circle'"); err != nil {
			t.Fatal(err)
		}
		bob.do("POST", "/api/v1/spaces/inner-circle/join", map[string]any{"affirm_purpose_version": 1}).wantError(http.StatusForbidden, models.CodeRemoved)
		l := ann.do("GET", "/api/v1/spaces/inner-circle/removals", nil).want(http.StatusOK).list("removals")
		if len(l) != 1 || jsonAt(l[0], "id") != float64(id) || jsonAt(l[0], "removed_by.name") != "Ann" {
			t.Fatalf("removals: %v", l)
		}

		// Lifted: still not a member, until Bob joins himself.
		ann.do("POST", "/api/v1/removals/"+itoa(id)+"/lift", nil).want(http.StatusOK)
		if bob.do("GET", "/api/v1/spaces/inner-circle", nil).get("space", "is_member") != false {
			t.Fatal("lifting made Bob a member")
		}
		if n := bob.do("GET", "/api/v1/notifications", nil).list("notifications")[0].(map[string]any); n["kind"] != models.NoticeRemovalLifted {
			t.Fatalf("notice: %v", n)
		}
		if l := ann.do("GET", "/api/v1/spaces/inner-circle/removals", nil).list("removals"); len(l) != 0 {
			t.Fatalf("a lifted removal is listed: %v", l)
		}
		bob.join("inner-circle")
		bob.do("GET", "/api/v1/threads/"+itoa(tid), nil).want(http.StatusOK)
	})
}

// TestStewardshipIsAcceptedOnlyByTheOfferedPerson: an offer changes nothing
// until the person offered accepts it, nobody else can answer it, and the
// member list shows the duty and nothing else.
func TestStewardshipIsAcceptedOnlyByTheOfferedPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob, cat, ada := ts.member("Ann"), ts.member("Bob"), ts.member("Cat"), ts.admin("Ada")
		ann.space("go-guild", "open")
		bob.join("go-guild")
		cat.join("go-guild")
		isSteward := func(c *client) bool {
			return c.do("GET", "/api/v1/spaces/go-guild", nil).want(http.StatusOK).get("space", "is_steward") == true
		}
		id := ann.do("POST", "/api/v1/spaces/go-guild/steward-offers", map[string]any{"member_id": bob.ID}).want(http.StatusCreated).int("steward_offer", "id")
		if isSteward(bob) {
			t.Fatal("the offer alone made Bob a steward")
		}
		for _, c := range []*client{ann, cat, ada} {
			c.do("POST", "/api/v1/steward-offers/"+itoa(id)+"/accept", nil).wantError(http.StatusNotFound, models.CodeNotFound)
		}
		if isSteward(bob) {
			t.Fatal("someone else's accept made Bob a steward")
		}
		bob.do("POST", "/api/v1/steward-offers/"+itoa(id)+"/accept", nil).want(http.StatusOK)
		if !isSteward(bob) {
			t.Fatal("Bob accepted but is no steward")
		}
		bob.do("POST", "/api/v1/steward-offers/"+itoa(id)+"/accept", nil).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		bob.do("POST", "/api/v1/steward-offers/"+itoa(id)+"/decline", nil).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		// A steward does not remove another steward; only an admin could.
		bob.do("POST", "/api/v1/spaces/go-guild/removals", map[string]any{"member_id": ann.ID, "reason": "Coup"}).wantError(http.StatusForbidden, models.CodeForbidden)
		if !isSteward(ann) {
			t.Fatal("a refused removal touched Ann")
		}

		// Member lists carry the duty and nothing that ranks.
		for _, m := range bob.do("GET", "/api/v1/spaces/go-guild/members", nil).want(http.StatusOK).list("members") {
			var keys []string
			for k := range m.(map[string]any) {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, ",") != "id,joined_at,name,steward" {
				t.Fatalf("a member in a list has %v", keys)
			}
		}

		// An offer lapses when the person leaves; accepting it then is refused.
		id2 := bob.do("POST", "/api/v1/spaces/go-guild/steward-offers", map[string]any{"member_id": cat.ID}).want(http.StatusCreated).int("steward_offer", "id")
		cat.do("POST", "/api/v1/spaces/go-guild/leave", nil).want(http.StatusOK)
		cat.join("go-guild")
		cat.do("POST", "/api/v1/steward-offers/"+itoa(id2)+"/accept", nil).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		if isSteward(cat) {
			t.Fatal("a lapsed offer made Cat a steward")
		}

		// Both stewards set the duty down; the space keeps working and admins see it.
		ann.do("POST", "/api/v1/spaces/go-guild/stewardship/resign", nil).want(http.StatusOK)
		bob.do("POST", "/api/v1/spaces/go-guild/stewardship/resign", nil).want(http.StatusOK)
		bob.do("POST", "/api/v1/spaces/go-guild/stewardship/resign", nil).wantError(http.StatusForbidden, models.CodeNotSteward)
		cat.thread("go-guild", "We carry on")
		ts.member("Dan").join("go-guild")
		l := ada.do("GET", "/api/v1/admin/spaces/unstewarded", nil).want(http.StatusOK).list("spaces")
		if len(l) != 1 || jsonAt(l[0], "slug") != "go-guild" {
			t.Fatalf("unstewarded: %v", l)
		}
		// The admin may offer now; it is still only an offer.
		id3 := ada.do("POST", "/api/v1/spaces/go-guild/steward-offers", map[string]any{"member_id": cat.ID}).want(http.StatusCreated).int("steward_offer", "id")
		if isSteward(cat) {
			t.Fatal("the admin's offer made Cat a steward")
		}
		mine := cat.do("GET", "/api/v1/steward-offers", nil).want(http.StatusOK).list("steward_offers")
		if len(mine) != 1 || jsonAt(mine[0], "id") != float64(id3) || jsonAt(mine[0], "offered_by.name") != "Ada" {
			t.Fatalf("cat's offers: %v", mine)
		}
		cat.do("POST", "/api/v1/steward-offers/"+itoa(id3)+"/accept", nil).want(http.StatusOK)
		if !isSteward(cat) {
			t.Fatal("Cat accepted but is no steward")
		}
		if l := ada.do("GET", "/api/v1/admin/spaces/unstewarded", nil).list("spaces"); len(l) != 0 {
			t.Fatalf("unstewarded after: %v", l)
		}
		// The admin's log shows the whole story, newest first.
		var actions []string
		for _, e := range ada.do("GET", "/api/v1/admin/audit?limit=6", nil).want(http.StatusOK).list("entries") {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		want := "steward.accepted,steward.offered,membership.joined,account.created,steward.resigned,steward.resigned"
		if strings.Join(actions, ",") != want {
			t.Fatalf("newest audit entries %v, want %s", actions, want)
		}
		ids := func(c *client, path string) []string {
			var out []string
			for _, e := range c.do("GET", path, nil).want(http.StatusOK).list("entries") {
				out = append(out, fmt.Sprint(int64(e.(map[string]any)["id"].(float64))))
			}
			return out
		}
		wantWalk(t, ada, "/api/v1/spaces/go-guild/audit?limit=3", "entries", func(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) },
			ids(ada, "/api/v1/spaces/go-guild/audit?limit=100"))
	})
}

// stewardPage fetches a page as a browser and checks what every page keeps.
func stewardPage(t *testing.T, c *client, path string, status int) *goquery.Document {
	t.Helper()
	r := c.withT(t).getPage(path)
	if r.Status != status {
		t.Fatalf("%s GET %s: status %d, want %d; %.500s", c.Name, path, r.Status, status, r.Body)
	}
	return checkPageSafety(t, c.Name+" GET "+path, r, c)
}

// TestStewardshipPages: removal, lifting, offering, accepting and setting
// the duty down from the pages, without JavaScript.
func TestStewardshipPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob, cat, ada := ts.member("Ann"), ts.member("Bob"), ts.member("Cat"), ts.admin("Ada")
		ann.space("go-guild", "open")
		ann.space("hideout", "invite")
		bob.join("go-guild")
		cat.join("go-guild")

		// Who may open the page.
		stewardPage(t, bob, "/s/go-guild/stewardship", http.StatusForbidden)
		stewardPage(t, cat, "/s/hideout/stewardship", http.StatusNotFound)
		if r := ts.client().getPage("/s/go-guild/stewardship"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("signed out: %d %s", r.Status, r.Header.Get("Location"))
		}
		stewardPage(t, ada, "/s/hideout/stewardship", http.StatusOK) // admins run the instance

		doc := stewardPage(t, ann, "/s/go-guild/stewardship", http.StatusOK)
		text := pageText(doc)
		for _, s := range []string{"Members", "Bob", "Cat", "Removals in force", "Set down the steward duty", "Audit log", "Ann founded the space"} {
			if !strings.Contains(text, s) {
				t.Errorf("the stewardship page lacks %q: %.1500s", s, text)
			}
		}
		bobRow := doc.Find("#member-" + itoa(bob.ID))
		if bobRow.Find(`form[action="/s/go-guild/steward-offers"] input[name=member_id][value="`+itoa(bob.ID)+`"]`).Length() != 1 {
			t.Error("no offer form for Bob")
		}
		if bobRow.Find(`details.remove form[action="/s/go-guild/removals"] textarea[name=reason][required]`).Length() != 1 {
			t.Error("no removal form with a required reason for Bob")
		}
		if doc.Find("#member-"+itoa(ann.ID)+" details.remove").Length() != 0 {
			t.Error("Ann is offered to remove herself")
		}

		// A removal without a reason is refused on the page, changing nothing.
		r := ann.form("/s/go-guild/removals", map[string]string{"member_id": itoa(bob.ID), "reason": "  "})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("removal without a reason: %d", r.Status)
		}
		doc = checkPageSafety(t, "removal without a reason", r, ann)
		if doc.Find(".alert").Length() != 1 || doc.Find("#member-"+itoa(bob.ID)+" details.remove[open] .alert").Length() != 1 {
			t.Errorf("the refused form is not shown open with its error: %.1500s", pageText(doc))
		}
		if bob.do("GET", "/api/v1/spaces/go-guild", nil).get("space", "is_member") != true {
			t.Fatal("a refused removal removed Bob")
		}
		// An overlong reason comes back as typed.
		long := strings.Repeat("x", ts.Cfg.MaxReasonChars+1)
		r = ann.form("/s/go-guild/removals", map[string]string{"member_id": itoa(bob.ID), "reason": long})
		doc = checkPageSafety(t, "removal with a long reason", r, ann)
		if r.Status != http.StatusUnprocessableEntity || doc.Find("#member-"+itoa(bob.ID)+" textarea[name=reason]").Text() != long {
			t.Fatalf("long reason: %d", r.Status)
		}

		reason := "Harassed <Cat> in three threads."
		ann.form("/s/go-guild/removals", map[string]string{"member_id": itoa(bob.ID), "reason": reason}).want(http.StatusSeeOther)
		doc = stewardPage(t, ann, "/s/go-guild/stewardship", http.StatusOK)
		removal := doc.Find("#removals .removal")
		if removal.Length() != 1 || !strings.Contains(removal.Text(), reason) || !strings.Contains(removal.Text(), "Bob") {
			t.Fatalf("removals section: %q", doc.Find("#removals").Text())
		}
		if !strings.Contains(doc.Find("#audit").Text(), "Ann removed Bob") || !strings.Contains(doc.Find("#audit").Text(), reason) {
			t.Errorf("audit section: %q", doc.Find("#audit").Text())
		}
		// Bob hears why and cannot join again from the space page.
		if !strings.Contains(pageText(stewardPage(t, bob, "/notifications", http.StatusOK)), reason) {
			t.Error("Bob's inbox does not give the reason")
		}
		if r := bob.form("/s/go-guild/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "removed") {
			t.Fatalf("Bob's join after removal: %d", r.Status)
		}
		lift, _ := removal.Find("form").Attr("action")
		ann.form(lift, nil).want(http.StatusSeeOther)
		if doc := stewardPage(t, ann, "/s/go-guild/stewardship", http.StatusOK); doc.Find("#removals .removal").Length() != 0 {
			t.Fatal("the lifted removal is still shown")
		}
		bob.form("/s/go-guild/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1"}).want(http.StatusSeeOther)

		// Offering: the form makes an offer, and nothing more.
		ann.form("/s/go-guild/steward-offers", map[string]string{"member_id": itoa(cat.ID)}).want(http.StatusSeeOther)
		doc = stewardPage(t, ann, "/s/go-guild/stewardship", http.StatusOK)
		catRow := doc.Find("#member-" + itoa(cat.ID))
		if !strings.Contains(catRow.Text(), "offer awaiting an answer") || catRow.Find(".tag.duty").Length() != 0 {
			t.Fatalf("cat's row: %q", catRow.Text())
		}
		// The notification leads to the offers page, where only Cat can answer.
		notes := cat.do("GET", "/api/v1/notifications", nil).want(http.StatusOK).list("notifications")
		nid := int64(jsonAt(notes[0], "id").(float64))
		if r := cat.form("/notifications/"+itoa(nid)+"/open", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/offers" {
			t.Fatalf("the offer's notice leads to %d %q", r.Status, r.Header.Get("Location"))
		}
		doc = stewardPage(t, cat, "/offers", http.StatusOK)
		accept, ok := doc.Find(`form[action$="/accept"]`).Attr("action")
		if !ok || !strings.Contains(pageText(doc), "Ann offered you the steward duty of Go-guild") {
			t.Fatalf("offers page: %s", pageText(doc))
		}
		if doc := stewardPage(t, bob, "/offers", http.StatusOK); doc.Find(`form[action^="/offers/"]`).Length() != 0 {
			t.Fatal("Bob sees an offer that is Cat's")
		}
		for _, c := range []*client{ann, bob, ada} {
			if r := c.form(accept, nil); r.Status != http.StatusNotFound {
				t.Fatalf("%s accepting Cat's offer: %d", c.Name, r.Status)
			}
		}
		if doc := stewardPage(t, ann, "/s/go-guild/members", http.StatusOK); doc.Find("#main .tag.duty").Length() != 1 {
			t.Fatal("someone other than Cat made Cat a steward")
		}
		if r := cat.form(accept, nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/s/go-guild/stewardship" {
			t.Fatalf("Cat's accept: %d %q", r.Status, r.Header.Get("Location"))
		}
		if doc := stewardPage(t, ann, "/s/go-guild/members", http.StatusOK); doc.Find("#main .tag.duty").Length() != 2 {
			t.Fatal("Cat's accept did not make her a steward")
		}
		// Stewards do not remove stewards from the page; admins may.
		doc = stewardPage(t, ann, "/s/go-guild/stewardship", http.StatusOK)
		if doc.Find("#member-"+itoa(cat.ID)+" details.remove").Length() != 0 {
			t.Error("Ann is offered to remove Cat, a steward")
		}
		r = ann.form("/s/go-guild/removals", map[string]string{"member_id": itoa(cat.ID), "reason": "Coup"})
		if r.Status != http.StatusForbidden || checkPageSafety(t, "removing a steward", r, ann).Find(".alert").Length() != 1 {
			t.Fatalf("a steward removing a steward from the page: %d", r.Status)
		}
		if cat.do("GET", "/api/v1/spaces/go-guild", nil).get("space", "is_steward") != true {
			t.Fatal("a refused removal touched Cat")
		}
		doc = stewardPage(t, ada, "/s/go-guild/stewardship", http.StatusOK)
		if doc.Find("#member-"+itoa(cat.ID)+" details.remove").Length() != 1 || doc.Find("#resign").Length() != 0 {
			t.Error("the admin's page has no removal for stewards, or offers to set down a duty the admin does not hold")
		}
		if doc.Find(`form[action="/s/go-guild/steward-offers"]`).Length() != 0 {
			t.Error("the admin's page offers the duty in a space that has stewards")
		}

		// Setting the duty down; the space shows up for admins once nobody holds it.
		cat.form("/s/go-guild/stewardship/resign", nil).want(http.StatusSeeOther)
		stewardPage(t, cat, "/s/go-guild/stewardship", http.StatusForbidden)
		ann.form("/s/go-guild/stewardship/resign", nil).want(http.StatusSeeOther)
		stewardPage(t, bob, "/admin/spaces/unstewarded", http.StatusForbidden)
		doc = stewardPage(t, ada, "/admin/spaces/unstewarded", http.StatusOK)
		if doc.Find(`a[href="/s/go-guild/stewardship"]`).Length() != 1 || doc.Find(`a[href="/s/hideout/stewardship"]`).Length() != 0 {
			t.Fatalf("unstewarded page: %s", pageText(doc))
		}
		doc = stewardPage(t, ada, "/s/go-guild/stewardship", http.StatusOK)
		if !strings.Contains(pageText(doc), "Nobody holds the steward duty") || doc.Find(`form[action="/s/go-guild/steward-offers"]`).Length() != 3 {
			t.Fatalf("the admin cannot offer the duty: %s", pageText(doc))
		}
		ada.form("/s/go-guild/steward-offers", map[string]string{"member_id": itoa(bob.ID)}).want(http.StatusSeeOther)
		// An offer to a non-member is shown on the page with the API's status.
		r = ada.form("/s/go-guild/steward-offers", map[string]string{"member_id": itoa(ada.ID)})
		if r.Status != http.StatusUnprocessableEntity || checkPageSafety(t, "offer to a non-member", r, ada).Find(".alert").Length() != 1 {
			t.Fatalf("offer to a non-member: %d", r.Status)
		}
		oid := int64(jsonAt(bob.do("GET", "/api/v1/steward-offers", nil).list("steward_offers")[0], "id").(float64))
		bob.form("/offers/"+itoa(oid)+"/decline", nil).want(http.StatusSeeOther)
		if r := bob.form("/offers/"+itoa(oid)+"/accept", nil); r.Status != http.StatusConflict {
			t.Fatalf("accepting a declined offer: %d", r.Status)
		}
		if r := ts.client().getPage("/admin/spaces/unstewarded"); r.Status != http.StatusSeeOther {
			t.Fatalf("signed out: %d", r.Status)
		}
		if r := ts.client().getPage("/offers"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next="+url.QueryEscape("/offers") {
			t.Fatalf("signed out offers: %d %q", r.Status, r.Header.Get("Location"))
		}
	})
}
