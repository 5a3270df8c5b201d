package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

func countRows(t *testing.T, url, table string) int {
	t.Helper()
	var n int
	if err := MustRawSQL(t, url).QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignInWithIdentity(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		claims := models.Claims{Provider: "openid-connect", Subject: "sub-1", Email: " Zoe@Example.com ", EmailVerified: true, Name: "Zoe"}
		m, err := s.SignInWithIdentity(ctx, claims)
		if err != nil {
			t.Fatal(err)
		}
		if m.Email != "zoe@example.com" || m.Name != "Zoe" || m.IsAdmin || m.PasswordHash != "" {
			t.Fatalf("member = %+v", m)
		}
		// The new account joins no space.
		if n := countRows(t, url, "memberships"); n != 0 {
			t.Fatalf("%d memberships after first sign-in", n)
		}
		// Later sign-ins find the account by subject, whatever the name and email say now.
		again, err := s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "sub-1", Email: "zoe.new@example.com", Name: "Someone Else"})
		if err != nil || again.ID != m.ID {
			t.Fatalf("second sign-in = %+v, %v; want member %d", again, err, m.ID)
		}
		// Same display name, other subject: a different person, never the same account.
		_, err = s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "sub-2", Email: "zoe@example.com", EmailVerified: true, Name: "Zoe"})
		RequireCode(t, err, models.CodeAccountExists)
		other, err := s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "sub-3", Email: "zoe2@example.com", EmailVerified: true, Name: "Zoe"})
		if err != nil || other.ID == m.ID {
			t.Fatalf("other Zoe = %+v, %v", other, err)
		}
		// The same subject at another provider is another identity.
		_, err = s.SignInWithIdentity(ctx, models.Claims{Provider: "github", Subject: "sub-1", Email: "zoe@example.com", EmailVerified: true, Name: "Zoe"})
		RequireCode(t, err, models.CodeAccountExists)
		members := countRows(t, url, "members")

		// An unverified email is refused and creates nothing.
		_, err = s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "sub-4", Email: "new@example.com", EmailVerified: false, Name: "New"})
		RequireCode(t, err, models.CodeEmailUnverified)
		_, err = s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "sub-4", EmailVerified: true, Name: "New"})
		RequireCode(t, err, models.CodeEmailUnverified)
		_, err = s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "", Email: "new@example.com", EmailVerified: true})
		RequireCode(t, err, models.CodeIdentityIncomplete)
		if n := countRows(t, url, "members"); n != members {
			t.Fatalf("members %d -> %d after refused sign-ins", members, n)
		}

		// A suspended member is refused.
		if _, err := MustRawSQL(t, url).Exec("UPDATE members SET suspended_at = created_at WHERE id = $1", m.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.SignInWithIdentity(ctx, claims)
		RequireCode(t, err, models.CodeSuspended)
	})
}

