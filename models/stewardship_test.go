package models_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"kith/models"
	. "kith/models/storetest"
)

// stewardWorld is the fixture of the stewardship tests: Ann founded and
// stewards go-guild (open) and vault (by invitation; Bob and Dan joined while
// it was open), Bob and Dan are members of both, Cat belongs to none, Oli
// stewards another space (elsewhere), and Ada is an admin who belongs to
// nothing.
type stewardWorld struct {
	s                       *models.Store
	raw                     *sql.DB
	ann, bob, cat, dan, oli models.Actor
	ada                     models.Actor
	tid, vaultTid           int64
}

func newStewardWorld(t *testing.T, d models.Dialect) *stewardWorld {
	t.Helper()
	url := URL(t, d)
	s := OpenURL(t, url, Options())
	w := &stewardWorld{s: s, raw: MustRawSQL(t, url)}
	w.ann, w.bob, w.cat = MustCreateMember(t, s, "Ann"), MustCreateMember(t, s, "Bob"), MustCreateMember(t, s, "Cat")
	w.dan, w.oli = MustCreateMember(t, s, "Dan"), MustCreateMember(t, s, "Oli")
	w.ada = MustCreateAdmin(t, s, "Ada")
	MustCreateSpace(t, s, w.ann, "go-guild", models.VisibilityOpen)
	MustCreateSpace(t, s, w.ann, "vault", models.VisibilityOpen)
	MustCreateSpace(t, s, w.oli, "elsewhere", models.VisibilityOpen)
	for _, slug := range []string{"go-guild", "vault"} {
		MustJoin(t, s, w.bob, slug)
		MustJoin(t, s, w.dan, slug)
	}
	th, _ := MustCreateThread(t, s, w.ann, "go-guild", "Hello")
	vth, _ := MustCreateThread(t, s, w.ann, "vault", "Secrets")
	w.tid, w.vaultTid = th.ID, vth.ID
	w.exec(t, "UPDATE spaces SET visibility = 'invite' WHERE slug = 'vault'")
	return w
}

func (w *stewardWorld) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := w.raw.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// state describes everything the rules of this feature touch, so that a
// refused act can be shown to have changed nothing.
func (w *stewardWorld) state(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT slug, member_count FROM spaces ORDER BY id",
		"SELECT space_id, member_id, steward FROM memberships ORDER BY id",
		"SELECT id, space_id, member_id, reason, lifted_at IS NULL FROM removals ORDER BY id",
		"SELECT id, space_id, member_id, status FROM steward_offers ORDER BY id",
		"SELECT count(*) FROM audit_log",
		"SELECT count(*) FROM notifications",
	} {
		rows, err := w.raw.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%q ", v.String)
			}
			b.WriteByte('\n')
		}
		_ = rows.Close()
	}
	return b.String()
}

func (w *stewardWorld) isMember(t *testing.T, a models.Actor, slug string) (member, steward bool) {
	t.Helper()
	var n, st int
	err := w.raw.QueryRow("SELECT count(*), COALESCE(SUM(CASE WHEN m.steward THEN 1 ELSE 0 END), 0) FROM memberships m JOIN spaces s ON s.id = m.space_id WHERE s.slug = $1 AND m.member_id = $2", slug, a.ID).Scan(&n, &st)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1, st == 1
}

