package app_test

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// TestNoRouteMakesSomeoneElseAMember walks every route the router registers,
// pages and API alike, as an admin and as a steward, aimed in every way we can
// think of at Vic, who has asked for nothing and accepted nothing. Afterwards
// Vic belongs to no space. A route added later is walked too.
func TestNoRouteMakesSomeoneElseAMember(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.PasswordCost = 4
	cfg.SignupsPerHour, cfg.LoginsPerMinute, cfg.TokensPerMinute = 100000, 100000, 100000
	cfg.DatabaseURL = storetest.URL(t, models.SQLite)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	store := storetest.OpenURL(t, cfg.DatabaseURL, cfg.StoreOptions())
	srv, err := app.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ts := &testServer{t: t, URL: hs.URL, Store: store, Cfg: cfg}
	raw := storetest.MustRawSQL(t, cfg.DatabaseURL)

	steward := ts.member("Sam Steward")
	vic := ts.member("Vic Victim")
	admin := ts.admin("Ada Admin")
	slugs := []string{"open-space", "request-space", "invite-space"}
	for _, slug := range slugs {
		steward.space(slug, strings.TrimSuffix(slug, "-space"))
		tid, _ := steward.thread(slug, "Thread in "+slug)
		steward.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "reply"})
	}
	vid := itoa(vic.ID)
	body := map[string]any{
		"member_id": vic.ID, "member_ids": []int64{vic.ID}, "invitee_id": vic.ID, "user_id": vic.ID, "person_id": vic.ID,
		"id": vic.ID, "affirm_purpose_version": 1, "consent": true, "reason": "testing", "message": "hi", "note": "hi",
		"slug": "forced-space", "name": "Forced", "purpose": storetest.Purpose, "visibility": "open", "email": "vic.victim@example.com",
	}
	form := map[string]string{}
	for k, v := range body {
		switch v := v.(type) {
		case int64:
			form[k] = itoa(v)
		case []int64:
			form[k] = itoa(v[0])
		default:
			form[k] = fmt.Sprint(v)
		}
	}
	form["affirm"] = "yes"

	routes := srv.Routes()
	if len(routes) < 40 {
		t.Fatalf("the router lists only %d routes", len(routes))
	}
	// Routes that end the caller's own sessions go last, so that the walker
	// does not sign itself out and walk the rest as nobody.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.Contains(routes[i].Path, "/sessions/") && strings.Contains(routes[j].Path, "/sessions/")
	})
	walked := 0
	for _, rt := range routes {
		if rt.Method == "GET" || rt.Method == "HEAD" || strings.Contains(rt.Path, "/auth/") || rt.Path == "/login" || rt.Path == "/signup" || rt.Path == "/logout" {
			continue // reads change nothing; signing in or out acts only on oneself
		}
		for _, path := range expand(rt.Path, slugs, vid) {
			for _, who := range []*client{admin, steward} {
				walked++
				if strings.HasPrefix(path, "/api/") {
					who.do(rt.Method, path, body)
				} else if rt.Method == "POST" {
					who.form(path, form)
				}
				if n := memberships(t, raw, vic.ID); n != 0 {
					t.Fatalf("%s %s as %s made Vic a member of %d spaces", rt.Method, path, who.Name, n)
				}
			}
		}
	}
	if walked < 100 {
		t.Fatalf("walked only %d requests", walked)
	}
	// The check itself can see a membership: Vic's own join shows up.
	vic.join("open-space")
	if n := memberships(t, raw, vic.ID); n != 1 {
		t.Fatalf("after Vic's own join the check counts %d memberships", n)
	}
	t.Logf("walked %d routes as admin and steward in %d requests; Vic belongs to no space", len(routes), walked)
}

// expand fills a route's parameters with every space, with Vic's id, and with
// the ids of everything created so far (threads, posts, requests, invitations,
// offers...), so that no id escapes the walk.
func expand(path string, slugs []string, vid string) []string {
	paths := []string{path}
	if strings.Contains(path, ":slug") {
		var next []string
		for _, p := range paths {
			for _, s := range slugs {
				next = append(next, strings.Replace(p, ":slug", s, 1))
			}
		}
		paths = next
	}
	for _, param := range []string{":id", ":member_id", ":provider"} {
		if !strings.Contains(path, param) {
			continue
		}
		var next []string
		for _, p := range paths {
			for i := 1; i <= 12; i++ {
				next = append(next, strings.Replace(p, param, itoa(int64(i)), 1))
			}
			next = append(next, strings.Replace(p, param, url.PathEscape(vid), 1))
		}
		paths = next
	}
	for i, p := range paths {
		paths[i] = strings.ReplaceAll(p, "*", "anything")
	}
	return paths
}

func memberships(t *testing.T, db *sql.DB, memberID int64) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM memberships WHERE member_id = $1", memberID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
