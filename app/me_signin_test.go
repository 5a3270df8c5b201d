package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/oauth2-proxy/mockoidc"

	"kith/models"
	"kith/models/storetest"
)

// meRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var meRoutesCovered = []string{
	"GET /me/sessions",
	"DELETE /me/sessions/:id",
	"GET /me/identities",
	"DELETE /me/identities/:id",
}

// TestMySessionsAPI: a person lists their own browsers and ends any of them
// at once, with the session cookie (and its CSRF token) or a bearer token;
// nobody else's.
func TestMySessionsAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		anon := ts.client()
		for _, rt := range meRoutesCovered {
			method, path, _ := strings.Cut(rt, " ")
			anon.do(method, "/api/v1"+strings.Replace(path, ":id", "1", 1), nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		}

		ann := ts.member("Ann")
		phone := ts.client()
		phone.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)
		phone.refreshCSRF()
		bot := ts.client()
		bot.bearer = ts.client().do("POST", "/api/v1/auth/token", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusCreated).str("token")
		bob := ts.member("Bob")

		r := ann.do("GET", "/api/v1/me/sessions", nil).want(http.StatusOK)
		list := r.list("sessions")
		if len(list) != 2 || r.JSON["next_cursor"] != "" {
			t.Fatalf("sessions: %s", r.Body)
		}
		var mine, phoneID int64
		for _, v := range list {
			s := v.(map[string]any)
			for _, k := range []string{"id", "user_agent", "ip", "created_at", "last_seen_at", "current"} {
				if _, ok := s[k]; !ok {
					t.Fatalf("session without %s: %v", k, s)
				}
			}
			for _, k := range []string{"created_at", "last_seen_at"} {
				if _, err := time.Parse(time.RFC3339, s[k].(string)); err != nil {
					t.Fatalf("%s is not RFC 3339: %v", k, s[k])
				}
			}
			if !strings.Contains(s["user_agent"].(string), "Go-http-client") {
				t.Fatalf("user agent %v", s["user_agent"])
			}
			if s["current"] == true {
				mine = int64(s["id"].(float64))
			} else {
				phoneID = int64(s["id"].(float64))
			}
		}
		if mine == 0 || phoneID == 0 {
			t.Fatalf("no current session, or no other: %s", r.Body)
		}
		// With a bearer token no session is the current one.
		if strings.Contains(bot.do("GET", "/api/v1/me/sessions", nil).want(http.StatusOK).Body, `"current":true`) {
			t.Fatal("a bearer request has a current session")
		}
		if n := len(bob.do("GET", "/api/v1/me/sessions", nil).want(http.StatusOK).list("sessions")); n != 1 {
			t.Fatalf("bob sees %d sessions", n)
		}

		// Nobody ends another's session; a bad id is not found; a cookie
		// request needs its CSRF token.
		bob.do("DELETE", "/api/v1/me/sessions/"+itoa(phoneID), nil).wantError(http.StatusNotFound, models.CodeNotFound)
		for _, bad := range []string{"x", "0", "-1", "99999"} {
			ann.do("DELETE", "/api/v1/me/sessions/"+bad, nil).wantError(http.StatusNotFound, models.CodeNotFound)
		}
		noCSRF := *ann
		noCSRF.csrf = ""
		noCSRF.do("DELETE", "/api/v1/me/sessions/"+itoa(phoneID), nil).wantError(http.StatusForbidden, "csrf_failed")
		phone.do("GET", "/api/v1/me", nil).want(http.StatusOK)

		// A script with a token ends the phone's session at once.
		bot.do("DELETE", "/api/v1/me/sessions/"+itoa(phoneID), nil).want(http.StatusNoContent)
		phone.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		bot.do("DELETE", "/api/v1/me/sessions/"+itoa(phoneID), nil).wantError(http.StatusNotFound, models.CodeNotFound)

		// Ending the current session signs this browser out and clears its cookie.
		end := ann.do("DELETE", "/api/v1/me/sessions/"+itoa(mine), nil).want(http.StatusNoContent)
		if sc := end.Header.Get("Set-Cookie"); !strings.Contains(sc, "kith_session=;") {
			t.Fatalf("cookie not cleared: %q", sc)
		}
		ann.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		bob.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	})
}

