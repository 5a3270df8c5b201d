package models_test

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"kith/migrations"
	"kith/models"
	. "kith/models/storetest"
)

// search runs a search that must succeed and returns its results.
func (w *invWorld) search(a models.Actor, r models.SearchRequest) ([]models.SearchResult, string) {
	w.t.Helper()
	res, next, err := w.s.Search(w.ctx, a, r)
	if err != nil {
		w.t.Fatalf("%s searches %q: %v", a.Name, r.Query, err)
	}
	return res, next
}

// found lists the results as "type:title" (posts as "post:ID"), in order.
func (w *invWorld) found(a models.Actor, query string) []string {
	w.t.Helper()
	res, _ := w.search(a, models.SearchRequest{Query: query, Page: models.Page{Limit: 100}})
	return labels(res)
}

func labels(res []models.SearchResult) []string {
	out := make([]string, len(res))
	for i, r := range res {
		if r.Type == models.ResultPost {
			out[i] = fmt.Sprintf("post:%d", r.ID)
		} else {
			out[i] = r.Type + ":" + r.Title
		}
	}
	return out
}

func (w *invWorld) thread(a models.Actor, slug, title, body, kind string) (*models.Thread, *models.Post) {
	w.t.Helper()
	th, p, err := w.s.CreateThread(w.ctx, a, slug, models.NewThread{Title: title, Body: body, Kind: kind})
	if err != nil {
		w.t.Fatal(err)
	}
	return th, p
}

func wantFound(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("%s: found %q, want %q", what, got, want)
	}
}