func (w *stewardWorld) memberCount(t *testing.T, slug string) int {
	t.Helper()
	var n int
	if err := w.raw.QueryRow("SELECT member_count FROM spaces WHERE slug = $1", slug).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lastNotice returns the kind and data of a person's newest notification.
func lastNotice(t *testing.T, s *models.Store, a models.Actor) (string, map[string]any) {
	t.Helper()
	list, _, err := s.Notifications(context.Background(), a, models.Page{Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("%s has no notification (%v)", a.Name, err)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(list[0].Data), &data); err != nil {
		t.Fatal(err)
	}
	return list[0].Kind, data
}

// lastAudit returns the newest audit entry of a space, as its steward reads it.
func lastAudit(t *testing.T, s *models.Store, a models.Actor, slug string) models.AuditView {
	t.Helper()
	list, _, err := s.SpaceAudit(context.Background(), a, slug, models.Page{Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("audit of %s: %v", slug, err)
	}
	return list[0]
}

func TestRemovalEndsMembershipAndBarsRejoiningUntilLifted(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		// Bob can read the vault and has an offer of the duty pending there.
		if _, _, _, err := s.ReadThread(ctx, w.bob, w.vaultTid, models.Page{}); err != nil {
			t.Fatalf("bob reads the vault before: %v", err)
		}
		offer, err := s.OfferStewardship(ctx, w.ann, "vault", w.bob.ID)
		if err != nil {
			t.Fatal(err)
		}

		r, err := s.RemoveMember(ctx, w.ann, "vault", w.bob.ID, "  Repeated personal attacks after two warnings.  ")
		if err != nil {
			t.Fatal(err)
		}
		if r.MemberID != w.bob.ID || r.Reason != "Repeated personal attacks after two warnings." || r.RemovedBy == nil || *r.RemovedBy != w.ann.ID || r.LiftedAt != nil {
			t.Fatalf("removal = %+v", r)
		}
		if m, _ := w.isMember(t, w.bob, "vault"); m || w.memberCount(t, "vault") != 2 {
			t.Fatalf("after removal: member=%v count=%d", m, w.memberCount(t, "vault"))
		}
		// Private reads and writes end at once.
		_, _, _, err = s.ReadThread(ctx, w.bob, w.vaultTid, models.Page{})
		RequireCode(t, err, models.CodeNotFound)
		_, _, err = s.ListThreads(ctx, w.bob, "vault", models.Page{})
		RequireCode(t, err, models.CodeNotFound)
		_, err = s.CreatePost(ctx, w.bob, w.vaultTid, models.NewPost{Body: "still here?"})
		RequireCode(t, err, models.CodeNotFound)
		// The person is told, with the reason; the act is audited with it.
		kind, data := lastNotice(t, s, w.bob)
		if kind != models.NoticeRemoved || data["reason"] != r.Reason || data["removal_id"] != float64(r.ID) {
			t.Fatalf("notice %s %v", kind, data)
		}
		entries, _, err := s.SpaceAudit(ctx, w.ann, "vault", models.Page{Limit: 2})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit of the vault: %+v, %v", entries, err)
		}
		if e := entries[1]; e.Action != "membership.removed" || e.Reason != r.Reason || *e.SubjectID != w.bob.ID || *e.ActorID != w.ann.ID {
			t.Fatalf("audit %+v", e)
		}
		if e := entries[0]; e.Action != "steward.offer_withdrawn" || *e.SubjectID != w.bob.ID {
			t.Fatalf("audit %+v", e)
		}
		// The pending offer lapsed with the membership.
		_, err = s.AcceptStewardOffer(ctx, w.bob, offer.ID)
		RequireCode(t, err, models.CodeAlreadyDecided)

		// Removed from an open space, no way back in until it is lifted.
		r2, err := s.RemoveMember(ctx, w.ann, "go-guild", w.bob.ID, "Spam.")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.JoinSpace(ctx, w.bob, "go-guild", 1, "")
		RequireCode(t, err, models.CodeRemoved)
		list, _, err := s.Removals(ctx, w.ann, "go-guild", models.Page{})
		if err != nil || len(list) != 1 || list[0].ID != r2.ID || list[0].MemberName != "Bob" || list[0].RemovedByName != "Ann" || list[0].Reason != "Spam." {
			t.Fatalf("removals = %+v, %v", list, err)
		}

		lifted, err := s.LiftRemoval(ctx, w.ann, r2.ID)
		if err != nil || lifted.LiftedAt == nil || lifted.LiftedBy == nil || *lifted.LiftedBy != w.ann.ID {
			t.Fatalf("lift = %+v, %v", lifted, err)
		}
		// Lifting makes nobody a member; the person joins again by their own act.
		if m, _ := w.isMember(t, w.bob, "go-guild"); m {
			t.Fatal("lifting a removal made Bob a member")
		}
		if kind, data := lastNotice(t, s, w.bob); kind != models.NoticeRemovalLifted || data["removal_id"] != float64(r2.ID) {
			t.Fatalf("notice %s %v", kind, data)
		}
		if e := lastAudit(t, s, w.ann, "go-guild"); e.Action != "removal.lifted" || *e.SubjectID != w.bob.ID {
			t.Fatalf("audit %+v", e)
		}
		if list, _, _ := s.Removals(ctx, w.ann, "go-guild", models.Page{}); len(list) != 0 {
			t.Fatalf("a lifted removal is still listed: %+v", list)
		}
		_, err = s.LiftRemoval(ctx, w.ann, r2.ID)
		RequireCode(t, err, models.CodeAlreadyDecided)
		MustJoin(t, s, w.bob, "go-guild")
		// Still barred from the vault, whose removal stands.
		if list, _, _ := s.Removals(ctx, w.ada, "vault", models.Page{}); len(list) != 1 {
			t.Fatalf("vault removals = %+v", list)
		}
	})
}

