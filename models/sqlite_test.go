package models_test

import (
	"context"
	"testing"

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
