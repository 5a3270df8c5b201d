package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// Operations in a batch keep their rules and their atomicity: one that fails
// is rolled back alone, with its events; the rest commit together, and their
// events are published once, after the commit.
func TestBatchKeepsEachOperationAtomic(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s, rec, ann := recordedSpace(t, d)
		bob := MustCreateMember(t, s, "Bob")
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")
		err := s.Batch(ctx, func(ctx context.Context) error {
			if _, err := s.JoinSpace(ctx, bob, "go-guild", 1, ""); err != nil {
				return err
			}
			if _, err := s.CreatePost(ctx, bob, th.ID, models.NewPost{Body: "hello from Bob"}); err != nil {
				return err
			}
			// Refused: Bob is a member already. Its savepoint rolls back.
			_, err := s.JoinSpace(ctx, bob, "go-guild", 1, "")
			RequireCode(t, err, models.CodeAlreadyMember)
			// A refused post leaves no row and no event.
			if _, err := s.CreatePost(ctx, bob, th.ID+1000, models.NewPost{Body: "lost"}); err == nil {
				t.Error("a post to a missing thread")
			}
			if got := rec.kinds(models.ThreadTopic(th.ID)); len(got) != 0 {
				t.Errorf("published before the batch committed: %v", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(rec.kinds(models.ThreadTopic(th.ID))); got != "[1:post.created]" {
			t.Errorf("thread events %s", got)
		}
		v, err := s.ThreadByID(ctx, bob, th.ID)
		if err != nil || v.PostCount != 2 {
			t.Fatalf("thread after the batch: %+v %v", v, err)
		}

		// A batch whose function fails commits nothing.
		cara := MustCreateMember(t, s, "Cara")
		boom := errors.New("boom")
		err = s.Batch(ctx, func(ctx context.Context) error {
			if _, err := s.JoinSpace(ctx, cara, "go-guild", 1, ""); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("batch error %v", err)
		}
		sp, err := s.SpaceBySlug(ctx, cara, "go-guild")
		if err != nil || sp.IsMember() || sp.MemberCount != 2 {
			t.Fatalf("after a failed batch: member=%v count=%d err=%v", sp.IsMember(), sp.MemberCount, err)
		}
	})
}
