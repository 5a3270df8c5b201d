package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"kith/models"
	"kith/models/storetest"
)

// joinRequestRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var joinRequestRoutesCovered = []string{
	"GET /spaces/:slug/join-requests",
	"POST /join-requests/:id/approve",
	"POST /join-requests/:id/deny",
}

// TestJoinRequestMatrix: only the stewards of a space see and decide its join
// requests; everyone else, admins included, is refused and changes nothing.
func TestJoinRequestMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		w := newAuthzWorld(t, d, nil)
		ts := w.ts
		rae, ray := ts.member("Rae Requester"), ts.member("Ray Requester")
		approveID := rae.do("POST", "/api/v1/spaces/request-space/join", map[string]any{"affirm_purpose_version": 1, "note": "<b>hi</b>"}).want(http.StatusAccepted).int("join_request", "id")
		denyID := ray.do("POST", "/api/v1/spaces/request-space/join", map[string]any{"affirm_purpose_version": 1}).want(http.StatusAccepted).int("join_request", "id")

		notSteward := authzWant{http.StatusForbidden, models.CodeNotSteward}
		lists := map[string][6]authzWant{
			"open-space":    {wSignIn, notSteward, notSteward, notSteward, wOK, notSteward},
			"request-space": {wSignIn, notSteward, notSteward, notSteward, wOK, notSteward},
			"invite-space":  {wSignIn, wNotFound, notSteward, wNotFound, wOK, wNotFound},
		}
		for slug, want := range lists {
			for i, c := range w.actors {
				t.Run(slug+"/"+authzActors[i], func(t *testing.T) {
					wantCell(t, c.withT(t).do("GET", "/api/v1/spaces/"+slug+"/join-requests", nil), want[i])
				})
			}
		}
		list := w.actors[4].do("GET", "/api/v1/spaces/request-space/join-requests", nil).want(http.StatusOK)
		if l := list.list("join_requests"); len(l) != 2 || !strings.Contains(list.Body, `"note":"\u003cb\u003ehi\u003c/b\u003e"`) {
			t.Fatalf("requests: %s", list.Body)
		}

		// Deciding: everyone but the steward is refused, in order, before the steward decides.
		decide := [6]authzWant{wSignIn, notSteward, notSteward, notSteward, wOK, notSteward}
		for _, route := range []struct {
			path string
			id   int64
		}{{"approve", approveID}, {"deny", denyID}} {
			for i, c := range w.actors {
				t.Run(route.path+"/"+authzActors[i], func(t *testing.T) {
					wantCell(t, c.withT(t).do("POST", "/api/v1/join-requests/"+itoa(route.id)+"/"+route.path, map[string]any{"message": "decided"}), decide[i])
				})
			}
			w.actors[4].do("POST", "/api/v1/join-requests/"+itoa(route.id)+"/"+route.path, nil).wantError(http.StatusConflict, models.CodeAlreadyDecided)
		}
		rae.do("GET", "/api/v1/spaces/request-space/threads", nil).want(http.StatusOK)
		ray.do("GET", "/api/v1/spaces/request-space/threads", nil).wantError(http.StatusForbidden, models.CodeNotMember)
		for _, c := range []*client{rae, ray} {
			n := c.do("GET", "/api/v1/notifications", nil).want(http.StatusOK)
			if n.int("unread") != 1 || !strings.Contains(n.Body, `"message":"decided"`) {
				t.Fatalf("%s's notifications: %s", c.Name, n.Body)
			}
		}
	})
}

