package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

// recorder is a publisher that keeps what it hears.
type recorder struct {
	mu     sync.Mutex
	events []models.Event
}

func (r *recorder) publish(es []models.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, es...)
}

func (r *recorder) kinds(topic string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Topic == topic {
			out = append(out, fmt.Sprintf("%d:%s", e.Seq, e.Kind))
		}
	}
	return out
}

// recordedSpace opens a store whose published events rec keeps, with Ann,
// who founded the open space go-guild.
func recordedSpace(t *testing.T, d models.Dialect) (*models.Store, *recorder, models.Actor) {
	t.Helper()
	s := Open(t, d)
	rec := &recorder{}
	s.SetPublisher(rec.publish)
	ann := MustCreateMember(t, s, "Ann")
	MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
	return s, rec, ann
}

func TestEventsAreWrittenWithTheirChange(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s, rec, ann := recordedSpace(t, d)
		bob := MustCreateMember(t, s, "Bob")
		MustJoin(t, s, bob, "go-guild")
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")
		p := MustReply(t, s, bob, th.ID, "first")
		if _, err := s.EditPost(ctx, bob, p.ID, "first, edited"); err != nil {
			t.Fatal(err)
		}
		// A refused operation writes and publishes nothing.
		if _, err := s.CreatePost(ctx, models.Actor{ID: 999999, Name: "ghost"}, th.ID, models.NewPost{Body: "x"}); err == nil {
			t.Fatal("a stranger posted")
		}
		if _, err := s.LeaveSpace(ctx, bob, "go-guild"); err != nil {
			t.Fatal(err)
		}

		want := map[string]string{
			models.ThreadTopic(th.ID):     "[1:post.created 2:post.edited]",
			models.SpaceTopic("go-guild"): "[1:thread.created 2:thread.updated]",
			models.MemberTopic(ann.ID):    "[1:notification.created]",
			models.MemberTopic(bob.ID):    "[1:membership.ended]",
		}
		for topic, w := range want {
			if got := fmt.Sprint(rec.kinds(topic)); got != w {
				t.Errorf("%s published %s, want %s", topic, got, w)
			}
			stored, ok, err := s.EventsSince(ctx, topic, 0, 100)
			if err != nil || !ok || len(stored) != len(rec.kinds(topic)) {
				t.Errorf("%s stored %d events (ok=%v, %v)", topic, len(stored), ok, err)
			}
		}
		since, ok, err := s.EventsSince(ctx, models.ThreadTopic(th.ID), 1, 100)
		if err != nil || !ok || len(since) != 1 || since[0].Kind != models.EventPostEdited {
			t.Fatalf("events since 1: %+v %v %v", since, ok, err)
		}
		if _, ok, _ := s.EventsSince(ctx, models.ThreadTopic(th.ID), 2, 100); !ok {
			t.Fatal("a client that saw the latest event is told to resync")
		}
	})
}

// TestEventSequencesFollowCommitOrder posts from many goroutines into one
// thread: every seq from 1 to N appears once, and on PostgreSQL the counters
// taken in topic order do not deadlock. Writes that arrive together may share
// a transaction (SQLite's group commit) but never a fate: people who never
// joined post beside the members, each is refused alone, and the members'
// posts are all stored and counted.
func TestEventSequencesFollowCommitOrder(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s, rec, ann := recordedSpace(t, d)
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Busy")
		var people, strangers []models.Actor
		for i := 0; i < 6; i++ {
			p := MustCreateMember(t, s, fmt.Sprintf("Person %d", i))
			MustJoin(t, s, p, "go-guild")
			people = append(people, p)
			strangers = append(strangers, MustCreateMember(t, s, fmt.Sprintf("Stranger %d", i)))
		}
		var wg sync.WaitGroup
		for k, p := range people {
			wg.Go(func() {
				for i := 0; i < 10; i++ {
					if _, err := s.CreatePost(ctx, p, th.ID, models.NewPost{Body: "hi"}); err != nil {
						t.Error(err)
					}
				}
			})
			wg.Go(func() {
				for i := 0; i < 10; i++ {
					_, err := s.CreatePost(ctx, strangers[k], th.ID, models.NewPost{Body: "let me in"})
					if models.ErrorCode(err) != models.CodeNotMember {
						t.Errorf("a stranger's post: %v", err)
					}
				}
			})
		}
		wg.Wait()
		v, err := s.ThreadByID(ctx, ann, th.ID)
		if err != nil || v.PostCount != 61 {
			t.Fatalf("post_count after the rush: %+v %v", v, err)
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
		if stored != 61 {
			t.Fatalf("%d posts stored, want 61", stored)
		}
		events, ok, err := s.EventsSince(ctx, models.ThreadTopic(th.ID), 0, 1000)
		if err != nil || !ok || len(events) != 60 {
			t.Fatalf("%d events, ok=%v, %v", len(events), ok, err)
		}
		for i, e := range events {
			if e.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d", i, e.Seq)
			}
		}
		// Every committed event is published exactly once. Two transactions
		// that commit back to back may hand theirs over in either order; the
		// live hub puts each topic back in seq order.
		seen := map[int64]bool{}
		for _, k := range rec.kinds(models.ThreadTopic(th.ID)) {
			var seq int64
			if _, err := fmt.Sscanf(k, "%d:", &seq); err != nil || seen[seq] {
				t.Fatalf("published %q twice or unreadable", k)
			}
			seen[seq] = true
		}
		for seq := int64(1); seq <= 60; seq++ {
			if !seen[seq] {
				t.Fatalf("seq %d was never published", seq)
			}
		}
	})
}

func TestPruneEventsAndResync(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		opts := Options()
		opts.Now = func() time.Time { return now }
		s := OpenURL(t, URL(t, d), opts)
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")
		for i := 0; i < 10; i++ {
			MustReply(t, s, ann, th.ID, "post")
		}
		topic := models.ThreadTopic(th.ID)
		if _, err := s.PruneEvents(ctx, 24*time.Hour, 4); err != nil {
			t.Fatal(err)
		}
		kept, ok, _ := s.EventsSince(ctx, topic, 6, 100)
		if !ok || len(kept) != 4 {
			t.Fatalf("after pruning to 4: since 6 gives %d events, ok=%v", len(kept), ok)
		}
		if _, ok, _ := s.EventsSince(ctx, topic, 2, 100); ok {
			t.Fatal("a client behind the backlog was not told to resync")
		}
		now = now.Add(48 * time.Hour)
		if _, err := s.PruneEvents(ctx, 24*time.Hour, 4); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.EventsSince(ctx, topic, 8, 100); ok {
			t.Fatal("old events were not pruned by age")
		}
		if _, ok, _ := s.EventsSince(ctx, topic, 10, 100); !ok {
			t.Fatal("a client up to date must not be told to resync")
		}
	})
}