func TestRemovalRefusalsChangeNothing(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		// Dan takes up the duty in go-guild, so there are two stewards.
		o, err := s.OfferStewardship(ctx, w.ann, "go-guild", w.dan.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptStewardOffer(ctx, w.dan, o.ID); err != nil {
			t.Fatal(err)
		}
		maxReason := s.Limits().MaxReasonChars
		cases := []struct {
			name   string
			as     models.Actor
			slug   string
			member int64
			reason string
			code   string
		}{
			{"anonymous", models.Actor{}, "go-guild", w.bob.ID, "reason", models.CodeUnauthorized},
			{"removing yourself", w.ann, "go-guild", w.ann.ID, "I am done", models.CodeInvalid},
			{"no reason", w.ann, "go-guild", w.bob.ID, "", models.CodeInvalid},
			{"a blank reason", w.ann, "go-guild", w.bob.ID, " \n\t ", models.CodeInvalid},
			{"a reason too long", w.ann, "go-guild", w.bob.ID, strings.Repeat("é", maxReason+1), models.CodeInvalid},
			{"a reason of invalid UTF-8", w.ann, "go-guild", w.bob.ID, "bad \xff", models.CodeInvalid},
			{"no member named", w.ann, "go-guild", 0, "reason", models.CodeInvalid},
			{"an unknown member", w.ann, "go-guild", 999999, "reason", models.CodeNotFound},
			{"a non-member", w.ann, "go-guild", w.cat.ID, "reason", models.CodeInvalid},
			{"a steward removing a steward", w.ann, "go-guild", w.dan.ID, "reason", models.CodeForbidden},
			{"a member", w.bob, "go-guild", w.dan.ID, "reason", models.CodeNotSteward},
			{"a non-member", w.cat, "go-guild", w.bob.ID, "reason", models.CodeNotSteward},
			{"a steward of another open space", w.oli, "go-guild", w.bob.ID, "reason", models.CodeNotSteward},
			{"a steward of another space, on a hidden space", w.oli, "vault", w.bob.ID, "reason", models.CodeNotFound},
			{"the steward of another space names its member", w.oli, "elsewhere", w.bob.ID, "reason", models.CodeInvalid},
			{"an unknown space", w.ann, "no-such-space", w.bob.ID, "reason", models.CodeNotFound},
		}
		before := w.state(t)
		for _, tc := range cases {
			_, err := s.RemoveMember(ctx, tc.as, tc.slug, tc.member, tc.reason)
			if got := models.ErrorCode(err); got != tc.code {
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
			}
			var de *models.Error
			if tc.code == models.CodeInvalid && asDomain(err, &de) && de.Field == "" {
				t.Errorf("%s: invalid input without a field: %v", tc.name, err)
			}
		}
		if after := w.state(t); after != before {
			t.Fatalf("refused removals changed the store:\n%s\n---\n%s", before, after)
		}
		// The longest reason is accepted, counted in characters.
		if _, err := s.RemoveMember(ctx, w.ann, "go-guild", w.bob.ID, strings.Repeat("é", maxReason)); err != nil {
			t.Fatalf("a reason of exactly %d characters: %v", maxReason, err)
		}
		// Removing someone already removed: they are no longer a member.
		_, err = s.RemoveMember(ctx, w.ann, "go-guild", w.bob.ID, "again")
		RequireCode(t, err, models.CodeInvalid)
	})
}