// TestSearch: ranking, snippets, phrases, prefixes, every filter, both
// orders, paging, edits and deletions, on each database.
func TestSearch(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann := MustCreateMember(t, w.s, "Ann Lee")
		bob := MustCreateMember(t, w.s, "Bob")
		MustCreateSpace(t, w.s, ann, "go-guild", models.VisibilityOpen)
		MustCreateSpace(t, w.s, ann, "rust-guild", models.VisibilityOpen)
		MustJoin(t, w.s, bob, "go-guild")

		wrapping, _ := w.thread(ann, "go-guild", "Error wrapping in Go", "How should I wrap errors: fmt.Errorf with %w, then errors.Is?", models.Discussion)
		w.clock.add(24 * time.Hour) // 2 March
		leaks, _ := w.thread(bob, "go-guild", "Goroutine leaks", "A goroutine blocked on a channel forever leaks memory.", models.Question)
		mention := MustReply(t, w.s, bob, wrapping.ID, "Unrelated aside about channels; someone said wrapping once, in passing, among many other words here.")
		w.clock.add(24 * time.Hour) // 3 March
		rust, _ := w.thread(ann, "rust-guild", "Error handling in Rust", "The question mark operator propagates errors.", models.Discussion)
		_ = rust

		t.Run("ranking", func(t *testing.T) {
			got := w.found(bob, "wrapping")
			// The title match first; the opening post that says "wrap"
			// and the passing mention follow.
			if len(got) < 2 || got[0] != "thread:Error wrapping in Go" || !slices.Contains(got, fmt.Sprintf("post:%d", mention.ID)) {
				t.Fatalf("wrapping: %q", got)
			}
			if slices.Index(got, "thread:Error wrapping in Go") > slices.Index(got, fmt.Sprintf("post:%d", mention.ID)) {
				t.Errorf("a passing mention ranks above the thread named for it: %q", got)
			}
		})

		t.Run("snippets", func(t *testing.T) {
			MustReply(t, w.s, bob, leaks.ID, `<script>alert("x")</script> & a zebracorn appears <b>here</b>`)
			res, _ := w.search(bob, models.SearchRequest{Query: "zebracorn"})
			if len(res) != 1 || res[0].Type != models.ResultPost || res[0].ThreadID != leaks.ID || res[0].Title != "Goroutine leaks" {
				t.Fatalf("zebracorn: %+v", res)
			}
			sn := res[0].Snippet
			// SQLite shows the tags as text; PostgreSQL's ts_headline leaves them out.
			if !strings.Contains(sn, "<mark>zebracorn</mark>") || (d == models.SQLite && !strings.Contains(sn, "&lt;script&gt;")) ||
				strings.Contains(sn, "<script") || strings.Contains(sn, "<b>") || strings.Count(sn, "<") != strings.Count(sn, "<mark>")+strings.Count(sn, "</mark>") {
				t.Errorf("snippet is not escaped text with marks only: %q", sn)
			}
			if res[0].AuthorName != "Bob" || res[0].AuthorID == nil || *res[0].AuthorID != bob.ID || res[0].SpaceSlug != "go-guild" || res[0].SpaceName != "Go-guild" {
				t.Errorf("result: %+v", res[0])
			}
			th, _ := w.search(bob, models.SearchRequest{Query: "goroutine", Sort: models.SortNew})
			if len(th) == 0 || th[0].Type != models.ResultThread || !strings.Contains(th[0].Snippet, "<mark>Goroutine</mark>") || !th[0].Question {
				t.Errorf("goroutine: %+v", th)
			}
		})

		t.Run("phrase and prefix", func(t *testing.T) {
			wantFound(t, `"error wrapping"`, w.found(bob, `"error wrapping"`), "thread:Error wrapping in Go")
			wantFound(t, `"go wrapping"`, w.found(bob, `"go wrapping"`))
			wantFound(t, "gorout", w.found(bob, "gorout"))
			got := w.found(bob, "gorout*")
			if len(got) == 0 || got[0] != "thread:Goroutine leaks" {
				t.Errorf("gorout*: %q", got)
			}
			wantFound(t, `"error wrap"*`, w.found(bob, `"error wrap"*`), "thread:Error wrapping in Go")
			// Every term must match.
			wantFound(t, "wrapping rust", w.found(bob, "wrapping rust"))
		})

		t.Run("filters", func(t *testing.T) {
			wantFound(t, "error in:rust-guild", w.found(bob, "error in:rust-guild"), "thread:Error handling in Rust", fmt.Sprintf("post:%d", rustOpening(t, w, rust.ID)))
			res, _ := w.search(bob, models.SearchRequest{Query: "error", Space: "rust-guild"})
			if len(res) != 2 || res[0].SpaceSlug != "rust-guild" || res[1].SpaceSlug != "rust-guild" {
				t.Errorf("error with the space select: %+v", res)
			}
			// in: in the query wins over the select.
			res, _ = w.search(bob, models.SearchRequest{Query: "error in:go-guild", Space: "rust-guild"})
			for _, r := range res {
				if r.SpaceSlug != "go-guild" {
					t.Errorf("in:go-guild with rust-guild selected: %+v", r)
				}
			}
			for _, q := range []string{"goroutine by:bob", "goroutine by:BOB", fmt.Sprintf("goroutine by:%d", bob.ID)} {
				res, _ := w.search(bob, models.SearchRequest{Query: q})
				if len(res) == 0 {
					t.Errorf("%s: nothing", q)
				}
				for _, r := range res {
					if r.AuthorID == nil || *r.AuthorID != bob.ID {
						t.Errorf("%s: %+v", q, r)
					}
				}
			}
			wantFound(t, `error by:"ann lee" in:rust-guild`, w.found(bob, `handling by:"ann lee"`), "thread:Error handling in Rust")
			wantFound(t, "goroutine by:ann", w.found(bob, "goroutine by:ann"))
			zoe := MustCreateMember(t, w.s, "Zoë Ångström")
			MustJoin(t, w.s, zoe, "go-guild")
			_, pools := w.thread(zoe, "go-guild", "Goroutine pools", "Pools of goroutines.", models.Discussion)
			for _, q := range []string{`pools by:"Zoë Ångström"`, `pools by:"zoë ångström"`, fmt.Sprintf("pools by:%d", zoe.ID)} {
				if d == models.SQLite && strings.Contains(q, "zoë") {
					continue // SQLite's lower() folds ASCII only; the name as typed matches
				}
				wantFound(t, q, w.found(bob, q), "thread:Goroutine pools", fmt.Sprintf("post:%d", pools.ID))
			}
			wantFound(t, "error after:", w.found(bob, "error after:2030-03-03"), "thread:Error handling in Rust", fmt.Sprintf("post:%d", rustOpening(t, w, rust.ID)))
			got := w.found(bob, "error before:2030-03-02")
			if len(got) == 0 || slices.Contains(got, "thread:Error handling in Rust") {
				t.Errorf("error before:2030-03-02: %q", got)
			}
			wantFound(t, "error after before", w.found(bob, "error after:2030-03-02 before:2030-03-03"))
		})

		t.Run("unanswered", func(t *testing.T) {
			w.clock.add(time.Hour)
			selfOnly, _ := w.thread(ann, "go-guild", "Quokka question, still open", "Has anyone seen a quokka?", models.Question)
			MustReply(t, w.s, ann, selfOnly.ID, "Bumping my own quokka question.")
			answered, _ := w.thread(ann, "go-guild", "Quokka question, answered", "Where do quokkas live?", models.Question)
			MustReply(t, w.s, bob, answered.ID, "On Rottnest Island.")
			w.thread(ann, "go-guild", "Quokka discussion", "Quokkas are nice.", models.Discussion)
			res, _ := w.search(bob, models.SearchRequest{Query: "quokka is:unanswered"})
			for _, r := range res {
				if r.ThreadID != selfOnly.ID {
					t.Errorf("quokka is:unanswered finds %+v", r)
				}
			}
			if len(res) == 0 {
				t.Error("quokka is:unanswered finds nothing")
			}
		})

		t.Run("newest first", func(t *testing.T) {
			res, _ := w.search(bob, models.SearchRequest{Query: "error", Sort: models.SortNew, Page: models.Page{Limit: 100}})
			for i := 1; i < len(res); i++ {
				if res[i].CreatedAt.After(res[i-1].CreatedAt) {
					t.Fatalf("not newest first: %q", labels(res))
				}
			}
			if len(res) < 3 || res[0].SpaceSlug != "rust-guild" {
				t.Errorf("error, newest first: %q", labels(res))
			}
		})

		t.Run("paging", func(t *testing.T) {
			pager, _ := w.thread(ann, "go-guild", "Pagination of lemurs", "lemur one", models.Discussion)
			for i := 0; i < 8; i++ {
				if i%3 == 0 {
					w.clock.add(time.Minute) // some share a time, some not
				}
				MustReply(t, w.s, bob, pager.ID, strings.Repeat("lemur ", i%4+1)+fmt.Sprintf("number %d", i))
			}
			for _, sort := range []string{models.SortRelevance, models.SortNew} {
				all, next := w.search(bob, models.SearchRequest{Query: "lemur*", Sort: sort, Page: models.Page{Limit: 100}})
				if len(all) != 10 || next != "" {
					t.Fatalf("%s: %d results, next %q", sort, len(all), next)
				}
				// Snippets of a prefix are cut in one lookup over the page's
				// span (see snippets): each result still gets its own.
				for _, r := range all {
					if !strings.Contains(strings.ToLower(r.Snippet), "<mark>lemur") {
						t.Errorf("%s: %s %d has snippet %q", sort, r.Type, r.ID, r.Snippet)
					}
				}
				var paged []string
				cursor := ""
				for pages := 0; ; pages++ {
					res, next := w.search(bob, models.SearchRequest{Query: "lemur*", Sort: sort, Page: models.Page{Limit: 3, Cursor: cursor}})
					paged = append(paged, labels(res)...)
					if next == "" {
						break
					}
					if pages > 5 || len(res) != 3 {
						t.Fatalf("%s: page %d has %d results", sort, pages, len(res))
					}
					cursor = next
				}
				wantFound(t, sort+" pages", paged, labels(all)...)
			}
			_, next := w.search(bob, models.SearchRequest{Query: "lemur*", Page: models.Page{Limit: 3}})
			_, _, err := w.s.Search(w.ctx, bob, models.SearchRequest{Query: "lemur*", Sort: models.SortNew, Page: models.Page{Cursor: next}})
			RequireCode(t, err, models.CodeInvalid)
			_, _, err = w.s.Search(w.ctx, bob, models.SearchRequest{Query: "lemur*", Page: models.Page{Cursor: "bm90IGEgY3Vyc29y"}})
			RequireCode(t, err, models.CodeInvalid)
			_, _, err = w.s.Search(w.ctx, bob, models.SearchRequest{Query: "lemur*", Sort: "oldest"})
			RequireCode(t, err, models.CodeInvalid)
		})

		t.Run("edits, hiding and deletion update the index at once", func(t *testing.T) {
			p := MustReply(t, w.s, bob, leaks.ID, "the old word is aardvark")
			wantFound(t, "aardvark", w.found(bob, "aardvark"), fmt.Sprintf("post:%d", p.ID))
			if _, err := w.s.EditPost(w.ctx, bob, p.ID, "the new word is okapi"); err != nil {
				t.Fatal(err)
			}
			wantFound(t, "aardvark after the edit", w.found(bob, "aardvark"))
			wantFound(t, "okapi after the edit", w.found(bob, "okapi"), fmt.Sprintf("post:%d", p.ID))

			w.exec("UPDATE posts SET hidden_at = ? WHERE id = ?", w.clock.now(), p.ID)
			wantFound(t, "okapi once hidden", w.found(bob, "okapi"))
			w.exec("UPDATE posts SET hidden_at = NULL WHERE id = ?", p.ID)
			wantFound(t, "okapi shown again", w.found(bob, "okapi"), fmt.Sprintf("post:%d", p.ID))
			w.exec("DELETE FROM posts WHERE id = ?", p.ID)
			wantFound(t, "okapi once deleted", w.found(bob, "okapi"))
			if d == models.SQLite {
				if n := w.count("SELECT COUNT(*) FROM search_posts WHERE rowid = ?", p.ID); n != 0 {
					t.Errorf("the deleted post stays in the index")
				}
			}
			w.exec("UPDATE threads SET title = ? WHERE id = ?", "Goroutine leaks and tapirs", leaks.ID)
			wantFound(t, "a renamed thread", w.found(bob, "tapirs"), "thread:Goroutine leaks and tapirs")
		})

		t.Run("spaces by name and purpose", func(t *testing.T) {
			sp, err := w.s.CreateSpace(w.ctx, ann, models.NewSpace{Slug: "birders", Name: "Birdwatchers", Purpose: "We count kingfishers and herons along the river every spring.", Visibility: models.VisibilityOpen})
			if err != nil {
				t.Fatal(err)
			}
			res, _ := w.search(bob, models.SearchRequest{Query: "kingfishers"})
			if len(res) != 1 || res[0].Type != models.ResultSpace || res[0].ID != sp.ID || res[0].SpaceSlug != "birders" || !strings.Contains(res[0].Snippet, "<mark>kingfishers</mark>") {
				t.Fatalf("kingfishers: %+v", res)
			}
			wantFound(t, "birdwatch*", w.found(bob, "birdwatch*"), "space:Birdwatchers")
			wantFound(t, "a space has no author", w.found(bob, "kingfishers by:ann"))
		})
	})
}

