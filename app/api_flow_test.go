package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kith/models"
	"kith/models/storetest"
)

// TestAPIForumFlow walks the first-day story through the API: sign up, start
// a space, a second person reads the purpose, affirms it, joins, replies, the
// author edits, and people leave.
func TestAPIForumFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann := ts.member("Ann")
		ann.space("go-guild", "open")
		tid, pid := ann.thread("go-guild", "Error wrapping")

		bob := ts.member("Bob")
		sp := bob.do("GET", "/api/v1/spaces/go-guild", nil).want(http.StatusOK)
		if sp.str("space", "purpose", "text") != testPurpose || sp.get("space", "is_member") != false {
			t.Fatalf("space before joining: %s", sp.Body)
		}
		bob.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "me too"}).wantError(http.StatusForbidden, models.CodeNotMember)
		bob.do("POST", "/api/v1/spaces/go-guild/join", map[string]any{}).wantError(http.StatusUnprocessableEntity, models.CodePurposeNotAffirmed)
		m := bob.do("POST", "/api/v1/spaces/go-guild/join", map[string]any{"affirm_purpose_version": 1}).want(http.StatusOK)
		if m.int("membership", "affirmed_purpose_version") != 1 {
			t.Fatalf("membership: %s", m.Body)
		}
		reply := bob.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "Use `%w`, *always*.", "reply_to_post_id": pid}).want(http.StatusCreated)
		rid := reply.int("post", "id")
		if !strings.Contains(reply.str("post", "html"), "<code>%w</code>") {
			t.Fatalf("rendered reply: %s", reply.Body)
		}

		cat := ts.member("Cat")
		cat.join("go-guild")
		cat.do("PATCH", "/api/v1/posts/"+itoa(rid), map[string]any{"body": "hijack"}).wantError(http.StatusForbidden, models.CodeForbidden)
		bob.do("PATCH", "/api/v1/posts/"+itoa(rid), map[string]any{"body": "Use `%w` when callers need the cause."}).want(http.StatusOK)
		revs := bob.do("GET", "/api/v1/posts/"+itoa(rid)+"/revisions", nil).want(http.StatusOK)
		if l := revs.list("revisions"); len(l) != 1 || !strings.Contains(revs.Body, "*always*") {
			t.Fatalf("revisions: %s", revs.Body)
		}

		th := ann.do("GET", "/api/v1/threads/"+itoa(tid), nil).want(http.StatusOK)
		if posts := th.list("posts"); len(posts) != 2 || th.str("next_cursor") != "" {
			t.Fatalf("thread: %s", th.Body)
		}
		members := ann.do("GET", "/api/v1/spaces/go-guild/members", nil).want(http.StatusOK)
		if l := members.list("members"); len(l) != 3 || strings.Contains(members.Body, "rank") {
			t.Fatalf("members: %s", members.Body)
		}

		bob.do("POST", "/api/v1/spaces/go-guild/leave", nil).want(http.StatusOK)
		bob.do("POST", "/api/v1/spaces/go-guild/leave", nil).want(http.StatusOK)
		bob.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "after leaving"}).wantError(http.StatusForbidden, models.CodeNotMember)
		bob.do("PATCH", "/api/v1/posts/"+itoa(rid), map[string]any{"body": "after leaving"}).wantError(http.StatusForbidden, models.CodeForbidden)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBearerLogoutRevokesToken: a script signs out by revoking its token.
func TestBearerLogoutRevokesToken(t *testing.T) {
	ts := startServer(t, models.SQLite, nil)
	ts.member("Ann")
	bot := ts.client()
	bot.bearer = bot.do("POST", "/api/v1/auth/token", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusCreated).str("token")
	bot.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	bot.do("POST", "/api/v1/auth/logout", nil).want(http.StatusNoContent)
	bot.do("GET", "/api/v1/me", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
}