func TestAllowedEmailDomains(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		opts := Options()
		opts.Policy.AllowedEmailDomains = []string{"corp.example", "@Lab.Example"}
		s := OpenURL(t, url, opts)

		_, err := s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "x", Email: "eve@gmail.example", EmailVerified: true, Name: "Eve"})
		RequireCode(t, err, models.CodeEmailNotAllowed)
		_, err = s.SignUp(ctx, models.NewAccount{Email: "eve@gmail.example", Name: "Eve", Password: "correct horse battery"})
		RequireCode(t, err, models.CodeEmailNotAllowed)
		// A look-alike domain is not the domain.
		_, err = s.SignUp(ctx, models.NewAccount{Email: "eve@evilcorp.example", Name: "Eve", Password: "correct horse battery"})
		RequireCode(t, err, models.CodeEmailNotAllowed)
		if n := countRows(t, url, "members"); n != 0 {
			t.Fatalf("%d members after refused sign-ups", n)
		}
		if _, err := s.SignInWithIdentity(ctx, models.Claims{Provider: "openid-connect", Subject: "a", Email: "ann@CORP.example", EmailVerified: true, Name: "Ann"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignUp(ctx, models.NewAccount{Email: "bob@lab.example", Name: "Bob", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "bob@lab.example", "correct horse battery"); err != nil {
			t.Fatal(err)
		}

		// An account made before the restriction cannot sign in once it applies.
		open := OpenURL(t, url, Options())
		if _, err := open.SignUp(ctx, models.NewAccount{Email: "old@gmail.example", Name: "Old", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(ctx, "old@gmail.example", "correct horse battery")
		RequireCode(t, err, models.CodeEmailNotAllowed)
		// The admin from `kith admin create` still signs in.
		if _, err := s.CreateAdmin(ctx, models.NewAccount{Email: "root@localhost.example", Name: "Root", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "root@localhost.example", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLinkIdentity(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		claims := models.Claims{Provider: "openid-connect", Subject: "ann-sub", Email: "ann@example.com", EmailVerified: true, Name: "Ann"}

		// An email match alone does not link.
		_, err := s.SignInWithIdentity(ctx, claims)
		RequireCode(t, err, models.CodeAccountExists)

		_, err = s.LinkIdentity(ctx, models.Actor{}, claims)
		RequireCode(t, err, models.CodeUnauthorized)
		if _, err := s.LinkIdentity(ctx, ann, claims); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LinkIdentity(ctx, ann, claims); err != nil {
			t.Fatalf("linking twice: %v", err)
		}
		m, err := s.SignInWithIdentity(ctx, claims)
		if err != nil || m.ID != ann.ID {
			t.Fatalf("sign-in after link = %+v, %v", m, err)
		}
		_, err = s.LinkIdentity(ctx, bob, claims)
		RequireCode(t, err, models.CodeIdentityLinked)
		ids, err := s.Identities(ctx, ann)
		if err != nil || len(ids) != 1 || ids[0].Provider != "openid-connect" {
			t.Fatalf("identities = %+v, %v", ids, err)
		}
		if ids, _ := s.Identities(ctx, bob); len(ids) != 0 {
			t.Fatalf("bob's identities = %+v", ids)
		}
		if n := countRows(t, url, "identities"); n != 1 {
			t.Fatalf("%d identities", n)
		}
	})
}

func TestMemberSessions(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		opts := Options()
		opts.Now = func() time.Time { return now }
		s := OpenURL(t, URL(t, d), opts)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		t1, s1, err := s.CreateSession(ctx, models.NewSession{MemberID: ann.ID, UserAgent: "Firefox", TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		t2, s2, err := s.CreateSession(ctx, models.NewSession{MemberID: ann.ID, UserAgent: "Phone", TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		_, sb, err := s.CreateSession(ctx, models.NewSession{MemberID: bob.ID, UserAgent: "Bob's", TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.Sessions(ctx, ann, s1.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("sessions = %+v, %v", list, err)
		}
		if list[0].ID != s2.ID || list[0].UserAgent != "Phone" || list[0].Current || !list[1].Current {
			t.Fatalf("sessions = %+v", list)
		}
		_, err = s.Sessions(ctx, models.Actor{}, 0)
		RequireCode(t, err, models.CodeUnauthorized)

		// Only your own sessions can be ended.
		RequireCode(t, s.EndSessionByID(ctx, ann, sb.ID), models.CodeNotFound)
		RequireCode(t, s.EndSessionByID(ctx, models.Actor{}, s2.ID), models.CodeUnauthorized)
		if err := s.EndSessionByID(ctx, ann, s2.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionByToken(ctx, t2)
		RequireCode(t, err, models.CodeUnauthorized)
		if _, _, err := s.SessionByToken(ctx, t1); err != nil {
			t.Fatalf("the other session ended too: %v", err)
		}
		if list, _ := s.Sessions(ctx, bob, 0); len(list) != 1 {
			t.Fatalf("bob's sessions = %+v", list)
		}
	})
}

func TestUnlinkIdentity(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		oidc := models.Claims{Provider: "openid-connect", Subject: "zoe-sub", Email: "zoe@example.com", EmailVerified: true, Name: "Zoe"}
		gh := models.Claims{Provider: "github", Subject: "zoe-gh", Email: "zoe@example.com", EmailVerified: true, Name: "Zoe"}
		m, err := s.SignInWithIdentity(ctx, oidc)
		if err != nil {
			t.Fatal(err)
		}
		zoe := models.ActorOf(m)
		ids, _ := s.Identities(ctx, zoe)

		// The only way in stays linked.
		RequireCode(t, s.UnlinkIdentity(ctx, zoe, ids[0].ID), models.CodeLastSignInMethod)
		if _, err := s.SignInWithIdentity(ctx, oidc); err != nil {
			t.Fatalf("sign-in after a refused unlink: %v", err)
		}
		// Nobody else can unlink it, nor can anyone signed out.
		bob := MustCreateMember(t, s, "Bob")
		RequireCode(t, s.UnlinkIdentity(ctx, bob, ids[0].ID), models.CodeNotFound)
		RequireCode(t, s.UnlinkIdentity(ctx, models.Actor{}, ids[0].ID), models.CodeUnauthorized)
		RequireCode(t, s.UnlinkIdentity(ctx, zoe, ids[0].ID+1000), models.CodeNotFound)

		// With a second provider linked, either may go, but not both.
		if _, err := s.LinkIdentity(ctx, zoe, gh); err != nil {
			t.Fatal(err)
		}
		if err := s.UnlinkIdentity(ctx, zoe, ids[0].ID); err != nil {
			t.Fatal(err)
		}
		// The unlinked identity no longer signs Zoe in; an email match does not either.
		_, err = s.SignInWithIdentity(ctx, oidc)
		RequireCode(t, err, models.CodeAccountExists)
		if got, err := s.SignInWithIdentity(ctx, gh); err != nil || got.ID != m.ID {
			t.Fatalf("github sign-in = %+v, %v", got, err)
		}
		ids, _ = s.Identities(ctx, zoe)
		if len(ids) != 1 || ids[0].Provider != "github" {
			t.Fatalf("identities = %+v", ids)
		}
		RequireCode(t, s.UnlinkIdentity(ctx, zoe, ids[0].ID), models.CodeLastSignInMethod)
		var audited int
		if err := MustRawSQL(t, url).QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'identity.unlinked' AND subject_id = $1", m.ID).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Fatalf("%d audit entries for unlinking", audited)
		}

		// An account with a password may unlink its last provider.
		ann := MustCreateMember(t, s, "Ann")
		annID, err := s.LinkIdentity(ctx, ann, models.Claims{Provider: "github", Subject: "ann-gh", Email: "ann@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UnlinkIdentity(ctx, ann, annID.ID); err != nil {
			t.Fatal(err)
		}
		if ids, _ := s.Identities(ctx, ann); len(ids) != 0 {
			t.Fatalf("ann's identities = %+v", ids)
		}
	})
}

// TestUnlinkIdentityConcurrently: two unlinks at once, of an account's two
// identities, leave it one.
func TestUnlinkIdentityConcurrently(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		for round := range 5 {
			sub := func(p string) models.Claims {
				return models.Claims{Provider: p, Subject: fmt.Sprintf("kim-%d", round), Email: fmt.Sprintf("kim%d@example.com", round), EmailVerified: true, Name: "Kim"}
			}
			m, err := s.SignInWithIdentity(ctx, sub("openid-connect"))
			if err != nil {
				t.Fatal(err)
			}
			kim := models.ActorOf(m)
			if _, err := s.LinkIdentity(ctx, kim, sub("github")); err != nil {
				t.Fatal(err)
			}
			ids, _ := s.Identities(ctx, kim)
			errs := make(chan error, 2)
			for _, idt := range ids {
				go func() { errs <- s.UnlinkIdentity(ctx, kim, idt.ID) }()
			}
			refused := 0
			for range 2 {
				if err := <-errs; models.ErrorCode(err) == models.CodeLastSignInMethod {
					refused++
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if left, _ := s.Identities(ctx, kim); len(left) != 1 || refused != 1 {
				t.Fatalf("round %d: %d identities left, %d refused", round, len(left), refused)
			}
		}
	})
}