// rustOpening returns the id of a thread's opening post.
func rustOpening(t *testing.T, w *invWorld, threadID int64) int64 {
	t.Helper()
	_, posts, _, err := w.s.ReadThread(w.ctx, models.Actor{ID: 1}, threadID, models.Page{Limit: 1})
	if err != nil || len(posts) == 0 {
		t.Fatalf("read thread %d: %v", threadID, err)
	}
	return posts[0].ID
}

// TestSearchInput: what cannot be searched is refused with invalid_query and
// a message for people; whatever else people type runs on the engine without
// an error, however much it looks like FTS5 or tsquery syntax.
func TestSearchInput(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann := MustCreateMember(t, w.s, "Ann")
		MustCreateSpace(t, w.s, ann, "go-guild", models.VisibilityOpen)
		w.thread(ann, "go-guild", `Quoting "things" AND NEAR(x y) with C++ & errors.Is`, `title:x col:y * ^ - ( ) {a b} 'q' \ :* <-> ! | &`, models.Discussion)
		for _, q := range []string{
			"", "   ", "in:go-guild", "by:ann", "!!!", `""`, "*", "after:2024-13-01", "before:yesterday",
			"is:weird", "in:", "by:", `'`, `\`, `(`, `"*"`, `in:"Go Guild"`, "x in:Go_Guild", strings.Repeat("a", 257),
			strings.Repeat("a ", 17), "\xff\xfe",
		} {
			_, _, err := w.s.Search(w.ctx, ann, models.SearchRequest{Query: q})
			var de *models.Error
			if !asDomain(err, &de) || de.Code != models.CodeInvalidQuery || de.Message == "" || de.Field != "q" {
				t.Errorf("%q: %v, want invalid_query", q, err)
			}
		}
		for _, q := range []string{
			`"unterminated`, `NEAR(x y)`, `a OR b`, `a AND`, `AND`, `NOT x`, `title:x`, `col:y`, `x:*`, `-x`,
			`^x`, `{a b}`, `x <-> y`, `!x`, `a | b`, `a & b`, `"a" "b"*`, `***a`, `a***`, `x"y"z`, `"" x`,
			"é", "e\u0301", "\u0301x", "日本語", "x²", "١٢٣", `C++`, `errors.Is`, `Is:unanswered x`, `BY:ann x`, `foo:bar`,
			strings.Repeat("x", 256), strings.Repeat("a ", 16), "\x00x", "x\x01y\x02",
		} {
			if _, _, err := w.s.Search(w.ctx, ann, models.SearchRequest{Query: q}); err != nil {
				t.Errorf("%q: %v", q, err)
			}
		}
		// Operators people type are words to kith.
		wantFound(t, "NEAR", w.found(ann, `NEAR x y`), `thread:Quoting "things" AND NEAR(x y) with C++ & errors.Is`)
		wantFound(t, "errors.Is", w.found(ann, `errors.Is`), `thread:Quoting "things" AND NEAR(x y) with C++ & errors.Is`)
	})
}

