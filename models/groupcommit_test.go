package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"kith/models"
	. "kith/models/storetest"
)

// Writes that arrive together may share a transaction (SQLite's group
// commit), but never a fate: each caller gets its own result, a refused
// operation leaves nothing behind, and every accepted one is stored and
// published once.
func TestConcurrentWritesKeepTheirOwnFate(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		rec := &recorder{}
		s.SetPublisher(rec.publish)
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Busy")
		var members []models.Actor
		for i := range 8 {
			m := MustCreateMember(t, s, fmt.Sprintf("Member %d", i))
			if i%2 == 0 { // the odd ones never join: their posts are refused
				MustJoin(t, s, m, "go-guild")
			}
			members = append(members, m)
		}
		const each = 25
		var wg sync.WaitGroup
		errs := make([][]error, len(members))
		for i, m := range members {
			errs[i] = make([]error, each)
			wg.Go(func() {
				for k := range each {
					_, errs[i][k] = s.CreatePost(ctx, m, th.ID, models.NewPost{Body: fmt.Sprintf("post %d from %s", k, m.Name)})
				}
			})
		}
		wg.Wait()
		for i := range members {
			for k, err := range errs[i] {
				if i%2 == 0 && err != nil {
					t.Fatalf("member %d post %d: %v", i, k, err)
				}
				if i%2 == 1 {
					RequireCode(t, err, models.CodeNotMember)
				}
			}
		}
		v, err := s.ThreadByID(ctx, ann, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + 4*each; v.PostCount != want {
			t.Errorf("post_count %d, want %d", v.PostCount, want)
		}
		stored, cursor := 0, ""
		for {
			_, posts, next, err := s.ReadThread(ctx, ann, th.ID, models.Page{Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			stored += len(posts)
			if cursor = next; cursor == "" {
				break
			}
		}
		if stored != 1+4*each {
			t.Fatalf("%d posts stored, want %d", stored, 1+4*each)
		}
		// One post.created per accepted post, numbered 1..n without a gap.
		got := rec.kinds(models.ThreadTopic(th.ID))
		if len(got) != 4*each {
			t.Fatalf("%d thread events published, want %d", len(got), 4*each)
		}
		seen := map[string]bool{}
		for _, k := range got {
			seen[k] = true
		}
		for n := 1; n <= 4*each; n++ {
			if !seen[fmt.Sprintf("%d:post.created", n)] {
				t.Fatalf("no event %d in %v", n, got)
			}
		}
	})
}

// An operation that fails after writing is rolled back alone, with its
// events, even when it shares a transaction with others that succeed.
func TestAFailedWriteIsRolledBackAloneWithItsEvents(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		rec := &recorder{}
		s.SetPublisher(rec.publish)
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		const n = 40
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.WriteForTest(ctx, func(tx *gorm.DB, emit func(topic, kind string) error) error {
					name := fmt.Sprintf("renamed %d", i)
					if err := tx.Exec("UPDATE members SET name = ? WHERE id = ?", name, ann.ID).Error; err != nil {
						return err
					}
					if err := tx.Exec("INSERT INTO topic_seqs (topic, seq) VALUES (?, 0)", fmt.Sprintf("write:%d", i)).Error; err != nil {
						return err
					}
					if err := emit("test:all", fmt.Sprintf("write.%d", i)); err != nil {
						return err
					}
					if i%2 == 1 {
						return fmt.Errorf("refused %d", i)
					}
					return nil
				})
			})
		}
		wg.Wait()
		var kept int64
		if err := s.WriteForTest(ctx, func(tx *gorm.DB, _ func(string, string) error) error {
			return tx.Raw("SELECT count(*) FROM topic_seqs WHERE topic LIKE 'write:%'").Scan(&kept).Error
		}); err != nil {
			t.Fatal(err)
		}
		if kept != n/2 {
			t.Errorf("%d writes kept, want %d", kept, n/2)
		}
		for i, err := range errs {
			if (i%2 == 1) != (err != nil) {
				t.Errorf("write %d: %v", i, err)
			}
		}
		events := rec.kinds("test:all")
		if len(events) != n/2 {
			t.Fatalf("%d events published, want %d: %v", len(events), n/2, events)
		}
		for k, e := range events {
			var seq, i int
			if _, err := fmt.Sscanf(e, "%d:write.%d", &seq, &i); err != nil || seq != k+1 || i%2 == 1 {
				t.Errorf("event %q at %d", e, k)
			}
		}
	})
}