// TestJoinRequestBadInput: refused input changes nothing.
func TestJoinRequestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("asking", "request")
		id := bob.do("POST", "/api/v1/spaces/asking/join", map[string]any{"affirm_purpose_version": 1}).want(http.StatusAccepted).int("join_request", "id")
		for _, row := range []struct {
			method, path string
			body         any
			status       int
			code         string
		}{
			{"GET", "/api/v1/spaces/nowhere/join-requests", nil, 404, models.CodeNotFound},
			{"GET", "/api/v1/spaces/asking/join-requests?cursor=bogus", nil, 422, models.CodeInvalid},
			{"GET", "/api/v1/spaces/asking/join-requests?limit=0", nil, 422, models.CodeInvalid},
			{"POST", "/api/v1/join-requests/999999/approve", nil, 404, models.CodeNotFound},
			{"POST", "/api/v1/join-requests/abc/approve", nil, 404, models.CodeNotFound},
			{"POST", "/api/v1/join-requests/" + itoa(id) + "/approve", `{"message": 5}`, 400, "bad_request"},
			{"POST", "/api/v1/join-requests/" + itoa(id) + "/approve", `{"message": "x"`, 400, "bad_request"},
			{"POST", "/api/v1/join-requests/" + itoa(id) + "/approve", map[string]any{"message": strings.Repeat("m", 501)}, 422, models.CodeInvalid},
			{"POST", "/api/v1/join-requests/" + itoa(id) + "/deny", `[]`, 400, "bad_request"},
			{"POST", "/api/v1/join-requests/-1/deny", nil, 404, models.CodeNotFound},
		} {
			ann.do(row.method, row.path, row.body).wantError(row.status, row.code)
		}
		if l := ann.do("GET", "/api/v1/spaces/asking/join-requests", nil).want(http.StatusOK).list("join_requests"); len(l) != 1 {
			t.Fatalf("the request was decided by refused input: %v", l)
		}
		ann.do("POST", "/api/v1/join-requests/"+itoa(id)+"/approve", nil).want(http.StatusOK)
	})
}

// TestJoinRequestPages: a steward answers from the requests page without
// JavaScript; the person hears of it in the inbox, with the count in the header.
func TestJoinRequestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("asking", "request")
		bob.form("/s/asking/join", map[string]string{"affirm": "yes", "affirm_purpose_version": "1", "note": "I maintain our Go linters"}).want(http.StatusSeeOther)
		if page := bob.do("GET", "/s/asking", nil).want(http.StatusOK); !strings.Contains(page.Body, "You have asked to join") {
			t.Fatalf("bob's space page does not say he asked")
		}
		bob.do("GET", "/s/asking/requests", nil).want(http.StatusForbidden)

		page := ann.do("GET", "/s/asking/requests", nil).want(http.StatusOK)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page.Body))
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.Find(".request").Length(); got != 1 || !strings.Contains(doc.Find(".request").Text(), "I maintain our Go linters") {
			t.Fatalf("requests page shows %d requests: %s", got, doc.Find(".requests").Text())
		}
		approve, _ := doc.Find(`button[formaction$="/approve"]`).Attr("formaction")
		ann.form(approve, map[string]string{"message": "Welcome aboard"}).want(http.StatusSeeOther)
		if doc := mustDoc(t, ann.do("GET", "/s/asking/requests", nil).want(http.StatusOK)); doc.Find(".request").Length() != 0 {
			t.Fatal("an approved request is still listed")
		}

		home := mustDoc(t, bob.do("GET", "/", nil).want(http.StatusOK))
		if got := strings.TrimSpace(home.Find(`a[href="/notifications"] .count`).Text()); got != "1" {
			t.Fatalf("header unread count = %q, want 1", got)
		}
		inbox := mustDoc(t, bob.do("GET", "/notifications", nil).want(http.StatusOK))
		if !strings.Contains(inbox.Find(".notice.unread").Text(), "Your request to join Asking was approved") || !strings.Contains(inbox.Text(), "Welcome aboard") {
			t.Fatalf("inbox: %s", inbox.Find(".notices").Text())
		}
		open, _ := inbox.Find(`form[action^="/notifications/"][action$="/open"]`).Attr("action")
		r := bob.form(open, nil).want(http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/s/asking" {
			t.Fatalf("opening the notice goes to %q", loc)
		}
		if doc := mustDoc(t, bob.do("GET", "/", nil)); doc.Find(`a[href="/notifications"] .count`).Length() != 0 {
			t.Fatal("the notice is still unread after opening it")
		}
		if page := bob.do("GET", "/s/asking", nil).want(http.StatusOK); !strings.Contains(page.Body, "You are a member") {
			t.Fatal("bob is not shown as a member")
		}
		ann.form(open, nil).want(http.StatusNotFound) // one person's notice is nobody else's
	})
}

func mustDoc(t testing.TB, r *response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
