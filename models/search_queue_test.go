package models_test

import (
	"context"
	"slices"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// New posts reach the search index and its vocabulary when their
// transaction commits, however many writes share it: posts written in one
// batch are found once it commits, each by its text as the batch left it
// (an edit in the same batch wins over the text first written), and the
// queue they waited in is empty again. On PostgreSQL, with no queue, the
// same holds.
func TestNewPostsAreSearchableWhenTheirTransactionCommits(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ctx := context.Background()
		ann := MustCreateMember(t, w.s, "Ann")
		MustCreateSpace(t, w.s, ann, "ops", models.VisibilityOpen)
		th, _ := MustCreateThread(t, w.s, ann, "ops", "Release notes")
		var first, second *models.Post
		err := w.s.Batch(ctx, func(ctx context.Context) error {
			var err error
			if first, err = w.s.CreatePost(ctx, ann, th.ID, models.NewPost{Body: "The quokka rollout went well."}); err != nil {
				return err
			}
			if second, err = w.s.CreatePost(ctx, ann, th.ID, models.NewPost{Body: "Another quokka, soon renamed."}); err != nil {
				return err
			}
			_, err = w.s.EditPost(ctx, ann, second.ID, "A wombat now, with wombatting in it.")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		found := func(q string) []int64 {
			t.Helper()
			res, _, err := w.s.Search(ctx, ann, models.SearchRequest{Query: q})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var ids []int64
			for _, r := range res {
				if r.Type == models.ResultPost {
					ids = append(ids, r.ID)
				}
			}
			slices.Sort(ids)
			return ids
		}
		if got := found("quokka"); !slices.Equal(got, []int64{first.ID}) {
			t.Errorf("quokka found posts %v, want only %d", got, first.ID)
		}
		if got := found("wombat"); !slices.Equal(got, []int64{second.ID}) {
			t.Errorf("wombat found posts %v, want only %d", got, second.ID)
		}
		// The prefix is looked up in the vocabulary, which gained the words.
		if got := found("quok*"); !slices.Equal(got, []int64{first.ID}) {
			t.Errorf("quok* found posts %v, want only %d", got, first.ID)
		}
		reply := MustReply(t, w.s, ann, th.ID, "A numbat, alone in its transaction.")
		if got := found("numbat"); !slices.Equal(got, []int64{reply.ID}) {
			t.Errorf("numbat found posts %v, want only %d", got, reply.ID)
		}
		if d == models.SQLite {
			if n := w.count("SELECT count(*) FROM search_posts_queue"); n != 0 {
				t.Errorf("%d posts still wait in the queue", n)
			}
			if n := w.count("SELECT count(*) FROM search_post_terms WHERE stem = 'quokka'"); n != 1 {
				t.Errorf("the vocabulary holds quokka %d times", n)
			}
		}
	})
}
