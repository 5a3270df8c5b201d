package models_test

import (
	"context"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

func TestJoinRequiresCurrentPurpose(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)

		for _, v := range []int{0, 2, -1} {
			_, err := s.JoinSpace(ctx, bob, "go-guild", v, "")
			RequireCode(t, err, models.CodePurposeNotAffirmed)
		}
		sp, _ := s.SpaceBySlug(ctx, bob, "go-guild")
		if sp.IsMember() || sp.MemberCount != 1 {
			t.Fatalf("a refused join changed the space: member=%v count=%d", sp.IsMember(), sp.MemberCount)
		}

		res, err := s.JoinSpace(ctx, bob, "go-guild", 1, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Membership.AffirmedVersion != 1 || res.Membership.MemberID != bob.ID || res.Membership.Steward {
			t.Fatalf("membership = %+v", res.Membership)
		}
		_, err = s.JoinSpace(ctx, bob, "go-guild", 1, "")
		RequireCode(t, err, models.CodeAlreadyMember)
		sp, _ = s.SpaceBySlug(ctx, bob, "go-guild")
		if sp.MemberCount != 2 {
			t.Fatalf("member count = %d, want 2", sp.MemberCount)
		}
	})
}

func TestFounderIsMemberAndSteward(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		sp := MustCreateSpace(t, s, ann, "go-guild", models.VisibilityInvite)
		if !sp.IsMember() || !sp.IsSteward() || sp.Membership.AffirmedVersion != 1 || sp.PurposeVersion != 1 {
			t.Fatalf("founder's view = %+v", sp)
		}
		hist, err := s.PurposeHistory(context.Background(), ann, "go-guild")
		if err != nil || len(hist) != 1 || hist[0].Text != Purpose {
			t.Fatalf("purpose history = %+v, %v", hist, err)
		}
	})
}

func TestLeaveIsImmediateAndIdempotent(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "go-guild", models.VisibilityOpen)
		MustJoin(t, s, bob, "go-guild")
		th, _ := MustCreateThread(t, s, ann, "go-guild", "Hello")

		left, err := s.LeaveSpace(ctx, bob, "go-guild")
		if err != nil || !left {
			t.Fatalf("leave = %v, %v", left, err)
		}
		_, err = s.CreatePost(ctx, bob, th.ID, models.NewPost{Body: "still here?"})
		RequireCode(t, err, models.CodeNotMember)
		left, err = s.LeaveSpace(ctx, bob, "go-guild")
		if err != nil || left {
			t.Fatalf("second leave = %v, %v; want no error and nothing left", left, err)
		}
		// Founders and stewards may leave too; the space keeps working.
		if left, err := s.LeaveSpace(ctx, ann, "go-guild"); err != nil || !left {
			t.Fatalf("founder leave = %v, %v", left, err)
		}
		sp, err := s.SpaceBySlug(ctx, bob, "go-guild")
		if err != nil || sp.MemberCount != 0 {
			t.Fatalf("space after everyone left = %+v, %v", sp, err)
		}
		MustJoin(t, s, bob, "go-guild")
	})
}

