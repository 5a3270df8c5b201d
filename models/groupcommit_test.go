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

// An operation that fails after writing is rolled back alone, with its
// events, even when it shares a transaction with others that succeed.
func TestAFailedWriteIsRolledBackAloneWithItsEvents(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s, rec, ann := recordedSpace(t, d)
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