func TestAdminsRemoveStewardsAndActInAnySpace(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		// Ada belongs to no space, yet may remove a steward in a hidden one.
		r, err := s.RemoveMember(ctx, w.ada, "vault", w.ann.ID, "Abused the steward duty.")
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := w.isMember(t, w.ann, "vault"); m {
			t.Fatal("the steward is still a member")
		}
		// The vault has no steward now; it keeps working, and admins see it.
		spaces, _, err := s.UnstewardedSpaces(ctx, w.ada, models.Page{})
		if err != nil || len(spaces) != 1 || spaces[0].Slug != "vault" {
			t.Fatalf("unstewarded = %+v, %v", spaces, err)
		}
		MustReply(t, s, w.bob, w.vaultTid, "We carry on.")
		// Ann cannot lift her own removal: she holds no duty there any more.
		_, err = s.LiftRemoval(ctx, w.ann, r.ID)
		RequireCode(t, err, models.CodeNotFound)
		// A member of the vault who is no steward may not lift it either.
		_, err = s.LiftRemoval(ctx, w.bob, r.ID)
		RequireCode(t, err, models.CodeNotSteward)
		_, err = s.LiftRemoval(ctx, w.ada, 999999)
		RequireCode(t, err, models.CodeNotFound)
		if _, err := s.LiftRemoval(ctx, w.ada, r.ID); err != nil {
			t.Fatal(err)
		}
		if m, _ := w.isMember(t, w.ann, "vault"); m {
			t.Fatal("lifting made Ann a member")
		}
	})
}

func TestConcurrentRemovalsRemoveOnce(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := w.ann
				if i%2 == 1 {
					who = w.ada
				}
				_, errs[i] = w.s.RemoveMember(ctx, who, "go-guild", w.bob.ID, fmt.Sprintf("reason %d", i))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if c := models.ErrorCode(err); c != models.CodeInvalid && c != models.CodeConflict {
				t.Errorf("a losing removal failed with %v", err)
			}
		}
		var removals int
		if err := w.raw.QueryRow("SELECT count(*) FROM removals").Scan(&removals); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || removals != 1 || w.memberCount(t, "go-guild") != 2 {
			t.Fatalf("%d removals succeeded, %d stored, member count %d", ok, removals, w.memberCount(t, "go-guild"))
		}
	})
}

