package models_test

import (
	"context"
	"strings"
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
