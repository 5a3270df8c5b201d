package models_test

import (
	"context"
	"strings"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

func TestOnlyMembersPost(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")

		_, _, err := s.CreateThread(ctx, bob, "go-guild", models.NewThread{Title: "Mine", Body: "x"})
		RequireCode(t, err, models.CodeNotMember)
		_, err = s.CreatePost(ctx, bob, th.ID, models.NewPost{Body: "x"})
		RequireCode(t, err, models.CodeNotMember)
		_, err = s.CreatePost(ctx, models.Actor{}, th.ID, models.NewPost{Body: "x"})
		RequireCode(t, err, models.CodeUnauthorized)
		// Reading an open space needs no membership.
		_, posts, _, err := s.ReadThread(ctx, bob, th.ID, models.Page{})
		if err != nil || len(posts) != 1 {
			t.Fatalf("bob reads %d posts, %v", len(posts), err)
		}
	})
}

func TestRepliesRecordInteractions(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		url := URL(t, d)
		s := OpenURL(t, url, Options())
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		MustJoin(t, s, bob, "go-guild")
		th, opening := MustCreateThread(t, s, ann, "go-guild", "Hello")

		MustReply(t, s, ann, th.ID, "replying to my own thread records nothing")
		bobPost := MustReply(t, s, bob, th.ID, "a reply to the thread answers its author")
		if _, err := s.CreatePost(ctx, ann, th.ID, models.NewPost{Body: "thanks", ReplyToPostID: &bobPost.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePost(ctx, bob, th.ID, models.NewPost{Body: "welcome", ReplyToPostID: &opening.ID}); err != nil {
			t.Fatal(err)
		}
		other, _ := MustCreateThread(t, s, ann, "go-guild", "Elsewhere")
		_, err := s.CreatePost(ctx, bob, other.ID, models.NewPost{Body: "x", ReplyToPostID: &opening.ID})
		RequireCode(t, err, models.CodeInvalid)

		rows, err := MustRawSQL(t, url).Query("SELECT from_id, to_id, kind FROM interactions ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var from, to int64
			var kind string
			if err := rows.Scan(&from, &to, &kind); err != nil {
				t.Fatal(err)
			}
			got = append(got, name(from, ann, bob)+">"+name(to, ann, bob)+":"+kind)
		}
		want := "Bob>Ann:reply Ann>Bob:reply Bob>Ann:reply"
		if strings.Join(got, " ") != want {
			t.Fatalf("interactions = %v, want %s", got, want)
		}
	})
}

func name(id int64, actors ...models.Actor) string {
	for _, a := range actors {
		if a.ID == id {
			return a.Name
		}
	}
	return "?"
}

func TestEditKeepsHistory(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		cat := MustCreateMember(t, s, "Cat")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		MustJoin(t, s, bob, "go-guild")
		MustJoin(t, s, cat, "go-guild")
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")
		p := MustReply(t, s, bob, th.ID, "first **draft**")

		_, err := s.EditPost(ctx, cat, p.ID, "vandalism")
		RequireCode(t, err, models.CodeForbidden)
		if _, err := s.EditPost(ctx, bob, p.ID, "second draft"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EditPost(ctx, ann, p.ID, "steward's fix"); err != nil { // ann founded the space: she is its steward
			t.Fatal(err)
		}
		if _, err := s.EditPost(ctx, bob, p.ID, "steward's fix"); err != nil { // unchanged text keeps no revision
			t.Fatal(err)
		}
		_, err = s.EditPost(ctx, bob, p.ID, "   ")
		RequireCode(t, err, models.CodeInvalid)

		cur, revs, err := s.PostHistory(ctx, cat, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Body != "steward's fix" || cur.EditedAt == nil || len(revs) != 2 || revs[0].Body != "second draft" || revs[1].Body != "first **draft**" || !strings.Contains(revs[1].HTML, "<strong>draft</strong>") {
			t.Fatalf("history: current %q, revisions %+v", cur.Body, revs)
		}
		// After leaving, the author no longer edits.
		if _, err := s.LeaveSpace(ctx, bob, "go-guild"); err != nil {
			t.Fatal(err)
		}
		_, err = s.EditPost(ctx, bob, p.ID, "from outside")
		RequireCode(t, err, models.CodeForbidden)
	})
}

func TestMarkdownIsSanitised(t *testing.T) {
	s := Open(t, models.SQLite)
	ann := MustCreateMember(t, s, "Ann")
	MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
	th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")
	body := "<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n" +
		"<a href=\"https://example.com\" onclick=\"steal()\">x</a>\n\n```go\nfmt.Println(\"<b>\")\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
	p := MustReply(t, s, ann, th.ID, body)
	for _, bad := range []string{"<script", "javascript:", "onerror", "onclick", "<img"} {
		if strings.Contains(strings.ToLower(p.HTML), bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, p.HTML)
		}
	}
	for _, good := range []string{"<table>", "<code class=\"language-go\">", "&lt;b&gt;"} {
		if !strings.Contains(p.HTML, good) {
			t.Errorf("rendered HTML lacks %q:\n%s", good, p.HTML)
		}
	}
	if p.Body != body {
		t.Error("the markdown source was not kept as typed")
	}
}

func TestThreadsPageByActivity(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		var ids []int64
		for _, title := range []string{"one", "two", "three", "four", "five"} {
			th, _ := MustCreateThread(t, s, ann, "go-guild", title)
			ids = append(ids, th.ID)
		}
		MustReply(t, s, ann, ids[1], "bump two") // "two" is now the most recently active
		var got []string
		cur := ""
		for pages := 0; ; pages++ {
			list, next, err := s.ListThreads(ctx, ann, "go-guild", models.Page{Cursor: cur, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, th := range list {
				got = append(got, th.Title)
			}
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			cur = next
		}
		if strings.Join(got, " ") != "two five four three one" {
			t.Fatalf("threads by activity = %v", got)
		}
		_, _, err := s.ListThreads(ctx, ann, "go-guild", models.Page{Cursor: "not-a-cursor"})
		RequireCode(t, err, models.CodeInvalid)
	})
}
