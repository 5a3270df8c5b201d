package models_test

import (
	"context"
	"strings"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

func TestJoinRequestApproval(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		cat := MustCreateMember(t, s, "Cat")
		MustCreateSpace(t, s, ann, "asking", models.VisibilityRequest)
		MustCreateSpace(t, s, cat, "other", models.VisibilityOpen) // Cat stewards another space

		res, err := s.JoinSpace(ctx, bob, "asking", 1, "I run the Go meetup")
		if err != nil {
			t.Fatal(err)
		}
		reqs, _, err := s.JoinRequests(ctx, ann, "asking", models.Page{})
		if err != nil || len(reqs) != 1 || reqs[0].MemberName != "Bob" || reqs[0].Note != "I run the Go meetup" {
			t.Fatalf("requests = %+v, %v", reqs, err)
		}
		_, _, err = s.JoinRequests(ctx, cat, "asking", models.Page{})
		RequireCode(t, err, models.CodeNotSteward)
		_, _, err = s.ApproveJoinRequest(ctx, cat, res.Request.ID, "")
		RequireCode(t, err, models.CodeNotSteward)
		_, _, err = s.ApproveJoinRequest(ctx, bob, res.Request.ID, "")
		RequireCode(t, err, models.CodeNotSteward)
		_, _, err = s.ListThreads(ctx, bob, "asking", models.Page{})
		RequireCode(t, err, models.CodeNotMember)

		m, sp, err := s.ApproveJoinRequest(ctx, ann, res.Request.ID, "Welcome, Bob")
		if err != nil {
			t.Fatal(err)
		}
		if m.MemberID != bob.ID || m.AffirmedVersion != 1 || m.Steward || sp.Slug != "asking" {
			t.Fatalf("membership = %+v", m)
		}
		if _, _, err := s.ListThreads(ctx, bob, "asking", models.Page{}); err != nil {
			t.Fatalf("an approved member cannot read: %v", err)
		}
		_, _, err = s.ApproveJoinRequest(ctx, ann, res.Request.ID, "")
		RequireCode(t, err, models.CodeAlreadyDecided)
		_, err = s.DenyJoinRequest(ctx, ann, res.Request.ID, "")
		RequireCode(t, err, models.CodeAlreadyDecided)
		notes, _, err := s.Notifications(ctx, bob, models.Page{})
		if err != nil || len(notes) != 1 || notes[0].Kind != models.NoticeRequestApproved || !strings.Contains(notes[0].Data, "Welcome, Bob") {
			t.Fatalf("bob's notifications = %+v, %v", notes, err)
		}
		sv, _ := s.SpaceBySlug(ctx, ann, "asking")
		if sv.MemberCount != 2 {
			t.Fatalf("member count = %d", sv.MemberCount)
		}
	})
}

func TestJoinRequestDenialAndStaleness(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		dan := MustCreateMember(t, s, "Dan")
		MustCreateSpace(t, s, ann, "asking", models.VisibilityRequest)

		res, err := s.JoinSpace(ctx, bob, "asking", 1, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DenyJoinRequest(ctx, ann, res.Request.ID, "Not this quarter"); err != nil {
			t.Fatal(err)
		}
		notes, _, _ := s.Notifications(ctx, bob, models.Page{})
		if len(notes) != 1 || notes[0].Kind != models.NoticeRequestDenied || !strings.Contains(notes[0].Data, "Not this quarter") {
			t.Fatalf("bob's notifications = %+v", notes)
		}
		if sp, _ := s.SpaceBySlug(ctx, bob, "asking"); sp.IsMember() || sp.RequestPending {
			t.Fatalf("after denial: %+v", sp)
		}
		// A denied person may ask again.
		again, err := s.JoinSpace(ctx, bob, "asking", 1, "Second try")
		if err != nil {
			t.Fatal(err)
		}

		// A request made before the purpose changed is stale.
		danReq, err := s.JoinSpace(ctx, dan, "asking", 1, "")
		if err != nil {
			t.Fatal(err)
		}
		raw := MustRawSQL(t, url)
		if _, err := raw.Exec("UPDATE spaces SET purpose_version = 2 WHERE slug = 'asking'"); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.ApproveJoinRequest(ctx, ann, danReq.Request.ID, "")
		RequireCode(t, err, models.CodePurposeNotAffirmed)
		if _, err := raw.Exec("UPDATE spaces SET purpose_version = 1 WHERE slug = 'asking'"); err != nil {
			t.Fatal(err)
		}

		// A person removed for conduct is not admitted by approving an old request.
		if _, err := raw.Exec("INSERT INTO removals (space_id, member_id, removed_by, reason, created_at) SELECT id, $1, $2, 'spam', created_at FROM spaces WHERE slug = 'asking'", bob.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.ApproveJoinRequest(ctx, ann, again.Request.ID, "")
		RequireCode(t, err, models.CodeRemoved)
		_, err = s.JoinSpace(ctx, bob, "asking", 1, "")
		RequireCode(t, err, models.CodeRemoved)
	})
}

func TestNotificationsInbox(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		MustJoin(t, s, bob, "go-guild")
		th, opening := MustCreateThread(t, s, ann, "go-guild", "Hello")

		MustReply(t, s, ann, th.ID, "talking to myself") // no notice for your own thread
		for i := 0; i < 5; i++ {
			MustReply(t, s, bob, th.ID, "a reply")
		}
		if _, err := s.CreatePost(ctx, bob, th.ID, models.NewPost{Body: "to the opening post", ReplyToPostID: &opening.ID}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.UnreadCount(ctx, ann); err != nil || n != 6 {
			t.Fatalf("ann's unread = %d, %v; want 6", n, err)
		}
		if n, _ := s.UnreadCount(ctx, bob); n != 0 {
			t.Fatalf("bob's unread = %d", n)
		}
		var seen []int64
		cur := ""
		for {
			page, next, err := s.Notifications(ctx, ann, models.Page{Cursor: cur, Limit: 4})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range page {
				seen = append(seen, n.ID)
				if n.Kind != models.NoticeReply || !strings.Contains(n.Data, `"thread_id"`) || !strings.Contains(n.Data, `"slug":"go-guild"`) {
					t.Fatalf("notification = %+v", n)
				}
			}
			if next == "" {
				break
			}
			cur = next
		}
		if len(seen) != 6 || seen[0] < seen[5] {
			t.Fatalf("paged notifications %v; want 6, newest first", seen)
		}
		// Marking someone else's notification read changes nothing.
		if err := s.MarkNotificationsRead(ctx, bob, seen[:2]); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadCount(ctx, ann); n != 6 {
			t.Fatalf("bob marked ann's notifications read")
		}
		if err := s.MarkNotificationsRead(ctx, ann, seen[:2]); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadCount(ctx, ann); n != 4 {
			t.Fatalf("after marking two: %d unread", n)
		}
		_, err := s.NotificationByID(ctx, bob, seen[0])
		RequireCode(t, err, models.CodeNotFound)
		if err := s.MarkNotificationsRead(ctx, ann, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadCount(ctx, ann); n != 0 {
			t.Fatalf("after marking all: %d unread", n)
		}
		// After leaving, replies to Ann's posts there no longer reach her.
		if _, err := s.LeaveSpace(ctx, ann, "go-guild"); err != nil {
			t.Fatal(err)
		}
		MustReply(t, s, bob, th.ID, "anyone there?")
		if n, _ := s.UnreadCount(ctx, ann); n != 0 {
			t.Fatalf("a person who left still hears of the space: %d unread", n)
		}
	})
}
