package models_test

import (
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// A page of a thread's posts is read once and used again while the thread
// has no new event: a reply or an edit shows at the next read, a change
// without an event of the thread once the kept page is older than its TTL,
// and whether the reader may read the thread is decided at every read.
func TestThreadPostsAreKeptUntilTheThreadChanges(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann := MustCreateMember(t, w.s, "Ann")
		bob := MustCreateMember(t, w.s, "Bob")
		MustCreateSpace(t, w.s, ann, "inner", models.VisibilityInvite)
		inv := w.invite(ann, "inner", bob)
		if _, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1); err != nil {
			t.Fatal(err)
		}
		th, first := MustCreateThread(t, w.s, ann, "inner", "Kept pages")
		bodies := func(a models.Actor) []string {
			t.Helper()
			_, posts, _, err := w.s.ReadThread(w.ctx, a, th.ID, models.Page{})
			if err != nil {
				t.Fatal(err)
			}
			out := make([]string, len(posts))
			for i, p := range posts {
				out[i] = p.Body
			}
			return out
		}
		want := func(got []string, want ...string) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("posts %q, want %q", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("posts %q, want %q", got, want)
				}
			}
		}
		open := first.Body
		want(bodies(ann), open)
		want(bodies(bob), open) // the same page, for another reader

		MustReply(t, w.s, bob, th.ID, "a reply")
		want(bodies(ann), open, "a reply")
		if _, err := w.s.EditPost(w.ctx, ann, first.ID, "edited opening"); err != nil {
			t.Fatal(err)
		}
		want(bodies(bob), "edited opening", "a reply")

		// A change that is no event of the thread waits for the TTL.
		w.exec("UPDATE posts SET body = 'changed underneath' WHERE id = ?", first.ID)
		want(bodies(ann), "edited opening", "a reply")
		w.clock.add(models.DefaultPostPageTTL)
		want(bodies(ann), "changed underneath", "a reply")

		// Bob leaves: the page is kept, and he may no longer read it.
		if _, err := w.s.LeaveSpace(w.ctx, bob, "inner"); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := w.s.ReadThread(w.ctx, bob, th.ID, models.Page{})
		RequireCode(t, err, models.CodeNotFound)
		want(bodies(ann), "changed underneath", "a reply")

		// What a caller does to the posts it was given is not kept.
		_, posts, _, err := w.s.ReadThread(w.ctx, ann, th.ID, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		posts[0].Body = "scribbled"
		want(bodies(ann), "changed underneath", "a reply")
	})
}