// TestSearchPrivacy: results hold only what the searcher may read at that
// moment. For every person and every space, a search finds the space's
// threads exactly when ThreadByID (canRead) lets them read them, and the space
// exactly when SpaceBySlug (canSee) shows it; leaving and removal end private
// results at once; nobody is shown a hidden post.
func TestSearchPrivacy(t *testing.T) {
	for _, publicRead := range []bool{false, true} {
		t.Run(fmt.Sprintf("public read %v", publicRead), func(t *testing.T) {
			Each(t, func(t *testing.T, d models.Dialect) {
				w := newInvWorld(t, d, models.Policy{PublicRead: publicRead, InvitationTTL: time.Hour})
				ann := MustCreateMember(t, w.s, "Ann")
				bob := MustCreateMember(t, w.s, "Bob")
				eve := MustCreateMember(t, w.s, "Eve")
				fay := MustCreateMember(t, w.s, "Fay")
				admin := MustCreateAdmin(t, w.s, "Root")
				anon := models.Actor{}
				threads := map[string]int64{}
				for _, sp := range []struct {
					slug string
					vis  models.Visibility
				}{{"open-zebras", models.VisibilityOpen}, {"asking-zebras", models.VisibilityRequest}, {"secret-zebras", models.VisibilityInvite}} {
					MustCreateSpace(t, w.s, ann, sp.slug, sp.vis)
					th, _ := w.thread(ann, sp.slug, "Zebra stripes in "+sp.slug, "Zebra notes of "+sp.slug, models.Discussion)
					threads[sp.slug] = th.ID
					hidden := MustReply(t, w.s, ann, th.ID, "a hidden zebra remark")
					w.exec("UPDATE posts SET hidden_at = ? WHERE id = ?", w.clock.now(), hidden.ID)
				}
				// Bob asks to join the request space and is let in; Fay is
				// invited to the invite space and has not answered yet.
				res, err := w.s.JoinSpace(w.ctx, bob, "asking-zebras", 1, "")
				if err != nil || res.Request == nil {
					t.Fatalf("bob asks: %+v %v", res, err)
				}
				if _, _, err := w.s.ApproveJoinRequest(w.ctx, ann, res.Request.ID, ""); err != nil {
					t.Fatal(err)
				}
				inv := w.invite(ann, "secret-zebras", bob)
				if _, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1); err != nil {
					t.Fatal(err)
				}
				w.invite(ann, "secret-zebras", fay)

				// agree checks the search of each person against the predicates.
				agree := func(when string, want map[string]string) {
					t.Helper()
					for _, p := range []models.Actor{ann, bob, eve, fay, admin, anon} {
						res, _, err := w.s.Search(w.ctx, p, models.SearchRequest{Query: "zebra*", Page: models.Page{Limit: 100}})
						if !p.SignedIn() && !publicRead {
							RequireCode(t, err, models.CodeUnauthorized)
							continue
						}
						if err != nil {
							t.Fatal(err)
						}
						var got []string
						for _, r := range res {
							if strings.Contains(r.Snippet, "hidden") {
								t.Errorf("%s %s: a hidden post: %+v", when, p.Name, r)
							}
							got = append(got, r.Type[:1]+":"+r.SpaceSlug)
						}
						slices.Sort(got)
						got = slices.Compact(got)
						var expect []string
						for slug, id := range threads {
							if _, err := w.s.ThreadByID(w.ctx, p, id); err == nil {
								expect = append(expect, "p:"+slug, "t:"+slug)
							}
							if _, err := w.s.SpaceBySlug(w.ctx, p, slug); err == nil {
								expect = append(expect, "s:"+slug)
							}
						}
						slices.Sort(expect)
						name := p.Name
						if name == "" {
							name = "anonymous"
						}
						if strings.Join(got, " ") != strings.Join(expect, " ") {
							t.Errorf("%s, %s finds %v; the predicates allow %v", when, name, got, expect)
						}
						if want != nil && strings.Join(got, " ") != want[name] {
							t.Errorf("%s, %s finds %v, want %s", when, name, got, want[name])
						}
					}
				}
				all := "p:asking-zebras p:open-zebras p:secret-zebras s:asking-zebras s:open-zebras s:secret-zebras t:asking-zebras t:open-zebras t:secret-zebras"
				outsider := "p:open-zebras s:asking-zebras s:open-zebras t:open-zebras"
				anonymous := ""
				if publicRead {
					anonymous = "p:open-zebras s:open-zebras t:open-zebras"
				}
				agree("at first", map[string]string{
					"Ann": all, "Bob": all, "Eve": outsider, "Root": outsider, "anonymous": anonymous,
					"Fay": "p:open-zebras s:asking-zebras s:open-zebras s:secret-zebras t:open-zebras", // invited: the space, not its threads
				})

				// Leaving ends it at once.
				if _, err := w.s.LeaveSpace(w.ctx, bob, "asking-zebras"); err != nil {
					t.Fatal(err)
				}
				// Removal too.
				if _, err := w.s.RemoveMember(w.ctx, ann, "secret-zebras", bob.ID, "Posting other people's stripes."); err != nil {
					t.Fatal(err)
				}
				agree("after leaving and removal", map[string]string{
					"Ann": all, "Bob": outsider, "Eve": outsider, "Root": outsider, "anonymous": anonymous,
					"Fay": "p:open-zebras s:asking-zebras s:open-zebras s:secret-zebras t:open-zebras",
				})

				// An invitation that lapses shows the space no more.
				w.clock.add(2 * time.Hour)
				agree("once the invitation lapsed", nil)
			})
		})
	}
}