// TestMyIdentitiesAPIAndUnlink: a person lists the providers linked to their
// account and unlinks them, from the API or the settings page, except the
// last way they have to sign in.
func TestMyIdentitiesAPIAndUnlink(t *testing.T) {
	ts, m := startOIDC(t, nil)

	// Zoe's account came from the provider: it has no password.
	m.QueueUser(&mockoidc.MockUser{Subject: "zoe-1", Email: "zoe@example.com", EmailVerified: true})
	zoe := ts.browser()
	zoe.do("GET", "/auth/openid-connect", nil).want(http.StatusOK)
	zoe.refreshCSRF()
	r := zoe.do("GET", "/api/v1/me/identities", nil).want(http.StatusOK)
	ids := r.list("identities")
	if len(ids) != 1 || r.JSON["next_cursor"] != "" {
		t.Fatalf("identities: %s", r.Body)
	}
	idt := ids[0].(map[string]any)
	if idt["provider"] != "openid-connect" || idt["label"] != "Acme SSO" || idt["email"] != "zoe@example.com" || idt["created_at"] == "" {
		t.Fatalf("identity shape: %v", idt)
	}
	if strings.Contains(r.Body, "zoe-1") {
		t.Fatal("the provider's subject is shown")
	}
	zoeIdentity := int64(idt["id"].(float64))
	path := "/api/v1/me/identities/" + itoa(zoeIdentity)

	// The only way in stays linked, from the API and from the page.
	e := zoe.do("DELETE", path, nil).wantError(http.StatusConflict, models.CodeLastSignInMethod)
	if !strings.Contains(e.str("error", "message"), "only way") {
		t.Fatalf("message: %s", e.Body)
	}
	page := zoe.form("/settings/identities/"+itoa(zoeIdentity)+"/unlink", nil)
	if page.Status != http.StatusConflict || !strings.Contains(page.Body, "Still linked") || !strings.Contains(page.Body, `href="/settings#identities"`) {
		t.Fatalf("refused unlink page: %d %.1500s", page.Status, page.Body)
	}

	// Nobody else, and no request without its CSRF token, unlinks it.
	bob := ts.member("Bob")
	bob.do("DELETE", path, nil).wantError(http.StatusNotFound, models.CodeNotFound)
	bob.form("/settings/identities/"+itoa(zoeIdentity)+"/unlink", nil).want(http.StatusNotFound)
	for _, bad := range []string{"x", "0", "99999"} {
		zoe.do("DELETE", "/api/v1/me/identities/"+bad, nil).wantError(http.StatusNotFound, models.CodeNotFound)
	}
	noCSRF := *zoe
	noCSRF.csrf = ""
	noCSRF.do("DELETE", path, nil).wantError(http.StatusForbidden, "csrf_failed")
	if n := len(zoe.do("GET", "/api/v1/me/identities", nil).want(http.StatusOK).list("identities")); n != 1 {
		t.Fatalf("zoe has %d identities", n)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "zoe-1", Email: "zoe@example.com", EmailVerified: true})
	ts.browser().do("GET", "/auth/openid-connect", nil).want(http.StatusOK)

	// Ann has a password, so she may unlink the provider she linked: from
	// the settings page ...
	ann := ts.member("Ann")
	annBrowser := ts.browser()
	annBrowser.http.Jar, annBrowser.csrf = ann.http.Jar, ann.csrf
	link := func() int64 {
		m.QueueUser(&mockoidc.MockUser{Subject: "ann-sso", Email: "ann@example.com", EmailVerified: true})
		annBrowser.do("GET", "/auth/openid-connect?link=1", nil).want(http.StatusOK)
		list := ann.do("GET", "/api/v1/me/identities", nil).want(http.StatusOK).list("identities")
		if len(list) != 1 {
			t.Fatalf("ann has %d identities", len(list))
		}
		return int64(list[0].(map[string]any)["id"].(float64))
	}
	id := link()
	settings := ann.do("GET", "/settings", nil).want(http.StatusOK).Body
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(settings))
	if doc.Find(`#identities form[action="/settings/identities/`+itoa(id)+`/unlink"] input[name="csrf_token"]`).Length() != 1 ||
		!strings.Contains(doc.Find("#identities").Text(), "Acme SSO") {
		t.Fatalf("settings lacks the unlink form: %.3000s", settings)
	}
	ann.form("/settings/identities/"+itoa(id)+"/unlink", nil).want(http.StatusSeeOther)
	if n := len(ann.do("GET", "/api/v1/me/identities", nil).want(http.StatusOK).list("identities")); n != 0 {
		t.Fatalf("after unlinking, %d identities", n)
	}
	// ... or with the API; then the provider no longer signs her in.
	id = link()
	ann.do("DELETE", "/api/v1/me/identities/"+itoa(id), nil).want(http.StatusNoContent)
	ann.do("DELETE", "/api/v1/me/identities/"+itoa(id), nil).wantError(http.StatusNotFound, models.CodeNotFound)
	m.QueueUser(&mockoidc.MockUser{Subject: "ann-sso", Email: "ann@example.com", EmailVerified: true})
	c := ts.client()
	cb := authorizeAt(t, ts, startSignIn(t, c))
	c.do("GET", cb, nil).want(http.StatusConflict) // account_exists: an email match never links
	c.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)
	ann.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	if n := memberCount(t, ts); n != 3 {
		t.Fatalf("%d members", n)
	}
}
