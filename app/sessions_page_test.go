package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kith/models"
	"kith/models/storetest"
)

// TestSettingsListsAndEndsSessions: a member sees their browsers on /settings
// and signs one out from another; it is signed out at once.
func TestSettingsListsAndEndsSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann := ts.member("Ann")
		phone := ts.client()
		phone.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}).want(http.StatusOK)
		phone.refreshCSRF()
		bob := ts.member("Bob")

		list, err := ts.Store.Sessions(context.Background(), models.Actor{ID: ann.ID}, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("sessions = %+v, %v", list, err)
		}
		page := ann.do("GET", "/settings", nil).want(http.StatusOK).Body
		if !strings.Contains(page, "Sessions") || strings.Count(page, "/settings/sessions/") != 2 || !strings.Contains(page, "this browser") {
			t.Fatalf("settings page lacks the sessions: %.3000s", page)
		}
		var phoneID int64
		for _, s := range list {
			if !strings.Contains(page, "/settings/sessions/"+strconv.FormatInt(s.ID, 10)+"/end") {
				t.Fatalf("session %d not listed", s.ID)
			}
			// The phone signed in after Ann signed up, so its session has the larger id.
			if s.ID > phoneID {
				phoneID = s.ID
			}
		}

		// Bob cannot end Ann's session.
		bob.form("/settings/sessions/"+strconv.FormatInt(phoneID, 10)+"/end", nil).want(http.StatusNotFound)
		phone.do("GET", "/api/v1/me", nil).want(http.StatusOK)
		// Without the CSRF token the form is refused.
		noCSRF := *ann
		noCSRF.csrf = ""
		if r := noCSRF.form("/settings/sessions/"+strconv.FormatInt(phoneID, 10)+"/end", nil); r.Status < 400 {
			t.Fatalf("ending a session without a CSRF token: status %d", r.Status)
		}

		ann.form("/settings/sessions/"+strconv.FormatInt(phoneID, 10)+"/end", nil).want(http.StatusSeeOther)
		phone.do("GET", "/api/v1/me", nil).want(http.StatusUnauthorized)
		ann.do("GET", "/api/v1/me", nil).want(http.StatusOK)
	})
}