// TestSearchMigrationGoesDown: the search migration undoes itself, and applies
// again over the data written meanwhile, indexing what is already there.
func TestSearchMigrationGoesDown(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		s := w.s
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		dialect, dir := goose.DialectSQLite3, "sqlite"
		if d == models.Postgres {
			dialect, dir = goose.DialectPostgres, "postgres"
		}
		sub, err := fs.Sub(migrations.FS, dir)
		if err != nil {
			t.Fatal(err)
		}
		p, err := goose.NewProvider(dialect, w.db, sub)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := p.DownTo(ctx, 4); err != nil {
			t.Fatalf("down: %v", err)
		}
		// kith's own writes need the schema they were built for (a new post
		// waits in search_posts_queue, migration 00009, for the end of its
		// transaction), so what is written while search is away is written
		// underneath, as MustCreateThread would write it.
		now := w.clock.now()
		w.exec(`INSERT INTO threads (space_id, author_id, title, kind, post_count, last_post_id, last_posted_at, created_at)
			SELECT id, ?, 'Written while search was away', 'discussion', 1, 0, ?, ? FROM spaces WHERE slug = 'go-guild'`, ann.ID, now, now)
		w.exec(`INSERT INTO posts (thread_id, space_id, author_id, body, html, created_at)
			SELECT id, space_id, author_id, 'Opening post of ' || title, '<p>Opening post of ' || title || '</p>', created_at
			FROM threads WHERE title = 'Written while search was away'`)
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		res, _, err := s.Search(ctx, ann, models.SearchRequest{Query: "away"})
		if err != nil || len(res) != 2 {
			t.Fatalf("after up: %+v %v", res, err)
		}
	})
}

