package models_test

import (
	"context"
	"reflect"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// Thread pages, the thread API and replies check a thread against one plain
// statement (readThreadPlace) that names its columns. It must read a thread,
// its space and the reader's membership exactly as GORM reads their rows, so
// a column added to one of them and not to the statement fails here: for a
// reader who is a member (a steward, of a successor space) and one who is not.
func TestThreadPlaceReadsEveryColumn(t *testing.T) {
	for typ, fields := range map[reflect.Type]int{
		reflect.TypeFor[models.Thread](): 10, reflect.TypeFor[models.Space](): 14, reflect.TypeFor[models.Membership](): 6,
	} {
		if n := typ.NumField(); n != fields {
			t.Errorf("%s has %d fields, not %d: read the new ones in readThreadPlace (models/thread.go), then count them here", typ, n, fields)
		}
	}
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