func TestPrivateSpacesStayPrivate(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "secret", models.VisibilityInvite)
		MustCreateSpace(t, s, ann, "asking", models.VisibilityRequest)
		MustCreateSpace(t, s, ann, "public", models.VisibilityOpen)
		th, _ := MustCreateThread(t, s, ann, "secret", "Hidden plans")
		th2, _ := MustCreateThread(t, s, ann, "asking", "Members only")

		_, err := s.SpaceBySlug(ctx, bob, "secret")
		RequireCode(t, err, models.CodeNotFound)
		_, err = s.JoinSpace(ctx, bob, "secret", 1, "")
		RequireCode(t, err, models.CodeNotFound)
		_, err = s.ThreadByID(ctx, bob, th.ID)
		RequireCode(t, err, models.CodeNotFound)
		_, _, _, err = s.ReadThread(ctx, bob, th.ID, models.Page{})
		RequireCode(t, err, models.CodeNotFound)
		_, err = s.CreatePost(ctx, bob, th.ID, models.NewPost{Body: "let me in"})
		RequireCode(t, err, models.CodeNotFound)

		// A request space shows its purpose, but not its threads or members.
		sp, err := s.SpaceBySlug(ctx, bob, "asking")
		if err != nil || sp.CanRead {
			t.Fatalf("request space view = %+v, %v", sp, err)
		}
		_, _, err = s.ListThreads(ctx, bob, "asking", models.Page{})
		RequireCode(t, err, models.CodeNotMember)
		_, _, err = s.SpaceMembers(ctx, bob, "asking", "", models.Page{})
		RequireCode(t, err, models.CodeNotMember)
		_, err = s.CreatePost(ctx, bob, th2.ID, models.NewPost{Body: "let me in"})
		RequireCode(t, err, models.CodeNotFound)

		spaces, _, err := s.ListSpaces(ctx, bob, models.SpaceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, sp := range spaces {
			slugs = append(slugs, sp.Slug)
		}
		if len(slugs) != 2 || slugs[0] != "asking" || slugs[1] != "public" {
			t.Fatalf("bob sees spaces %v, want [asking public]", slugs)
		}
		recent, _, err := s.RecentThreads(ctx, bob, models.Page{})
		if err != nil || len(recent) != 0 {
			t.Fatalf("bob's recent threads = %+v, %v; want none", recent, err)
		}
		// Signed out, nothing is visible unless the instance allows public reading.
		spaces, _, err = s.ListSpaces(ctx, models.Actor{}, models.SpaceFilter{})
		if err != nil || len(spaces) != 0 {
			t.Fatalf("anonymous sees %d spaces, %v", len(spaces), err)
		}
	})
}

func TestRequestSpaceJoinAsks(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		ann := MustCreateMember(t, s, "Ann")
		bob := MustCreateMember(t, s, "Bob")
		MustCreateSpace(t, s, ann, "asking", models.VisibilityRequest)
		res, err := s.JoinSpace(ctx, bob, "asking", 1, "I run the Go meetup")
		if err != nil || res.Request == nil || res.Membership != nil || res.Request.Status != models.RequestPending {
			t.Fatalf("join request = %+v, %v", res, err)
		}
		_, err = s.JoinSpace(ctx, bob, "asking", 1, "")
		RequireCode(t, err, models.CodeRequestPending)
		sp, _ := s.SpaceBySlug(ctx, bob, "asking")
		if sp.IsMember() || !sp.RequestPending || sp.MemberCount != 1 {
			t.Fatalf("after asking: %+v", sp)
		}
	})
}

func TestMemberListHasNoRanks(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		s := Open(t, d)
		zoe := MustCreateMember(t, s, "Zoe")
		MustCreateSpace(t, s, zoe, "go-guild", models.VisibilityOpen)
		for _, n := range []string{"carl", "Ann", "bob"} {
			MustJoin(t, s, MustCreateMember(t, s, n), "go-guild")
		}
		var names []string
		cur := ""
		for {
			page, next, err := s.SpaceMembers(ctx, zoe, "go-guild", models.OrderByName, models.Page{Cursor: cur, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				names = append(names, m.Name)
			}
			if next == "" {
				break
			}
			cur = next
		}
		if got := len(names); got != 4 || names[0] != "Ann" || names[1] != "bob" || names[2] != "carl" || names[3] != "Zoe" {
			t.Fatalf("members by name = %v", names)
		}
		byJoin, _, err := s.SpaceMembers(ctx, zoe, "go-guild", models.OrderByJoined, models.Page{})
		if err != nil || byJoin[0].Name != "Zoe" || !byJoin[0].Steward || byJoin[3].Name != "bob" {
			t.Fatalf("members by join date = %+v, %v", byJoin, err)
		}
		_, _, err = s.SpaceMembers(ctx, zoe, "go-guild", "reputation", models.Page{})
		RequireCode(t, err, models.CodeInvalid)
	})
}