// TestSearchNeverErrsOnTheEngine: the fuzz target checks built expressions
// against FTS5; this runs a few hundred random searches, made of the
// characters that mean something to FTS5, tsquery or SQL, through Search on
// each database (PostgreSQL's phraseto_tsquery and to_tsquery included).
// Every one either runs or is refused with invalid_query.
func TestSearchNeverErrsOnTheEngine(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann := MustCreateMember(t, w.s, "Ann")
		MustCreateSpace(t, w.s, ann, "go-guild", models.VisibilityOpen)
		w.thread(ann, "go-guild", "Error wrapping and NEAR things", "errors.Is, fmt.Errorf and C++ (or not)", models.Question)
		alphabet := []rune(`ab yz09 "*:-+^()[]{}<>!|&'\;%_.,/$?~` + "\t\u0301é日ß²ǅ\u200b\x01")
		words := []string{"in:", "by:", "is:", "after:", "before:", "NEAR", "AND", "OR", "NOT", "<->", ":*", "in:go-guild", "is:unanswered", "wrap", "error"}
		rng := uint64(42)
		next := func(n int) int { // xorshift: the same searches every run
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			return int(rng % uint64(n))
		}
		for i := 0; i < 300; i++ {
			var b strings.Builder
			for j, n := 0, 1+next(12); j < n; j++ {
				if next(3) == 0 {
					b.WriteString(words[next(len(words))])
				} else {
					b.WriteRune(alphabet[next(len(alphabet))])
				}
			}
			q := b.String()
			for _, sort := range []string{models.SortRelevance, models.SortNew} {
				_, _, err := w.s.Search(w.ctx, ann, models.SearchRequest{Query: q, Sort: sort})
				if err != nil && models.ErrorCode(err) != models.CodeInvalidQuery {
					t.Fatalf("%q: %v", q, err)
				}
			}
		}
	})
}