func TestStewardshipTakesEffectOnlyWhenAccepted(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		o, err := s.OfferStewardship(ctx, w.ann, "go-guild", w.bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != models.OfferPending || o.MemberID != w.bob.ID || o.MemberName != "Bob" || o.OfferedByName != "Ann" || o.SpaceSlug != "go-guild" {
			t.Fatalf("offer = %+v", o)
		}
		if _, st := w.isMember(t, w.bob, "go-guild"); st {
			t.Fatal("an offer made Bob a steward before he answered")
		}
		if kind, data := lastNotice(t, s, w.bob); kind != models.NoticeStewardOffer || data["steward_offer_id"] != float64(o.ID) || data["link"] != "/offers" {
			t.Fatalf("notice %s %v", kind, data)
		}
		mine, _, err := s.MyStewardOffers(ctx, w.bob, models.Page{})
		if err != nil || len(mine) != 1 || mine[0].ID != o.ID {
			t.Fatalf("bob's offers = %+v, %v", mine, err)
		}
		if other, _, _ := s.MyStewardOffers(ctx, w.dan, models.Page{}); len(other) != 0 {
			t.Fatalf("dan sees bob's offer: %+v", other)
		}
		// The desk shows the offer as pending.
		desk, _, err := s.DeskMembers(ctx, w.ann, "go-guild", models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range desk {
			if m.OfferPending != (m.ID == w.bob.ID) {
				t.Fatalf("desk member %+v", m)
			}
		}

		// Nobody but Bob may answer: to them the offer does not exist.
		before := w.state(t)
		for _, who := range []models.Actor{w.ann, w.dan, w.cat, w.oli, w.ada} {
			_, err := s.AcceptStewardOffer(ctx, who, o.ID)
			RequireCode(t, err, models.CodeNotFound)
			_, err = s.DeclineStewardOffer(ctx, who, o.ID)
			RequireCode(t, err, models.CodeNotFound)
		}
		_, err = s.AcceptStewardOffer(ctx, models.Actor{}, o.ID)
		RequireCode(t, err, models.CodeUnauthorized)
		_, err = s.AcceptStewardOffer(ctx, w.bob, 999999)
		RequireCode(t, err, models.CodeNotFound)
		if after := w.state(t); after != before {
			t.Fatalf("answers by others changed the store:\n%s", after)
		}

		acc, err := s.AcceptStewardOffer(ctx, w.bob, o.ID)
		if err != nil || acc.Status != models.OfferAccepted || acc.AnsweredAt == nil {
			t.Fatalf("accept = %+v, %v", acc, err)
		}
		if _, st := w.isMember(t, w.bob, "go-guild"); !st {
			t.Fatal("accepting did not make Bob a steward")
		}
		if e := lastAudit(t, s, w.bob, "go-guild"); e.Action != "steward.accepted" || *e.ActorID != w.bob.ID {
			t.Fatalf("audit %+v", e)
		}
		if kind, _ := lastNotice(t, s, w.ann); kind != models.NoticeStewardAccepted {
			t.Fatalf("the offerer heard %s", kind)
		}
		// Answering twice is refused, either way.
		_, err = s.AcceptStewardOffer(ctx, w.bob, o.ID)
		RequireCode(t, err, models.CodeAlreadyDecided)
		_, err = s.DeclineStewardOffer(ctx, w.bob, o.ID)
		RequireCode(t, err, models.CodeAlreadyDecided)

		// A declined offer changes nothing for the person.
		o2, err := s.OfferStewardship(ctx, w.bob, "go-guild", w.dan.ID)
		if err != nil {
			t.Fatal(err)
		}
		if dec, err := s.DeclineStewardOffer(ctx, w.dan, o2.ID); err != nil || dec.Status != models.OfferDeclined {
			t.Fatalf("decline = %+v, %v", dec, err)
		}
		if _, st := w.isMember(t, w.dan, "go-guild"); st {
			t.Fatal("declining made Dan a steward")
		}
		_, err = s.AcceptStewardOffer(ctx, w.dan, o2.ID)
		RequireCode(t, err, models.CodeAlreadyDecided)
		if e := lastAudit(t, s, w.ann, "go-guild"); e.Action != "steward.declined" || *e.ActorID != w.dan.ID {
			t.Fatalf("audit %+v", e)
		}
	})
}

