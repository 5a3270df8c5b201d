package models_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

// Thread pages, the thread API and replies check a thread against one plain
// statement (readThreadPlace) that names its columns. It must read a thread,
// its space and the reader's membership exactly as GORM reads their rows, so
// a column added to one of them and not to the statement fails here: for a
// reader who is a member (a steward, of a successor space) and one who is not.
func TestThreadPlaceReadsEveryColumn(t *testing.T) {
	wantFields(t, "readThreadPlace (models/thread.go)", map[reflect.Type]int{
		reflect.TypeFor[models.Thread](): 10, reflect.TypeFor[models.Space](): 14, reflect.TypeFor[models.Membership](): 6,
	})
	Each(t, func(t *testing.T, d models.Dialect) {
		s := OpenURL(t, URL(t, d), Options())
		ctx := context.Background()
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "ops", models.VisibilityOpen)
		if _, err := s.StartSuccessor(ctx, ann, "ops", models.NewSpace{Slug: "ops-next", Name: "Ops next", Purpose: Purpose,
			Visibility: models.VisibilityOpen}); err != nil {
			t.Fatal(err)
		}
		before, _ := MustCreateThread(t, s, ann, "ops", "In the space that has a successor")
		after, _ := MustCreateThread(t, s, ann, "ops-next", "In the successor")
		MustReply(t, s, ann, after.ID, "A reply, so the thread has a last post.")
		for _, th := range []*models.Thread{before, after} {
			for _, reader := range []models.Actor{ann, bob} {
				plain, viaGORM, err := s.ThreadPlaceForTest(ctx, reader, th.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(plain, viaGORM) {
					t.Errorf("thread %d for %s:\nplain %+v\nGORM  %+v", th.ID, reader.Name, plain, viaGORM)
				}
			}
		}
	})
}

// Every signed-in request reads its session or API token with its member in
// one plain statement (memberColumns): it reads them exactly as GORM does,
// and the session with the member's unread count.
func TestCredentialsReadTheirMemberWhole(t *testing.T) {
	wantFields(t, "memberColumns (models/member.go) and SessionByToken", map[reflect.Type]int{
		reflect.TypeFor[models.Member](): 7, reflect.TypeFor[models.Session](): 10,
	})
	Each(t, func(t *testing.T, d models.Dialect) {
		s := OpenURL(t, URL(t, d), Options())
		ctx := context.Background()
		ann := MustCreateMember(t, s, "Ann")
		token, err := s.CreateAPIToken(ctx, ann, "a script")
		if err != nil {
			t.Fatal(err)
		}
		cookie, _, err := s.CreateSession(ctx, models.NewSession{MemberID: ann.ID, UserAgent: "a browser", IP: "127.0.0.1", TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		byToken, err := s.MemberByAPIToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		sess, bySession, err := s.SessionByToken(ctx, cookie)
		if err != nil {
			t.Fatal(err)
		}
		wantMember, wantSession, err := s.RowsForTest(ctx, ann.ID, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*byToken, wantMember) || !reflect.DeepEqual(*bySession, wantMember) {
			t.Errorf("members read with a token %+v and a session %+v, not %+v", *byToken, *bySession, wantMember)
		}
		wantSession.Unread = 0 // not stored: ann has no notification yet
		if !reflect.DeepEqual(*sess, wantSession) {
			t.Errorf("session read %+v, not %+v", *sess, wantSession)
		}

		// Two replies to Ann are two unread notifications; reading one
		// leaves one.
		MustCreateSpace(t, s, ann, "ops", models.VisibilityOpen)
		th, _ := MustCreateThread(t, s, ann, "ops", "Pager rota")
		bob := MustCreateMember(t, s, "Bob")
		MustJoin(t, s, bob, "ops")
		MustReply(t, s, bob, th.ID, "I can take Tuesdays")
		MustReply(t, s, bob, th.ID, "And Thursdays")
		unread := func(want int64) {
			t.Helper()
			sess, _, err := s.SessionByToken(ctx, cookie)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.UnreadCount(ctx, ann)
			if err != nil {
				t.Fatal(err)
			}
			if sess.Unread != want || n != want {
				t.Errorf("the session counts %d unread, UnreadCount %d, want %d", sess.Unread, n, want)
			}
		}
		unread(2)
		list, _, err := s.Notifications(ctx, ann, models.Page{})
		if err != nil || len(list) != 2 {
			t.Fatalf("notifications %v, %v", list, err)
		}
		if err := s.MarkNotificationsRead(ctx, ann, []int64{list[0].ID}); err != nil {
			t.Fatal(err)
		}
		unread(1)
	})
}

// wantFields fails when a model has more or fewer fields than the plain
// statement that reads it was written for.
func wantFields(t *testing.T, reader string, fields map[reflect.Type]int) {
	t.Helper()
	for typ, want := range fields {
		if n := typ.NumField(); n != want {
			t.Errorf("%s has %d fields, not %d: read the new ones in %s, then count them here", typ, n, want, reader)
		}
	}
}