// TestSearchFindsPostsPastTheFirstPage: a post found beyond the first page of
// its thread comes with the cursor of the thread page that begins with it.
func TestSearchFindsPostsPastTheFirstPage(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		opts := Options()
		opts.Limits.ThreadPageSize = 2
		s := OpenURL(t, URL(t, d), opts)
		ctx := context.Background()
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		other, _ := MustCreateThread(t, s, ann, "go-guild", "Another thread") // its posts interleave
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Long thread")
		second := MustReply(t, s, ann, th.ID, "the second post, about ibis")
		MustReply(t, s, ann, other.ID, "elsewhere")
		MustReply(t, s, ann, th.ID, "the third post")
		fourth := MustReply(t, s, ann, th.ID, "the fourth post, about ibis too")
		res, _, err := s.Search(ctx, ann, models.SearchRequest{Query: "ibis", Sort: models.SortNew})
		if err != nil || len(res) != 2 || res[0].ID != fourth.ID || res[1].ID != second.ID {
			t.Fatalf("ibis: %+v %v", res, err)
		}
		if res[1].ThreadCursor != "" {
			t.Errorf("the second post is on the first page, yet has cursor %q", res[1].ThreadCursor)
		}
		_, posts, _, err := s.ReadThread(ctx, ann, th.ID, models.Page{Cursor: res[0].ThreadCursor})
		if err != nil || len(posts) == 0 || posts[0].ID != fourth.ID {
			t.Fatalf("the page of cursor %q begins with %+v (%v), want post %d", res[0].ThreadCursor, posts, err, fourth.ID)
		}
	})
}