func TestStewardOfferRefusals(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		if _, err := s.OfferStewardship(ctx, w.ann, "go-guild", w.dan.ID); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			as     models.Actor
			slug   string
			member int64
			code   string
		}{
			{"anonymous", models.Actor{}, "go-guild", w.bob.ID, models.CodeUnauthorized},
			{"to a non-member", w.ann, "go-guild", w.cat.ID, models.CodeInvalid},
			{"to nobody", w.ann, "go-guild", 0, models.CodeInvalid},
			{"to an unknown member", w.ann, "go-guild", 999999, models.CodeNotFound},
			{"to an existing steward", w.ann, "go-guild", w.ann.ID, models.CodeConflict},
			{"twice while pending", w.ann, "go-guild", w.dan.ID, models.CodeConflict},
			{"by a member", w.bob, "go-guild", w.dan.ID, models.CodeNotSteward},
			{"by a non-member", w.cat, "go-guild", w.bob.ID, models.CodeNotSteward},
			{"by a steward of another space", w.oli, "go-guild", w.bob.ID, models.CodeNotSteward},
			{"by a steward of another space, on a hidden space", w.oli, "vault", w.bob.ID, models.CodeNotFound},
			{"by an admin where the space has a steward", w.ada, "go-guild", w.bob.ID, models.CodeNotSteward},
			{"by an admin on a hidden space with a steward", w.ada, "vault", w.bob.ID, models.CodeNotSteward},
			{"in an unknown space", w.ann, "no-such-space", w.bob.ID, models.CodeNotFound},
		}
		before := w.state(t)
		for _, tc := range cases {
			_, err := s.OfferStewardship(ctx, tc.as, tc.slug, tc.member)
			if got := models.ErrorCode(err); got != tc.code {
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
			}
		}
		if after := w.state(t); after != before {
			t.Fatalf("refused offers changed the store:\n%s\n---\n%s", before, after)
		}
	})
}

