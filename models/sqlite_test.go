package models_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

// A store opened with a page cache for its SQLite connections has it on
// every connection it reads back at open (Open refuses a store whose pragmas
// are not in effect), and serves as usual.
func TestSQLiteConnectionsGetTheirPageCache(t *testing.T) {
	opts := Options()
	opts.SQLiteCacheKiB = 8 << 10
	s := OpenURL(t, URL(t, models.SQLite), opts)
	ann := MustCreateMember(t, s, "Ann")
	MustCreateSpace(t, s, ann, "ops", models.VisibilityOpen)
	th, _ := MustCreateThread(t, s, ann, "ops", "Cached pages")
	if _, _, _, err := s.ReadThread(context.Background(), ann, th.ID, models.Page{}); err != nil {
		t.Fatal(err)
	}
}

// A page of the space list walks spaces in its order on an index and stops
// at the page, instead of reading and sorting every space the reader may see
// (migration 00010): the home page's cost must not grow with the instance.
func TestSpaceListsWalkTheirIndex(t *testing.T) {
	s := OpenURL(t, URL(t, models.SQLite), Options())
	ann := MustCreateMember(t, s, "Ann")
	for _, slug := range []string{"ops", "go-guild", "testing"} {
		MustCreateSpace(t, s, ann, slug, models.VisibilityOpen)
	}
	plan, err := s.SpaceListPlan(context.Background(), ann)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "USING INDEX spaces_by_name") || strings.Contains(plan, "TEMP B-TREE") {
		t.Fatalf("the space list does not walk spaces_by_name:\n%s", plan)
	}
}

// A write reaches the database file itself soon after it commits, copied
// there from the write-ahead log in the background (checkpoint.go), long
// before the log holds the pages at which the writer would copy it inside a
// commit. The file is read alone, as a copy without its log.
func TestCommitsReachTheDatabaseFileInTheBackground(t *testing.T) {
	url := URL(t, models.SQLite)
	path := strings.TrimPrefix(url, "sqlite:")
	s := OpenURL(t, url, Options())
	ann := MustCreateMember(t, s, "Ann")
	MustCreateSpace(t, s, ann, "ops", models.VisibilityOpen)
	th, _ := MustCreateThread(t, s, ann, "ops", "Checkpointed")

	alone := filepath.Join(t.TempDir(), "alone.db")
	titles := func() (int, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(alone, b, 0o600); err != nil {
			return 0, err
		}
		db, err := sql.Open("sqlite3", "file:"+alone+"?mode=ro")
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int
		err = db.QueryRow("SELECT count(*) FROM threads WHERE id = ? AND title = 'Checkpointed'", th.ID).Scan(&n)
		return n, err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := titles()
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after its commit, the database file alone holds %d of the new thread (%v)", n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
