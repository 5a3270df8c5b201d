package models_test

import (
	"context"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// TestCanSubscribeFollowsReading checks that live subscriptions are granted
// exactly where reading is: thread and space topics to readers of the space,
// "me" to the signed-in actor, and to visitors only open spaces where the
// instance lets them be read signed out.
func TestCanSubscribeFollowsReading(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		for _, publicRead := range []bool{false, true} {
			opts := Options()
			opts.Policy.PublicRead = publicRead
			s := OpenURL(t, URL(t, d), opts)
			ann := MustCreateMember(t, s, "Ann")
			bob := MustCreateMember(t, s, "Bob")
			open := MustCreateSpace(t, s, ann, "open-guild", models.VisibilityOpen)
			req := MustCreateSpace(t, s, ann, "req-guild", models.VisibilityRequest)
			inv := MustCreateSpace(t, s, ann, "inv-guild", models.VisibilityInvite)
			openT, _ := MustCreateThread(t, s, ann, "open-guild", "Open")
			reqT, _ := MustCreateThread(t, s, ann, "req-guild", "Req")
			invT, _ := MustCreateThread(t, s, ann, "inv-guild", "Inv")
			thread := func(th *models.Thread) string { return models.ThreadTopic(th.ID) }
			visitor := models.Actor{}
			anonOpen := models.CodeUnauthorized
			if publicRead {
				anonOpen = ""
			}
			anonHidden := models.CodeUnauthorized
			if publicRead {
				anonHidden = models.CodeNotFound
			}
			cases := []struct {
				who     models.Actor
				topic   string
				code    string
				spaceID int64
			}{
				{ann, thread(openT), "", open.ID},
				{ann, thread(reqT), "", req.ID},
				{ann, thread(invT), "", inv.ID},
				{ann, "space:inv-guild", "", inv.ID},
				{bob, thread(openT), "", open.ID},
				{bob, "space:open-guild", "", open.ID},
				{bob, thread(reqT), models.CodeNotFound, 0},
				{bob, "space:req-guild", models.CodeNotMember, 0},
				{bob, thread(invT), models.CodeNotFound, 0},
				{bob, "space:inv-guild", models.CodeNotFound, 0},
				{bob, "thread:999999", models.CodeNotFound, 0},
				{bob, "space:nowhere", models.CodeNotFound, 0},
				{visitor, thread(openT), anonOpen, open.ID},
				{visitor, "space:open-guild", anonOpen, open.ID},
				{visitor, thread(reqT), anonHidden, 0},
				{visitor, "space:req-guild", anonHidden, 0},
				{visitor, thread(invT), anonHidden, 0},
				{visitor, "me", models.CodeUnauthorized, 0},
				{bob, "me", "", 0},
				{bob, models.MemberTopic(ann.ID), models.CodeInvalid, 0},
				{bob, "thread:0" + thread(openT)[len("thread:"):], models.CodeInvalid, 0},
				{bob, "thread:abc", models.CodeInvalid, 0},
				{bob, "space:", models.CodeInvalid, 0},
				{bob, "everything", models.CodeInvalid, 0},
			}
			for _, c := range cases {
				sub, err := s.CanSubscribe(ctx, c.who, c.topic)
				if got := models.ErrorCode(err); got != c.code || (c.code == "" && err != nil) {
					t.Errorf("public-read=%v: %q subscribes to %s: error %v, want %q", publicRead, c.who.Name, c.topic, err, c.code)
					continue
				}
				if err != nil {
					continue
				}
				want := c.topic
				if c.topic == "me" {
					want = models.MemberTopic(c.who.ID)
				}
				if sub.Topic != want || sub.SpaceID != c.spaceID {
					t.Errorf("public-read=%v: %q subscribes to %s: got %+v, want topic %s space %d", publicRead, c.who.Name, c.topic, sub, want, c.spaceID)
				}
			}

			// Reading ends with membership: once Bob leaves the invite space he may not follow it.
			iv, err := s.Invite(ctx, ann, "inv-guild", bob.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.AcceptInvitation(ctx, bob, iv.ID, iv.SpacePurposeVersion); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CanSubscribe(ctx, bob, thread(invT)); err != nil {
				t.Fatalf("member Bob subscribes to the invite space's thread: %v", err)
			}
			if _, err := s.LeaveSpace(ctx, bob, "inv-guild"); err != nil {
				t.Fatal(err)
			}
			_, err = s.CanSubscribe(ctx, bob, thread(invT))
			RequireCode(t, err, models.CodeNotFound)
		}
	})
}

func TestLatestSeq(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")
		if n, err := s.LatestSeq(ctx, models.ThreadTopic(th.ID)); err != nil || n != 0 {
			t.Fatalf("latest of a quiet thread: %d, %v", n, err)
		}
		MustReply(t, s, ann, th.ID, "one")
		MustReply(t, s, ann, th.ID, "two")
		if n, err := s.LatestSeq(ctx, models.ThreadTopic(th.ID)); err != nil || n != 2 {
			t.Fatalf("latest after two replies: %d, %v", n, err)
		}
		// Pruning keeps the counter.
		if _, err := s.PruneEvents(ctx, 0, 0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.LatestSeq(ctx, models.ThreadTopic(th.ID)); err != nil || n != 2 {
			t.Fatalf("latest after pruning: %d, %v", n, err)
		}
	})
}
