package app_test

import (
	"net/http"
	"strings"
	"testing"

	"kith/models"
	"kith/models/storetest"
)

// inboxRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var inboxRoutesCovered = []string{
	"GET /notifications",
	"POST /notifications/read",
}

// TestNotificationsAPI: each person reads and marks only their own
// notifications; the contract's shape is {id, kind, read, created_at, data}.
func TestNotificationsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("go-guild", "open")
		bob.join("go-guild")
		tid, pid := ann.thread("go-guild", "Hello")
		for i := 0; i < 3; i++ {
			bob.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": "reply", "reply_to_post_id": pid}).want(http.StatusCreated)
		}

		ts.client().do("GET", "/api/v1/notifications", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)
		ts.client().do("POST", "/api/v1/notifications/read", nil).wantError(http.StatusUnauthorized, models.CodeUnauthorized)

		list := ann.do("GET", "/api/v1/notifications?limit=2", nil).want(http.StatusOK)
		items := list.list("notifications")
		if len(items) != 2 || list.int("unread") != 3 || list.str("next_cursor") == "" {
			t.Fatalf("first page: %s", list.Body)
		}
		first := items[0].(map[string]any)
		data, _ := first["data"].(map[string]any)
		if first["kind"] != models.NoticeReply || first["read"] != false || data["thread_id"] != float64(tid) || data["space"].(map[string]any)["slug"] != "go-guild" {
			t.Fatalf("notification shape: %v", first)
		}
		id := int64(first["id"].(float64))
		if bob.do("POST", "/api/v1/notifications/read", map[string]any{"ids": []int64{id}}).want(http.StatusOK).int("unread") != 0 {
			t.Fatal("bob's unread count is wrong")
		}
		if ann.do("GET", "/api/v1/notifications", nil).int("unread") != 3 {
			t.Fatal("bob marked ann's notification read")
		}
		if got := ann.do("POST", "/api/v1/notifications/read", map[string]any{"ids": []int64{id}}).want(http.StatusOK).int("unread"); got != 2 {
			t.Fatalf("after marking one: %d unread", got)
		}
		for _, row := range []struct {
			body   any
			status int
			code   string
		}{
			{`{"ids": "all"}`, 400, "bad_request"},
			{`{"ids": [1, "x"]}`, 400, "bad_request"},
			{`{"ids": [1]`, 400, "bad_request"},
			{map[string]any{"ids": make([]int64, 101)}, 422, models.CodeInvalid},
		} {
			ann.do("POST", "/api/v1/notifications/read", row.body).wantError(row.status, row.code)
		}
		ann.do("GET", "/api/v1/notifications?cursor=nope", nil).wantError(422, models.CodeInvalid)
		if got := ann.do("POST", "/api/v1/notifications/read", nil).want(http.StatusOK).int("unread"); got != 0 {
			t.Fatalf("after marking all: %d unread", got)
		}
		if body := ann.do("GET", "/api/v1/notifications", nil).Body; strings.Contains(body, `"read":false`) {
			t.Fatalf("still unread: %s", body)
		}
	})
}