// A search ranks the newest SearchCandidates matches of each kind that the
// reader may read; sorted by new, pages reach back past them.
func TestSearchRanksTheNewestCandidates(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		opts := Options()
		opts.Limits.SearchCandidates = 3
		s := OpenURL(t, URL(t, d), opts)
		ctx := context.Background()
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "birds", models.VisibilityOpen)
		MustCreateSpace(t, s, ann, "hidden", models.VisibilityInvite)
		th, _ := MustCreateThread(t, s, ann, "birds", "Waders")
		secret, _ := MustCreateThread(t, s, ann, "hidden", "Secrets")
		var ibis []int64 // oldest first
		for i := range 5 {
			ibis = append(ibis, MustReply(t, s, ann, th.ID, fmt.Sprintf("ibis sighting %d", i)).ID)
			MustReply(t, s, ann, secret.ID, "an ibis nobody else may read about") // newer, and not Bob's to see
		}
		// By relevance, page by page: the window is the three newest.
		got := map[int64]bool{}
		for cursor, more := "", true; more; more = cursor != "" {
			res, next, err := s.Search(ctx, bob, models.SearchRequest{Query: "ibis", Page: models.Page{Limit: 2, Cursor: cursor}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				got[r.ID] = true
			}
			cursor = next
		}
		if len(got) != 3 || !got[ibis[4]] || !got[ibis[3]] || !got[ibis[2]] {
			t.Fatalf("by relevance Bob found %v, want the three newest of %v, which he may read", got, ibis)
		}

		var pages [][]string
		cursor := ""
		for range 5 {
			res, next, err := s.Search(ctx, bob, models.SearchRequest{Query: "ibis", Sort: models.SortNew, Page: models.Page{Limit: 2, Cursor: cursor}})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, labels(res))
			if cursor = next; cursor == "" {
				break
			}
		}
		want := fmt.Sprintf("[[post:%d post:%d] [post:%d post:%d] [post:%d]]", ibis[4], ibis[3], ibis[2], ibis[1], ibis[0])
		if fmt.Sprint(pages) != want {
			t.Fatalf("newest first, page by page: %v, want %s", pages, want)
		}
	})
}
