package storetest

import (
	"context"
	"strings"
	"testing"

	"kith/models"
)

// Purpose is a valid purpose statement for test spaces.
const Purpose = "We help each other write clear, correct Go and share what we learn."

// MustCreateMember signs up a member named name and returns them as an actor.
func MustCreateMember(t testing.TB, s *models.Store, name string) models.Actor {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	m, err := s.SignUp(context.Background(), models.NewAccount{Email: email, Name: name, Password: "correct horse battery"})
	if err != nil {
		t.Fatalf("sign up %s: %v", name, err)
	}
	return models.ActorOf(m)
}

// MustCreateAdmin creates an admin account and returns it as an actor.
func MustCreateAdmin(t testing.TB, s *models.Store, name string) models.Actor {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	m, err := s.CreateAdmin(context.Background(), models.NewAccount{Email: email, Name: name, Password: "correct horse battery"})
	if err != nil {
		t.Fatalf("create admin %s: %v", name, err)
	}
	return models.ActorOf(m)
}

// MustCreateSpace founds a space with the test purpose.
func MustCreateSpace(t testing.TB, s *models.Store, founder models.Actor, slug string, v models.Visibility) *models.SpaceView {
	t.Helper()
	sp, err := s.CreateSpace(context.Background(), founder, models.NewSpace{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:], Purpose: Purpose, Visibility: v})
	if err != nil {
		t.Fatalf("create space %s: %v", slug, err)
	}
	return sp
}

// MustJoin makes the actor join an open space, affirming its current purpose.
func MustJoin(t testing.TB, s *models.Store, a models.Actor, slug string) *models.Membership {
	t.Helper()
	ctx := context.Background()
	sp, err := s.SpaceBySlug(ctx, a, slug)
	if err != nil {
		t.Fatalf("read %s: %v", slug, err)
	}
	res, err := s.JoinSpace(ctx, a, slug, sp.PurposeVersion, "")
	if err != nil {
		t.Fatalf("%s joins %s: %v", a.Name, slug, err)
	}
	if res.Membership == nil {
		t.Fatalf("%s joins %s: no membership (a request?)", a.Name, slug)
	}
	return res.Membership
}

// MustCreateThread starts a thread and returns it with its opening post.
func MustCreateThread(t testing.TB, s *models.Store, a models.Actor, slug, title string) (*models.Thread, *models.Post) {
	t.Helper()
	th, p, err := s.CreateThread(context.Background(), a, slug, models.NewThread{Title: title, Body: "Opening post of " + title})
	if err != nil {
		t.Fatalf("create thread %q: %v", title, err)
	}
	return th, p
}

// MustReply posts a reply to a thread.
func MustReply(t testing.TB, s *models.Store, a models.Actor, threadID int64, body string) *models.Post {
	t.Helper()
	p, err := s.CreatePost(context.Background(), a, threadID, models.NewPost{Body: body})
	if err != nil {
		t.Fatalf("reply to thread %d: %v", threadID, err)
	}
	return p
}

// RequireCode fails the test unless err carries the domain code.
func RequireCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := models.ErrorCode(err); got != code {
		t.Fatalf("want error %s, got %v", code, err)
	}
}
