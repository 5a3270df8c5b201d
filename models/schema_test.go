package models_test

import (
	"context"
	"strings"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// TestMigrationsMatchModels runs each database's migrations and checks that
// they produce every column the models map.
func TestMigrationsMatchModels(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		s := Open(t, d)
		if err := s.CheckSchema(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCheckSchemaNoticesAMissingColumn proves the check can fail.
func TestCheckSchemaNoticesAMissingColumn(t *testing.T) {
	ctx := context.Background()
	url := URL(t, models.SQLite)
	s := OpenURL(t, url, Options())
	raw := MustRawSQL(t, url)
	if _, err := raw.Exec("ALTER TABLE posts DROP COLUMN edited_at"); err != nil {
		t.Fatal(err)
	}
	err := s.CheckSchema(ctx)
	if err == nil || !strings.Contains(err.Error(), "posts.edited_at") {
		t.Fatalf("CheckSchema = %v, want it to name posts.edited_at", err)
	}
}

// TestAuditLogIsAppendOnly checks the database refuses to change history.
func TestAuditLogIsAppendOnly(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		raw := MustRawSQL(t, url)
		if _, err := raw.Exec("UPDATE audit_log SET reason = 'rewritten'"); err == nil {
			t.Fatal("an audit entry was updated")
		}
		if _, err := raw.Exec("DELETE FROM audit_log"); err == nil {
			t.Fatal("an audit entry was deleted")
		}
		var n int
		if err := raw.QueryRow("SELECT count(*) FROM audit_log WHERE action IN ('space.created', 'membership.founded', 'account.created')").Scan(&n); err != nil || n != 3 {
			t.Fatalf("audit entries = %d, %v; want 3", n, err)
		}
	})
}