func TestPendingOfferLapsesWhenThePersonLeaves(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		o, err := s.OfferStewardship(ctx, w.ann, "go-guild", w.bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if left, err := s.LeaveSpace(ctx, w.bob, "go-guild"); err != nil || !left {
			t.Fatalf("leave = %v, %v", left, err)
		}
		MustJoin(t, s, w.bob, "go-guild") // coming back does not revive the offer
		_, err = s.AcceptStewardOffer(ctx, w.bob, o.ID)
		RequireCode(t, err, models.CodeAlreadyDecided)
		if _, st := w.isMember(t, w.bob, "go-guild"); st {
			t.Fatal("a lapsed offer made Bob a steward")
		}
		if mine, _, _ := s.MyStewardOffers(ctx, w.bob, models.Page{}); len(mine) != 0 {
			t.Fatalf("a lapsed offer is still listed: %+v", mine)
		}
		// A new offer may be made, and accepted.
		o2, err := s.OfferStewardship(ctx, w.ann, "go-guild", w.bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptStewardOffer(ctx, w.bob, o2.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestResignAndSpacesWithoutSteward(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		_, err := s.ResignStewardship(ctx, w.bob, "go-guild")
		RequireCode(t, err, models.CodeNotSteward)
		_, err = s.ResignStewardship(ctx, w.cat, "go-guild")
		RequireCode(t, err, models.CodeNotSteward)
		_, err = s.ResignStewardship(ctx, w.oli, "vault")
		RequireCode(t, err, models.CodeNotFound)
		_, err = s.ResignStewardship(ctx, models.Actor{}, "go-guild")
		RequireCode(t, err, models.CodeUnauthorized)

		if list, _, err := s.UnstewardedSpaces(ctx, w.ada, models.Page{}); err != nil || len(list) != 0 {
			t.Fatalf("unstewarded before = %+v, %v", list, err)
		}
		m, err := s.ResignStewardship(ctx, w.ann, "go-guild")
		if err != nil || m.Steward {
			t.Fatalf("resign = %+v, %v", m, err)
		}
		if member, st := w.isMember(t, w.ann, "go-guild"); !member || st {
			t.Fatalf("after resigning: member=%v steward=%v", member, st)
		}
		_, err = s.ResignStewardship(ctx, w.ann, "go-guild")
		RequireCode(t, err, models.CodeNotSteward)
		// Her acts as steward end with the duty.
		_, err = s.RemoveMember(ctx, w.ann, "go-guild", w.bob.ID, "reason")
		RequireCode(t, err, models.CodeNotSteward)
		_, _, err = s.SpaceAudit(ctx, w.ann, "go-guild", models.Page{})
		RequireCode(t, err, models.CodeNotSteward)
		if e := lastAudit(t, s, w.ada, "go-guild"); e.Action != "steward.resigned" || *e.ActorID != w.ann.ID {
			t.Fatalf("audit %+v", e)
		}

		// The space keeps working: posting, replying, joining.
		MustCreateThread(t, s, w.bob, "go-guild", "Still going")
		MustReply(t, s, w.dan, w.tid, "Yes")
		MustJoin(t, s, w.cat, "go-guild")

		// Admins see it; nobody else may ask.
		list, _, err := s.UnstewardedSpaces(ctx, w.ada, models.Page{})
		if err != nil || len(list) != 1 || list[0].Slug != "go-guild" {
			t.Fatalf("unstewarded = %+v, %v", list, err)
		}
		for _, who := range []models.Actor{w.ann, w.bob, w.oli} {
			_, _, err := s.UnstewardedSpaces(ctx, who, models.Page{})
			RequireCode(t, err, models.CodeForbidden)
		}
		_, _, err = s.UnstewardedSpaces(ctx, models.Actor{}, models.Page{})
		RequireCode(t, err, models.CodeUnauthorized)
		// Archived spaces need no steward.
		w.exec(t, "UPDATE spaces SET archived_at = created_at WHERE slug = 'go-guild'")
		if list, _, _ := s.UnstewardedSpaces(ctx, w.ada, models.Page{}); len(list) != 0 {
			t.Fatalf("an archived space is listed: %+v", list)
		}
		w.exec(t, "UPDATE spaces SET archived_at = NULL WHERE slug = 'go-guild'")

		// Now an admin may offer the duty; a member still may not.
		_, err = s.OfferStewardship(ctx, w.bob, "go-guild", w.dan.ID)
		RequireCode(t, err, models.CodeNotSteward)
		_, err = s.OfferStewardship(ctx, w.ada, "go-guild", w.ada.ID)
		RequireCode(t, err, models.CodeInvalid) // admins are not members of the space
		o, err := s.OfferStewardship(ctx, w.ada, "go-guild", w.dan.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, st := w.isMember(t, w.dan, "go-guild"); st {
			t.Fatal("the admin's offer made Dan a steward")
		}
		if _, err := s.AcceptStewardOffer(ctx, w.dan, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, st := w.isMember(t, w.dan, "go-guild"); !st {
			t.Fatal("Dan accepted but is no steward")
		}
		// With a steward again, the admin offers no more and the list is empty.
		_, err = s.OfferStewardship(ctx, w.ada, "go-guild", w.bob.ID)
		RequireCode(t, err, models.CodeNotSteward)
		if list, _, _ := s.UnstewardedSpaces(ctx, w.ada, models.Page{}); len(list) != 0 {
			t.Fatalf("unstewarded after = %+v", list)
		}
	})
}

func TestStewardDeskAccess(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		desk, err := s.StewardDesk(ctx, w.ann, "vault")
		if err != nil || desk.AsAdmin || !desk.CanOffer || !desk.Stewarded {
			t.Fatalf("steward's desk = %+v, %v", desk, err)
		}
		desk, err = s.StewardDesk(ctx, w.ada, "vault")
		if err != nil || !desk.AsAdmin || desk.CanOffer {
			t.Fatalf("admin's desk = %+v, %v", desk, err)
		}
		for _, tc := range []struct {
			who  models.Actor
			slug string
			code string
		}{
			{models.Actor{}, "go-guild", models.CodeUnauthorized},
			{w.bob, "go-guild", models.CodeNotSteward},
			{w.cat, "go-guild", models.CodeNotSteward},
			{w.oli, "go-guild", models.CodeNotSteward},
			{w.oli, "vault", models.CodeNotFound},
			{w.cat, "vault", models.CodeNotFound},
		} {
			_, err := s.StewardDesk(ctx, tc.who, tc.slug)
			RequireCode(t, err, tc.code)
			_, _, err = s.DeskMembers(ctx, tc.who, tc.slug, models.Page{})
			RequireCode(t, err, tc.code)
			_, _, err = s.Removals(ctx, tc.who, tc.slug, models.Page{})
			RequireCode(t, err, tc.code)
			_, _, err = s.SpaceAudit(ctx, tc.who, tc.slug, models.Page{})
			RequireCode(t, err, tc.code)
		}
		members, _, err := s.DeskMembers(ctx, w.ada, "vault", models.Page{})
		if err != nil || len(members) != 3 || members[0].Name != "Ann" || !members[0].Steward || members[1].Steward {
			t.Fatalf("vault members = %+v, %v", members, err)
		}
	})
}

func TestAuditLogRecordsEveryMembershipAndRoleEvent(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newStewardWorld(t, d)
		s := w.s
		o, _ := s.OfferStewardship(ctx, w.ann, "go-guild", w.bob.ID)
		if _, err := s.AcceptStewardOffer(ctx, w.bob, o.ID); err != nil {
			t.Fatal(err)
		}
		o2, _ := s.OfferStewardship(ctx, w.bob, "go-guild", w.dan.ID)
		if _, err := s.ResignStewardship(ctx, w.bob, "go-guild"); err != nil {
			t.Fatal(err)
		}
		r, err := s.RemoveMember(ctx, w.ann, "go-guild", w.dan.ID, "Off-topic promotion.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.LiftRemoval(ctx, w.ann, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LeaveSpace(ctx, w.bob, "go-guild"); err != nil {
			t.Fatal(err)
		}
		_ = o2

		want := []string{
			"space.created", "membership.founded", "membership.joined", "membership.joined",
			"steward.offered", "steward.accepted", "steward.offered", "steward.resigned",
			"membership.removed", "steward.offer_withdrawn", "removal.lifted", "membership.left",
		}
		// Walk the space's log a page of two at a time, newest first.
		var got []models.AuditView
		cursor := ""
		for pages := 0; ; pages++ {
			page, next, err := s.SpaceAudit(ctx, w.ann, "go-guild", models.Page{Cursor: cursor, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
			if next == "" {
				break
			}
			if pages > 20 {
				t.Fatal("the cursor does not advance")
			}
			cursor = next
		}
		if len(got) != len(want) {
			t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			e := got[len(got)-1-i]
			if e.Action != want[i] {
				t.Errorf("entry %d is %s, want %s", i, e.Action, want[i])
			}
			if e.SpaceSlug == nil || *e.SpaceSlug != "go-guild" {
				t.Errorf("entry %d names space %v", i, e.SpaceSlug)
			}
			if i > 0 && got[i].ID >= got[i-1].ID {
				t.Errorf("entries are not newest first")
			}
		}
		removed := got[len(got)-1-8]
		if removed.Reason != "Off-topic promotion." || *removed.ActorName != "Ann" || *removed.SubjectName != "Dan" {
			t.Errorf("the removal's entry = %+v", removed)
		}

		// The whole log is for admins only, and holds account events too.
		all, _, err := s.AuditLog(ctx, w.ada, models.Page{Limit: 100})
		if err != nil || len(all) <= len(got) || all[0].ID != got[0].ID {
			t.Fatalf("admin log: %d entries, %v", len(all), err)
		}
		hasAccount := false
		for _, e := range all {
			hasAccount = hasAccount || e.Action == "account.created" && e.SpaceSlug == nil
		}
		if !hasAccount {
			t.Error("the admin log lacks account events")
		}
		for _, who := range []models.Actor{w.ann, w.bob, w.cat} {
			_, _, err := s.AuditLog(ctx, who, models.Page{})
			RequireCode(t, err, models.CodeForbidden)
		}
		_, _, err = s.AuditLog(ctx, models.Actor{}, models.Page{})
		RequireCode(t, err, models.CodeUnauthorized)
		_, _, err = s.AuditLog(ctx, w.ada, models.Page{Cursor: "nonsense"})
		RequireCode(t, err, models.CodeInvalid)

		// The log is append-only underneath the models too.
		if _, err := w.raw.Exec("UPDATE audit_log SET reason = 'rewritten'"); err == nil {
			t.Error("the audit log accepted an update")
		}
		if _, err := w.raw.Exec("DELETE FROM audit_log"); err == nil {
			t.Error("the audit log accepted a delete")
		}
	})
}
