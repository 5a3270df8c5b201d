package seed_test

import (
	"context"
	"testing"
	"time"

	"kith/app/seed"
	"kith/models"
	"kith/models/storetest"
)

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := storetest.URL(t, d)
		s := storetest.OpenURL(t, url, storetest.Options())
		stages := map[string]int{}
		o := seed.Options{Members: 300, Spaces: 12, Threads: 150, Posts: 3000, Password: "seeded-password", Seed: 7,
			Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			Progress: func(stage string, done, total int) {
				if done > total {
					t.Errorf("%s: %d of %d", stage, done, total)
				}
				stages[stage] = done
			}}
		sum, err := seed.Run(ctx, s, o)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Members != 300 || sum.Spaces != 12 || sum.Threads != 150 || sum.Posts != 3000 {
			t.Fatalf("summary %+v", sum)
		}
		if stages["posts"] != 3000 || stages["members"] != 300 {
			t.Errorf("progress %v", stages)
		}
		db := storetest.MustRawSQL(t, url)
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`SELECT count(*) FROM posts`); n != 3000 {
			t.Errorf("%d posts stored", n)
		}
		if n := count(`SELECT count(*) FROM memberships`); n != sum.Memberships {
			t.Errorf("%d memberships stored, summary says %d", n, sum.Memberships)
		}
		// Every membership was made by the person's own act (joined, an
		// accepted invitation, or their approved request), as the audit shows.
		if n := count(`SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM audit_log a
			WHERE a.space_id = m.space_id AND a.subject_id = m.member_id
			AND a.action IN ('membership.founded', 'membership.joined', 'invitation.accepted', 'join_request.approved'))`); n != 0 {
			t.Errorf("%d memberships without the person's own act in the audit", n)
		}
		// Every author is a member of the space they wrote in.
		if n := count(`SELECT count(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM memberships m
			WHERE m.space_id = p.space_id AND m.member_id = p.author_id)`); n != 0 {
			t.Errorf("%d posts by non-members", n)
		}
		// Counters agree with the rows.
		if n := count(`SELECT count(*) FROM threads t WHERE post_count != (SELECT count(*) FROM posts p WHERE p.thread_id = t.id)
			OR last_post_id != (SELECT max(id) FROM posts p WHERE p.thread_id = t.id)`); n != 0 {
			t.Errorf("%d threads with wrong counters", n)
		}
		if n := count(`SELECT count(*) FROM spaces s WHERE member_count != (SELECT count(*) FROM memberships m WHERE m.space_id = s.id)
			OR thread_count != (SELECT count(*) FROM threads t WHERE t.space_id = s.id)`); n != 0 {
			t.Errorf("%d spaces with wrong counters", n)
		}
		// A long tail: the busiest thread holds far more than the average.
		if sum.BusiestPosts < 5*3000/150 {
			t.Errorf("busiest thread has %d posts; want a long tail", sum.BusiestPosts)
		}
		// Replies and mentions are recorded as interactions between members.
		if n := count(`SELECT count(*) FROM interactions WHERE kind = 'reply'`); n < 1000 {
			t.Errorf("%d reply interactions", n)
		}
		if n := count(`SELECT count(*) FROM interactions WHERE kind = 'mention'`); n == 0 {
			t.Error("no mention interactions")
		}
		// History is spread over the years before Now.
		var first, last any
		if err := db.QueryRow(`SELECT min(created_at), max(created_at) FROM posts`).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		oldest, newest := asTime(t, first), asTime(t, last)
		if newest.After(o.Now) || o.Now.Sub(oldest) < 365*24*time.Hour {
			t.Errorf("posts from %v to %v", oldest, newest)
		}
		// A seeded person can sign in with the password and reads the
		// busiest thread as the store renders it.
		m, err := s.Authenticate(ctx, sum.Email, "seeded-password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ThreadByID(ctx, models.ActorOf(m), sum.BusiestThread); err != nil {
			t.Errorf("reading the busiest thread: %v", err)
		}
		// Seeded posts are in the search index when the seed ends, not
		// queued until kith's next write (migrations/sqlite/00009).
		if d == models.SQLite {
			if n := count(`SELECT count(*) FROM search_posts_queue`); n != 0 {
				t.Errorf("%d seeded posts still wait for the search index", n)
			}
			if n := count(`SELECT count(*) FROM search_posts`); n != 3000 {
				t.Errorf("%d seeded posts in the search index, want 3000", n)
			}
			// Each index is one segment, not batches' segments left for
			// people's writes to merge.
			for _, table := range []string{"search_posts", "search_threads", "search_spaces"} {
				if n := count(`SELECT count(DISTINCT segid) FROM ` + table + `_idx`); n != 1 {
					t.Errorf("%s has %d segments after seeding, want 1", table, n)
				}
			}
		}
		found, _, err := s.Search(ctx, models.ActorOf(m), models.SearchRequest{Query: "latency", Sort: models.SortNew})
		if err != nil {
			t.Fatal(err)
		}
		posts := 0
		for _, r := range found {
			if r.Type == models.ResultPost {
				posts++
			}
		}
		if posts == 0 {
			t.Errorf("a search for a seeded word finds no post: %+v", found)
		}
	})
}

func TestSeedRefusesNonsense(t *testing.T) {
	s := storetest.Open(t, models.SQLite)
	for _, o := range []seed.Options{
		{Members: 0, Spaces: 1},
		{Members: 5, Spaces: 6},
		{Members: 5, Spaces: 1, Threads: 10, Posts: 5},
	} {
		if _, err := seed.Run(context.Background(), s, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// An imported post by someone who is not a member of the space is refused,
// and nothing of the batch is stored.
func TestImportChecksAuthorsAreMembers(t *testing.T) {
	s := storetest.Open(t, models.SQLite)
	ann := storetest.MustCreateMember(t, s, "Ann")
	bob := storetest.MustCreateMember(t, s, "Bob")
	sp := storetest.MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
	now := time.Now()
	_, err := s.ImportThreads(context.Background(), []models.ImportedThread{{SpaceID: sp.ID, Title: "Hello", Posts: []models.ImportedPost{
		{AuthorID: ann.ID, Body: "first", CreatedAt: now, ReplyTo: -1},
		{AuthorID: bob.ID, Body: "not a member", CreatedAt: now, ReplyTo: -1},
	}}})
	storetest.RequireCode(t, err, models.CodeNotMember)
	threads, _, err := s.ListThreads(context.Background(), ann, "go-guild", models.Page{})
	if err != nil || len(threads) != 0 {
		t.Fatalf("threads after a refused import: %v %v", threads, err)
	}
}

// asTime reads a time as either driver returns it: PostgreSQL's as a
// time.Time, SQLite's as the text GORM stored.
func asTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch v := v.(type) {
	case time.Time:
		return v
	case string:
		at, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", v)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	t.Fatalf("a time as %T", v)
	return time.Time{}
}
