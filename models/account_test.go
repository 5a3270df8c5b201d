package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

func TestSignUpAndAuthenticate(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		m, err := s.SignUp(ctx, models.NewAccount{Email: " Ann@Example.COM ", Name: " Ann ", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Email != "ann@example.com" || m.Name != "Ann" || m.IsAdmin || strings.Contains(m.PasswordHash, "horse") {
			t.Fatalf("member = %+v", m)
		}
		_, err = s.SignUp(ctx, models.NewAccount{Email: "ANN@example.com", Name: "Other", Password: "correct horse battery"})
		RequireCode(t, err, models.CodeEmailTaken)
		if _, err := s.Authenticate(ctx, "ANN@example.com", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(ctx, "ann@example.com", "wrong horse battery")
		RequireCode(t, err, models.CodeInvalidCredentials)
		_, err = s.Authenticate(ctx, "nobody@example.com", "correct horse battery")
		RequireCode(t, err, models.CodeInvalidCredentials)

		for _, bad := range []models.NewAccount{
			{Email: "", Name: "A", Password: "correct horse battery"},
			{Email: "not-an-email", Name: "A", Password: "correct horse battery"},
			{Email: "Ann <a@example.com>", Name: "A", Password: "correct horse battery"},
			{Email: "b@example.com", Name: "", Password: "correct horse battery"},
			{Email: "b@example.com", Name: strings.Repeat("n", 81), Password: "correct horse battery"},
			{Email: "b@example.com", Name: "B", Password: "short"},
			{Email: "b@example.com", Name: "B", Password: strings.Repeat("p", 73)},
		} {
			_, err := s.SignUp(ctx, bad)
			RequireCode(t, err, models.CodeInvalid)
		}
	})
}

func TestSignupClosed(t *testing.T) {
	opts := Options()
	opts.Policy.SignupClosed = true
	s := OpenURL(t, URL(t, models.SQLite), opts)
	_, err := s.SignUp(context.Background(), models.NewAccount{Email: "a@example.com", Name: "A", Password: "correct horse battery"})
	RequireCode(t, err, models.CodeSignupClosed)
	if _, err := s.CreateAdmin(context.Background(), models.NewAccount{Email: "root@example.com", Name: "Root", Password: "correct horse battery"}); err != nil {
		t.Fatalf("the first admin must still be creatable: %v", err)
	}
}

func TestSessionsEndAtOnce(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		opts := Options()
		opts.Now = func() time.Time { return now }
		s := OpenURL(t, url, opts)
		ann := MustCreateMember(t, s, "Ann")
		token, _, err := s.CreateSession(ctx, models.NewSession{MemberID: ann.ID, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, m, err := s.SessionByToken(ctx, token); err != nil || m.ID != ann.ID {
			t.Fatalf("session = %v, %v", m, err)
		}
		_, _, err = s.SessionByToken(ctx, token+"x")
		RequireCode(t, err, models.CodeUnauthorized)

		now = now.Add(2 * time.Hour)
		_, _, err = s.SessionByToken(ctx, token)
		RequireCode(t, err, models.CodeUnauthorized)
		now = now.Add(-2 * time.Hour)

		apiToken, err := s.CreateAPIToken(ctx, ann, "bot")
		if err != nil || !strings.HasPrefix(apiToken, "kith_") {
			t.Fatalf("api token %q, %v", apiToken, err)
		}
		if _, err := s.MemberByAPIToken(ctx, apiToken); err != nil {
			t.Fatal(err)
		}
		// Suspension ends sessions and tokens at once.
		if _, err := MustRawSQL(t, url).Exec("UPDATE members SET suspended_at = created_at WHERE id = $1", ann.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionByToken(ctx, token)
		RequireCode(t, err, models.CodeSuspended)
		_, err = s.MemberByAPIToken(ctx, apiToken)
		RequireCode(t, err, models.CodeSuspended)
		_, err = s.Authenticate(ctx, "ann@example.com", "correct horse battery")
		RequireCode(t, err, models.CodeSuspended)

		if err := s.EndSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionByToken(ctx, token)
		RequireCode(t, err, models.CodeUnauthorized)
	})
}

func TestSpaceValidation(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		ok := models.NewSpace{Slug: "go-guild", Name: "Go Guild", Purpose: strings.Repeat("p", 20), Visibility: models.VisibilityOpen}
		for _, c := range []struct {
			mutate func(*models.NewSpace)
			field  string
		}{
			{func(n *models.NewSpace) { n.Slug = "" }, "slug"},
			{func(n *models.NewSpace) { n.Slug = "Go Guild" }, "slug"},
			{func(n *models.NewSpace) { n.Slug = "go--guild" }, "slug"},
			{func(n *models.NewSpace) { n.Slug = "-go" }, "slug"},
			{func(n *models.NewSpace) { n.Slug = "g" }, "slug"},
			{func(n *models.NewSpace) { n.Name = "  " }, "name"},
			{func(n *models.NewSpace) { n.Purpose = strings.Repeat("p", 19) }, "purpose"},
			{func(n *models.NewSpace) { n.Purpose = strings.Repeat("p", 2001) }, "purpose"},
			{func(n *models.NewSpace) { n.Visibility = "secret" }, "visibility"},
		} {
			in := ok
			c.mutate(&in)
			_, err := s.CreateSpace(ctx, ann, in)
			var de *models.Error
			if !asDomain(err, &de) || de.Code != models.CodeInvalid || de.Field != c.field {
				t.Errorf("%+v: got %v, want invalid %s", in, err, c.field)
			}
		}
		long := ok
		long.Purpose = strings.Repeat("é", 2000) // characters, not bytes
		if _, err := s.CreateSpace(ctx, ann, long); err != nil {
			t.Fatal(err)
		}
		dup := ok
		dup.Name = "Another"
		_, err := s.CreateSpace(ctx, ann, dup)
		RequireCode(t, err, models.CodeSlugTaken)
		_, err = s.CreateSpace(ctx, models.Actor{}, ok)
		RequireCode(t, err, models.CodeUnauthorized)
	})
}

func TestAdminsOnlyCreateSpacesBySetting(t *testing.T) {
	opts := Options()
	opts.Policy.AdminsCreateSpaces = true
	s := OpenURL(t, URL(t, models.SQLite), opts)
	ann := MustCreateMember(t, s, "Ann")
	root := MustCreateAdmin(t, s, "Root")
	in := models.NewSpace{Slug: "go-guild", Name: "Go Guild", Purpose: Purpose}
	_, err := s.CreateSpace(context.Background(), ann, in)
	RequireCode(t, err, models.CodeForbidden)
	if _, err := s.CreateSpace(context.Background(), root, in); err != nil {
		t.Fatal(err)
	}
}
