package models_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

// testClock is a clock the test moves by hand (Options.Now).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// invWorld is a store on its own clock, with raw SQL access for looking
// underneath the models.
type invWorld struct {
	t     *testing.T
	ctx   context.Context
	s     *models.Store
	db    *sql.DB
	d     models.Dialect
	clock *testClock
}

func newInvWorld(t *testing.T, d models.Dialect, policy models.Policy) *invWorld {
	t.Helper()
	clock := &testClock{t: time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)}
	opts := Options()
	opts.Now = clock.now
	opts.Policy = policy
	url := URL(t, d)
	s := OpenURL(t, url, opts)
	return &invWorld{t: t, ctx: context.Background(), s: s, db: MustRawSQL(t, url), d: d, clock: clock}
}

// exec runs raw SQL written with ? placeholders on either database.
func (w *invWorld) exec(query string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Exec(w.rebind(query), args...); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
}

func (w *invWorld) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.db.QueryRow(w.rebind(query), args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (w *invWorld) rebind(query string) string {
	if w.d != models.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// state is what an invitation operation may change, so that a refusal can be
// shown to change nothing.
func (w *invWorld) state() string {
	w.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT COUNT(*) FROM invitations",
		"SELECT COUNT(*) FROM invitations WHERE status = 'pending'",
		"SELECT COUNT(*) FROM memberships",
		"SELECT COUNT(*) FROM notifications",
		"SELECT COUNT(*) FROM audit_log",
		"SELECT COUNT(*) FROM spaces",
		"SELECT COUNT(*) FROM spaces WHERE successor_id IS NOT NULL OR predecessor_id IS NOT NULL",
		"SELECT COALESCE(SUM(member_count), 0) FROM spaces",
	} {
		fmt.Fprintf(&b, "%s = %d\n", q, w.count(q))
	}
	return b.String()
}

// unchanged runs fn and fails if it changed what is stored.
func (w *invWorld) unchanged(what string, fn func()) {
	w.t.Helper()
	before := w.state()
	fn()
	if after := w.state(); after != before {
		w.t.Fatalf("%s changed what is stored:\nbefore:\n%safter:\n%s", what, before, after)
	}
}

func (w *invWorld) invite(a models.Actor, slug string, who models.Actor) *models.InvitationView {
	w.t.Helper()
	v, err := w.s.Invite(w.ctx, a, slug, who.ID)
	if err != nil {
		w.t.Fatalf("%s invites %s to %s: %v", a.Name, who.Name, slug, err)
	}
	return v
}

func (w *invWorld) mine(a models.Actor) []models.InvitationView {
	w.t.Helper()
	out, _, err := w.s.MyInvitations(w.ctx, a, models.Page{})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// audited fails unless the audit log holds exactly one entry of the action
// with that actor and subject in the space.
func (w *invWorld) audited(action string, actor, subject models.Actor, spaceSlug string) {
	w.t.Helper()
	n := w.count("SELECT COUNT(*) FROM audit_log a JOIN spaces s ON s.id = a.space_id WHERE a.action = ? AND a.actor_id = ? AND a.subject_id = ? AND s.slug = ?",
		action, actor.ID, subject.ID, spaceSlug)
	if n != 1 {
		w.t.Fatalf("audit log has %d entries %s by %s about %s in %s, want 1", n, action, actor.Name, subject.Name, spaceSlug)
	}
}

// notices returns the member's notifications of a kind, decoded.
func (w *invWorld) notices(a models.Actor, kind string) []map[string]any {
	w.t.Helper()
	ns, _, err := w.s.Notifications(w.ctx, a, models.Page{Limit: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []map[string]any
	for _, n := range ns {
		if n.Kind != kind {
			continue
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(n.Data), &data); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func (w *invWorld) isMember(a models.Actor, slug string) bool {
	w.t.Helper()
	return w.count("SELECT COUNT(*) FROM memberships m JOIN spaces s ON s.id = m.space_id WHERE m.member_id = ? AND s.slug = ?", a.ID, slug) == 1
}

func (w *invWorld) visibleSlugs(a models.Actor) []string {
	w.t.Helper()
	spaces, _, err := w.s.ListSpaces(w.ctx, a, models.SpaceFilter{Page: models.Page{Limit: 100}})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, sp := range spaces {
		out = append(out, sp.Slug)
	}
	return out
}

func TestInvitationAcceptedByInvitee(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob, cat := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob"), MustCreateMember(t, w.s, "Cat")
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		th, _ := MustCreateThread(t, w.s, ann, "secret", "Hidden plans")
		_, err := w.s.SpaceBySlug(w.ctx, bob, "secret")
		RequireCode(t, err, models.CodeNotFound)

		inv := w.invite(ann, "secret", bob)
		if inv.Status != models.InvitationPending || inv.State() != models.InvitationPending || inv.InviteeID != bob.ID || inv.InviteeName != "Bob" ||
			inv.InviterID == nil || *inv.InviterID != ann.ID || inv.InviterName != "Ann" || inv.SpaceSlug != "secret" ||
			inv.SpacePurpose != Purpose || inv.SpacePurposeVersion != 1 || inv.AnsweredAt != nil {
			t.Fatalf("invitation = %+v", inv)
		}
		if want := w.clock.now().Add(30 * 24 * time.Hour); !inv.ExpiresAt.Equal(want) {
			t.Fatalf("expires at %v, want %v (the default TTL of 30 days)", inv.ExpiresAt, want)
		}
		w.audited("invitation.created", ann, bob, "secret")

		// The invitation makes no membership: Bob sees the space's name and
		// purpose, but reads nothing in it until he accepts.
		if w.isMember(bob, "secret") {
			t.Fatal("an invitation made a membership")
		}
		sp, err := w.s.SpaceBySlug(w.ctx, bob, "secret")
		if err != nil || sp.IsMember() || sp.CanRead || sp.CanPost || sp.Purpose != Purpose || sp.Invitation == nil || sp.Invitation.ID != inv.ID {
			t.Fatalf("invitee's view of the space = %+v, %v", sp, err)
		}
		_, _, err = w.s.ListThreads(w.ctx, bob, "secret", models.Page{})
		RequireCode(t, err, models.CodeNotMember)
		_, _, err = w.s.SpaceMembers(w.ctx, bob, "secret", "", models.Page{})
		RequireCode(t, err, models.CodeNotMember)
		_, err = w.s.ThreadByID(w.ctx, bob, th.ID)
		RequireCode(t, err, models.CodeNotFound)
		_, err = w.s.CreatePost(w.ctx, bob, th.ID, models.NewPost{Body: "early"})
		RequireCode(t, err, models.CodeNotFound)
		_, err = w.s.JoinSpace(w.ctx, bob, "secret", 1, "")
		RequireCode(t, err, models.CodeForbidden) // joining is not accepting
		if got := w.visibleSlugs(bob); !slices.Contains(got, "secret") {
			t.Fatalf("the invitee's space list %v lacks the space he may see", got)
		}
		// Nobody else gains sight of it.
		_, err = w.s.SpaceBySlug(w.ctx, cat, "secret")
		RequireCode(t, err, models.CodeNotFound)
		if got := w.visibleSlugs(cat); slices.Contains(got, "secret") {
			t.Fatalf("cat lists %v", got)
		}

		// Bob was told, with the invitation's id and who invited him.
		notes := w.notices(bob, models.NoticeInvitation)
		if len(notes) != 1 || notes[0]["invitation_id"] != float64(inv.ID) || jsonPath(notes[0], "inviter", "name") != "Ann" || jsonPath(notes[0], "space", "slug") != "secret" {
			t.Fatalf("invitee's notices = %v", notes)
		}
		if mine := w.mine(bob); len(mine) != 1 || mine[0].ID != inv.ID || mine[0].SpacePurpose != Purpose {
			t.Fatalf("bob's invitations = %+v", mine)
		}

		// Accepting affirms the current purpose, exactly like a join.
		for _, v := range []int{0, 2, -1} {
			w.unchanged(fmt.Sprintf("accepting with version %d", v), func() {
				_, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, v)
				RequireCode(t, err, models.CodePurposeNotAffirmed)
			})
		}
		got, m, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if m.MemberID != bob.ID || m.AffirmedVersion != 1 || m.Steward || got.Status != models.InvitationAccepted || got.AnsweredAt == nil {
			t.Fatalf("accepted: membership %+v, invitation %+v", m, got)
		}
		w.audited("invitation.accepted", bob, bob, "secret")
		sp, err = w.s.SpaceBySlug(w.ctx, bob, "secret")
		if err != nil || !sp.IsMember() || !sp.CanRead || sp.MemberCount != 2 || sp.Invitation != nil {
			t.Fatalf("after accepting: %+v, %v", sp, err)
		}
		if _, err := w.s.ThreadByID(w.ctx, bob, th.ID); err != nil {
			t.Fatalf("the new member cannot read the thread: %v", err)
		}
		if answers := w.notices(ann, models.NoticeInvitationAnswer); len(answers) != 1 || answers[0]["answer"] != "accepted" || jsonPath(answers[0], "invitee", "name") != "Bob" {
			t.Fatalf("inviter's notices = %v", answers)
		}
		if mine := w.mine(bob); len(mine) != 0 {
			t.Fatalf("an accepted invitation is still listed: %+v", mine)
		}

		// Answering twice changes nothing.
		w.unchanged("answering twice", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1)
			RequireCode(t, err, models.CodeAlreadyDecided)
			_, err = w.s.DeclineInvitation(w.ctx, bob, inv.ID)
			RequireCode(t, err, models.CodeAlreadyDecided)
			_, err = w.s.WithdrawInvitation(w.ctx, ann, inv.ID)
			RequireCode(t, err, models.CodeAlreadyDecided)
		})
	})
}

func TestInvitationRefusals(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob, cat, dan := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob"), MustCreateMember(t, w.s, "Cat"), MustCreateMember(t, w.s, "Dan")
		admin := MustCreateAdmin(t, w.s, "Ada")
		MustCreateSpace(t, w.s, ann, "guild", models.VisibilityOpen)
		MustCreateSpace(t, w.s, ann, "asking", models.VisibilityRequest)
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		MustJoin(t, w.s, bob, "guild")
		w.invite(ann, "secret", dan)

		cases := []struct {
			what  string
			actor models.Actor
			slug  string
			who   int64
			code  string
			field string
		}{
			{"signed out", models.Actor{}, "guild", cat.ID, models.CodeUnauthorized, ""},
			{"a non-member, open space", cat, "guild", dan.ID, models.CodeNotMember, ""},
			{"a non-member, space by request", cat, "asking", dan.ID, models.CodeNotMember, ""},
			{"a non-member, hidden space", cat, "secret", bob.ID, models.CodeNotFound, ""},
			{"an admin who is not a member", admin, "guild", cat.ID, models.CodeNotMember, ""},
			{"an admin, hidden space", admin, "secret", cat.ID, models.CodeNotFound, ""},
			{"an invitee, who is not yet a member", dan, "secret", cat.ID, models.CodeNotMember, ""},
			{"unknown space", ann, "no-such-space", cat.ID, models.CodeNotFound, ""},
			{"yourself", bob, "guild", bob.ID, models.CodeInvalid, "member_id"},
			{"nobody", bob, "guild", 0, models.CodeInvalid, "member_id"},
			{"a negative id", bob, "guild", -4, models.CodeInvalid, "member_id"},
			{"an unknown member", bob, "guild", 987654, models.CodeNotFound, "member_id"},
			{"a member", bob, "guild", ann.ID, models.CodeAlreadyMember, ""},
			{"a person already invited", ann, "secret", dan.ID, models.CodeInvitationPending, ""},
		}
		for _, tc := range cases {
			w.unchanged(tc.what, func() {
				_, err := w.s.Invite(w.ctx, tc.actor, tc.slug, tc.who)
				RequireCode(t, err, tc.code)
				if got := fieldOf(err); got != tc.field {
					t.Fatalf("%s: field %q, want %q", tc.what, got, tc.field)
				}
			})
		}

		// Bob, another member, may not invite Dan to guild twice either.
		w.invite(bob, "guild", dan)
		w.unchanged("inviting a person someone else invited", func() {
			_, err := w.s.Invite(w.ctx, ann, "guild", dan.ID)
			RequireCode(t, err, models.CodeInvitationPending)
		})

		// A person removed from a space cannot be invited back until the
		// removal is lifted; an invitation they hold cannot be accepted.
		MustJoin(t, w.s, cat, "guild")
		if _, err := w.s.LeaveSpace(w.ctx, cat, "guild"); err != nil {
			t.Fatal(err)
		}
		w.exec("INSERT INTO removals (space_id, member_id, removed_by, reason, created_at) SELECT id, ?, ?, 'conduct', ? FROM spaces WHERE slug = 'guild'", cat.ID, ann.ID, w.clock.now())
		w.unchanged("inviting a removed person", func() {
			_, err := w.s.Invite(w.ctx, bob, "guild", cat.ID)
			RequireCode(t, err, models.CodeRemoved)
			if !strings.Contains(err.Error(), "Cat was removed from Guild") {
				t.Fatalf("the refusal speaks to the wrong person: %v", err)
			}
		})
		pending := w.invite(ann, "asking", cat)
		w.exec("INSERT INTO removals (space_id, member_id, removed_by, reason, created_at) SELECT id, ?, ?, 'conduct', ? FROM spaces WHERE slug = 'asking'", cat.ID, ann.ID, w.clock.now())
		w.unchanged("accepting while removed", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, cat, pending.ID, 1)
			RequireCode(t, err, models.CodeRemoved)
		})
		w.exec("UPDATE removals SET lifted_at = ?, lifted_by = ? WHERE member_id = ?", w.clock.now(), ann.ID, cat.ID)
		w.invite(bob, "guild", cat)
		if _, _, err := w.s.AcceptInvitation(w.ctx, cat, pending.ID, 1); err != nil {
			t.Fatalf("accepting once the removal was lifted: %v", err)
		}

		// An archived space takes no invitations and no acceptances.
		eve := MustCreateMember(t, w.s, "Eve")
		held := w.invite(ann, "secret", eve)
		w.exec("UPDATE spaces SET archived_at = ? WHERE slug = 'secret'", w.clock.now())
		w.unchanged("inviting to, and accepting, an archived space", func() {
			_, err := w.s.Invite(w.ctx, ann, "secret", cat.ID)
			RequireCode(t, err, models.CodeArchived)
			_, _, err = w.s.AcceptInvitation(w.ctx, eve, held.ID, 1)
			RequireCode(t, err, models.CodeArchived)
		})
		if mine := w.mine(eve); len(mine) != 0 {
			t.Fatalf("an invitation to an archived space is listed: %+v", mine)
		}
	})
}

func fieldOf(err error) string {
	var e *models.Error
	if asDomain(err, &e) {
		return e.Field
	}
	return ""
}

func jsonPath(v map[string]any, keys ...string) any {
	var cur any = v
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func TestOnlyTheInviteeAnswers(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob, cat := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob"), MustCreateMember(t, w.s, "Cat")
		admin := MustCreateAdmin(t, w.s, "Ada")
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		MustCreateSpace(t, w.s, ann, "guild", models.VisibilityOpen)
		MustJoin(t, w.s, cat, "guild")
		inv := w.invite(ann, "secret", bob)
		open := w.invite(ann, "guild", bob)

		for _, other := range []models.Actor{ann, cat, admin} {
			for _, id := range []int64{inv.ID, open.ID} {
				w.unchanged(other.Name+" answering Bob's invitation", func() {
					_, _, err := w.s.AcceptInvitation(w.ctx, other, id, 1)
					RequireCode(t, err, models.CodeNotFound)
					_, err = w.s.DeclineInvitation(w.ctx, other, id)
					RequireCode(t, err, models.CodeNotFound)
				})
			}
		}
		w.unchanged("answering signed out, or an unknown invitation", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, models.Actor{}, inv.ID, 1)
			RequireCode(t, err, models.CodeUnauthorized)
			_, err = w.s.DeclineInvitation(w.ctx, models.Actor{}, inv.ID)
			RequireCode(t, err, models.CodeUnauthorized)
			_, _, err = w.s.AcceptInvitation(w.ctx, bob, 987654, 1)
			RequireCode(t, err, models.CodeNotFound)
			_, err = w.s.DeclineInvitation(w.ctx, bob, 987654)
			RequireCode(t, err, models.CodeNotFound)
		})
		if w.isMember(cat, "secret") || w.isMember(admin, "secret") || w.isMember(bob, "secret") {
			t.Fatal("someone other than the invitee became a member")
		}
		if _, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInvitationDeclined(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob")
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		inv := w.invite(ann, "secret", bob)
		got, err := w.s.DeclineInvitation(w.ctx, bob, inv.ID)
		if err != nil || got.Status != models.InvitationDeclined || got.AnsweredAt == nil {
			t.Fatalf("decline = %+v, %v", got, err)
		}
		w.audited("invitation.declined", bob, bob, "secret")
		if answers := w.notices(ann, models.NoticeInvitationAnswer); len(answers) != 1 || answers[0]["answer"] != "declined" {
			t.Fatalf("inviter's notices = %v", answers)
		}
		if w.isMember(bob, "secret") || len(w.mine(bob)) != 0 {
			t.Fatal("a declined invitation made a membership or is still listed")
		}
		_, err = w.s.SpaceBySlug(w.ctx, bob, "secret")
		RequireCode(t, err, models.CodeNotFound)
		w.unchanged("answering a declined invitation", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1)
			RequireCode(t, err, models.CodeAlreadyDecided)
			_, err = w.s.DeclineInvitation(w.ctx, bob, inv.ID)
			RequireCode(t, err, models.CodeAlreadyDecided)
		})
		// Declining does not bar a later invitation.
		again := w.invite(ann, "secret", bob)
		if _, _, err := w.s.AcceptInvitation(w.ctx, bob, again.ID, 1); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInvitationExpires(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{InvitationTTL: time.Hour})
		ann, bob := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob")
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		inv := w.invite(ann, "secret", bob)
		if want := w.clock.now().Add(time.Hour); !inv.ExpiresAt.Equal(want) {
			t.Fatalf("expires at %v, want %v (the configured TTL)", inv.ExpiresAt, want)
		}
		w.clock.add(59 * time.Minute)
		if len(w.mine(bob)) != 1 {
			t.Fatal("the invitation lapsed early")
		}
		if _, err := w.s.SpaceBySlug(w.ctx, bob, "secret"); err != nil {
			t.Fatalf("before expiry the invitee sees the space: %v", err)
		}

		w.clock.add(time.Minute)
		if mine := w.mine(bob); len(mine) != 0 {
			t.Fatalf("an expired invitation is listed: %+v", mine)
		}
		_, err := w.s.SpaceBySlug(w.ctx, bob, "secret")
		RequireCode(t, err, models.CodeNotFound)
		if got := w.visibleSlugs(bob); slices.Contains(got, "secret") {
			t.Fatalf("after expiry bob lists %v", got)
		}
		list, _, err := w.s.SpaceInvitations(w.ctx, ann, "secret", models.Page{})
		if err != nil || len(list) != 0 {
			t.Fatalf("the space lists expired invitations: %+v, %v", list, err)
		}
		w.unchanged("answering or withdrawing an expired invitation", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1)
			RequireCode(t, err, models.CodeExpired)
			_, err = w.s.DeclineInvitation(w.ctx, bob, inv.ID)
			RequireCode(t, err, models.CodeExpired)
			_, err = w.s.WithdrawInvitation(w.ctx, ann, inv.ID)
			RequireCode(t, err, models.CodeExpired)
		})
		if w.isMember(bob, "secret") {
			t.Fatal("an expired invitation admitted")
		}

		// A lapsed invitation does not stand in the way of a new one.
		again := w.invite(ann, "secret", bob)
		if again.ID == inv.ID || again.State() != models.InvitationPending {
			t.Fatalf("re-invitation = %+v", again)
		}
		if n := w.count("SELECT COUNT(*) FROM invitations WHERE id = ? AND status = 'withdrawn'", inv.ID); n != 1 {
			t.Fatal("the lapsed invitation was not closed when replaced")
		}
		w.audited("invitation.withdrawn", ann, bob, "secret")
		if _, _, err := w.s.AcceptInvitation(w.ctx, bob, again.ID, 1); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInvitationWithdrawn(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob, cat, dan, eve := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob"), MustCreateMember(t, w.s, "Cat"),
			MustCreateMember(t, w.s, "Dan"), MustCreateMember(t, w.s, "Eve")
		admin := MustCreateAdmin(t, w.s, "Ada")
		MustCreateSpace(t, w.s, ann, "guild", models.VisibilityOpen)
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		MustJoin(t, w.s, bob, "guild")
		MustJoin(t, w.s, eve, "guild")
		inv := w.invite(bob, "guild", dan)

		list, _, err := w.s.SpaceInvitations(w.ctx, eve, "guild", models.Page{})
		if err != nil || len(list) != 1 || list[0].CanWithdraw {
			t.Fatalf("a member's view of the pending invitations = %+v, %v", list, err)
		}
		for _, who := range []models.Actor{bob, ann} {
			list, _, _ = w.s.SpaceInvitations(w.ctx, who, "guild", models.Page{})
			if len(list) != 1 || !list[0].CanWithdraw {
				t.Fatalf("%s may not withdraw: %+v", who.Name, list)
			}
		}
		_, _, err = w.s.SpaceInvitations(w.ctx, cat, "guild", models.Page{})
		RequireCode(t, err, models.CodeNotMember)
		_, _, err = w.s.SpaceInvitations(w.ctx, cat, "secret", models.Page{})
		RequireCode(t, err, models.CodeNotFound)

		refusals := []struct {
			who  models.Actor
			code string
		}{
			{models.Actor{}, models.CodeUnauthorized},
			{cat, models.CodeNotFound},   // knows nothing of it
			{admin, models.CodeNotFound}, // admins hold no power over invitations
			{dan, models.CodeForbidden},  // the invitee declines instead
			{eve, models.CodeForbidden},  // a member, but neither inviter nor steward
		}
		for _, r := range refusals {
			w.unchanged(r.who.Name+" withdrawing", func() {
				_, err := w.s.WithdrawInvitation(w.ctx, r.who, inv.ID)
				RequireCode(t, err, r.code)
			})
		}
		_, err = w.s.WithdrawInvitation(w.ctx, bob, 987654)
		RequireCode(t, err, models.CodeNotFound)

		got, err := w.s.WithdrawInvitation(w.ctx, bob, inv.ID)
		if err != nil || got.Status != models.InvitationWithdrawn {
			t.Fatalf("the inviter withdraws: %+v, %v", got, err)
		}
		w.audited("invitation.withdrawn", bob, dan, "guild")
		w.unchanged("answering a withdrawn invitation", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, dan, inv.ID, 1)
			RequireCode(t, err, models.CodeAlreadyDecided)
			_, err = w.s.WithdrawInvitation(w.ctx, bob, inv.ID)
			RequireCode(t, err, models.CodeAlreadyDecided)
		})

		// A steward may withdraw any member's invitation to their space; a
		// withdrawn invitation to a hidden space hides it again.
		again := w.invite(bob, "guild", dan)
		if _, err := w.s.WithdrawInvitation(w.ctx, ann, again.ID); err != nil {
			t.Fatalf("the steward withdraws: %v", err)
		}
		w.audited("invitation.withdrawn", ann, dan, "guild")
		hidden := w.invite(ann, "secret", dan)
		if _, err := w.s.SpaceBySlug(w.ctx, dan, "secret"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.WithdrawInvitation(w.ctx, ann, hidden.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.SpaceBySlug(w.ctx, dan, "secret")
		RequireCode(t, err, models.CodeNotFound)
		if len(w.mine(dan)) != 0 {
			t.Fatal("withdrawn invitations are listed")
		}
	})
}

// TestInvitationToOtherVisibilities: an invitation admits to open spaces and
// to spaces by request too, there without a steward's approval, and ends the
// person's own request waiting there.
func TestInvitationToOtherVisibilities(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob")
		MustCreateSpace(t, w.s, ann, "asking", models.VisibilityRequest)
		MustCreateSpace(t, w.s, ann, "guild", models.VisibilityOpen)
		if _, err := w.s.JoinSpace(w.ctx, bob, "asking", 1, "please"); err != nil {
			t.Fatal(err)
		}
		for _, slug := range []string{"asking", "guild"} {
			inv := w.invite(ann, slug, bob)
			if _, m, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1); err != nil || m.MemberID != bob.ID {
				t.Fatalf("accepting into %s: %+v, %v", slug, m, err)
			}
			if !w.isMember(bob, slug) {
				t.Fatalf("bob is not a member of %s", slug)
			}
		}
		if n := w.count("SELECT COUNT(*) FROM join_requests WHERE member_id = ? AND status = 'withdrawn'", bob.ID); n != 1 {
			t.Fatal("bob's join request still waits after he accepted an invitation")
		}
		w.audited("join_request.withdrawn", bob, bob, "asking")
		w.audited("invitation.accepted", bob, bob, "asking")
		reqs, _, err := w.s.JoinRequests(w.ctx, ann, "asking", models.Page{})
		if err != nil || len(reqs) != 0 {
			t.Fatalf("the stewards still see %d requests (%v)", len(reqs), err)
		}
		// A person who joined by themselves meanwhile cannot accept again.
		cat := MustCreateMember(t, w.s, "Cat")
		inv := w.invite(ann, "guild", cat)
		MustJoin(t, w.s, cat, "guild")
		if len(w.mine(cat)) != 0 {
			t.Fatal("an invitation to a space the person joined is still listed")
		}
		w.unchanged("accepting as a member", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, cat, inv.ID, 1)
			RequireCode(t, err, models.CodeAlreadyMember)
		})
	})
}

// TestAcceptingAffirmsTheCurrentPurpose: an invitation made under one
// purpose is accepted only by affirming the purpose in force when accepting.
func TestAcceptingAffirmsTheCurrentPurpose(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob")
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		inv := w.invite(ann, "secret", bob)
		const newer = "We review each other's Go and publish what we learn, every month."
		w.exec("UPDATE spaces SET purpose = ?, purpose_version = 2 WHERE slug = 'secret'", newer)
		mine := w.mine(bob)
		if len(mine) != 1 || mine[0].SpacePurpose != newer || mine[0].SpacePurposeVersion != 2 {
			t.Fatalf("the invitee is shown %+v, not the current purpose", mine)
		}
		w.unchanged("accepting with the purpose that was current when invited", func() {
			_, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1)
			RequireCode(t, err, models.CodePurposeNotAffirmed)
		})
		_, m, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 2)
		if err != nil || m.AffirmedVersion != 2 {
			t.Fatalf("accept = %+v, %v", m, err)
		}
	})
}

func TestSearchMembers(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann := MustCreateMember(t, w.s, "Ann Lee")
		for _, n := range []string{"Bob Stone", "bobby tables", "Rob Bobson", "Pct 100% sure", "Under_score", "Carl"} {
			MustCreateMember(t, w.s, n)
		}
		if _, err := w.s.SignUp(w.ctx, models.NewAccount{Email: "back.slash@example.com", Name: `Back\slash`, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		gone := MustCreateMember(t, w.s, "Bobo Suspended")
		w.exec("UPDATE members SET suspended_at = ? WHERE id = ?", w.clock.now(), gone.ID)
		search := func(q string, p models.Page) ([]string, string) {
			t.Helper()
			found, next, err := w.s.SearchMembers(w.ctx, ann, q, p)
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var names []string
			for _, f := range found {
				names = append(names, f.Name)
			}
			return names, next
		}
		for q, want := range map[string]string{
			"bob":                   "Bob Stone|bobby tables|Rob Bobson",
			"  BOB ":                "Bob Stone|bobby tables|Rob Bobson",
			"stone":                 "Bob Stone",
			"%":                     "Pct 100% sure",
			"_":                     "Under_score",
			`\`:                     `Back\slash`,
			"b%b":                   "",
			"bob.stone@example.com": "Bob Stone",
			"BOB.STONE@example.com": "Bob Stone",
			"bob.stone@":            "",
			"example.com":           "",
			"bobo":                  "",
		} {
			if got, _ := search(q, models.Page{}); strings.Join(got, "|") != want {
				t.Errorf("search %q = %q, want %q", q, strings.Join(got, "|"), want)
			}
		}
		// Pages walk the results in name order.
		var walked []string
		cur := ""
		for {
			got, next := search("o", models.Page{Limit: 2, Cursor: cur})
			walked = append(walked, got...)
			if next == "" {
				break
			}
			cur = next
		}
		if strings.Join(walked, "|") != "Bob Stone|bobby tables|Rob Bobson|Under_score" {
			t.Fatalf("walked %v", walked)
		}
		for _, q := range []string{"", "   ", strings.Repeat("x", 101)} {
			_, _, err := w.s.SearchMembers(w.ctx, ann, q, models.Page{})
			RequireCode(t, err, models.CodeInvalid)
		}
		_, _, err := w.s.SearchMembers(w.ctx, models.Actor{}, "bob", models.Page{})
		RequireCode(t, err, models.CodeUnauthorized)
	})
}

func TestInviteCandidates(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob, bobby, cat := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob"), MustCreateMember(t, w.s, "Bobby"), MustCreateMember(t, w.s, "Cat")
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		inv := w.invite(ann, "secret", bob)
		if _, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1); err != nil {
			t.Fatal(err)
		}
		w.invite(bob, "secret", bobby)
		found, _, err := w.s.InviteCandidates(w.ctx, ann, "secret", "bob", models.Page{})
		if err != nil || len(found) != 2 || !found[0].Member || found[0].Invited || found[1].Member || !found[1].Invited {
			t.Fatalf("candidates = %+v, %v", found, err)
		}
		_, _, err = w.s.InviteCandidates(w.ctx, cat, "secret", "bob", models.Page{})
		RequireCode(t, err, models.CodeNotFound)
		_, _, err = w.s.InviteCandidates(w.ctx, bobby, "secret", "bob", models.Page{})
		RequireCode(t, err, models.CodeNotMember) // invited, not yet a member
	})
}

func TestSuccessorSpace(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{})
		ann, bob, cat, dan := MustCreateMember(t, w.s, "Ann"), MustCreateMember(t, w.s, "Bob"), MustCreateMember(t, w.s, "Cat"), MustCreateMember(t, w.s, "Dan")
		admin := MustCreateAdmin(t, w.s, "Ada")
		MustCreateSpace(t, w.s, ann, "guild", models.VisibilityOpen)
		MustCreateSpace(t, w.s, ann, "secret", models.VisibilityInvite)
		MustJoin(t, w.s, bob, "guild")
		MustJoin(t, w.s, cat, "guild")
		const newPurpose = "We build Go tools together and release them as open source, in the open."
		next := models.NewSpace{Slug: "guild-two", Name: "Guild two", Purpose: newPurpose, Visibility: models.VisibilityInvite}

		for _, r := range []struct {
			who  models.Actor
			slug string
			code string
		}{
			{models.Actor{}, "guild", models.CodeUnauthorized},
			{bob, "guild", models.CodeNotSteward},
			{dan, "guild", models.CodeNotSteward},
			{admin, "guild", models.CodeNotSteward},
			{dan, "secret", models.CodeNotFound},
			{ann, "no-such-space", models.CodeNotFound},
		} {
			w.unchanged(r.who.Name+" starting a successor of "+r.slug, func() {
				_, err := w.s.StartSuccessor(w.ctx, r.who, r.slug, next)
				RequireCode(t, err, r.code)
			})
		}
		// A non-steward is refused before what they typed is judged.
		_, err := w.s.StartSuccessor(w.ctx, bob, "guild", models.NewSpace{Slug: "X"})
		RequireCode(t, err, models.CodeNotSteward)
		w.unchanged("bad input", func() {
			_, err := w.s.StartSuccessor(w.ctx, ann, "guild", models.NewSpace{Slug: "guild-two", Name: "Guild two", Purpose: "too short"})
			RequireCode(t, err, models.CodeInvalid)
			_, err = w.s.StartSuccessor(w.ctx, ann, "guild", models.NewSpace{Slug: "secret", Name: "Taken", Purpose: newPurpose})
			RequireCode(t, err, models.CodeSlugTaken)
		})

		v, err := w.s.StartSuccessor(w.ctx, ann, "guild", next)
		if err != nil {
			t.Fatal(err)
		}
		if !v.IsMember() || !v.IsSteward() || v.FounderID == nil || *v.FounderID != ann.ID || v.MemberCount != 1 ||
			v.Purpose != newPurpose || v.PurposeVersion != 1 || v.Visibility != models.VisibilityInvite ||
			v.Predecessor == nil || v.Predecessor.Slug != "guild" || v.PredecessorID == nil {
			t.Fatalf("successor = %+v", v)
		}
		old, err := w.s.SpaceBySlug(w.ctx, ann, "guild")
		if err != nil || old.Successor == nil || old.Successor.Slug != "guild-two" || old.Successor.Name != "Guild two" || old.MemberCount != 3 {
			t.Fatalf("the old space = %+v, %v", old, err)
		}
		nv, _ := w.s.SpaceBySlug(w.ctx, ann, "guild-two")
		if nv.Predecessor == nil || nv.Predecessor.Slug != "guild" {
			t.Fatalf("the new space does not name its predecessor: %+v", nv)
		}
		w.audited("membership.founded", ann, ann, "guild-two")

		// Every other member is invited and told; nobody is moved.
		for _, who := range []models.Actor{bob, cat} {
			mine := w.mine(who)
			if len(mine) != 1 || mine[0].SpaceSlug != "guild-two" || mine[0].InviterName != "Ann" || mine[0].SpacePurpose != newPurpose {
				t.Fatalf("%s's invitations = %+v", who.Name, mine)
			}
			if notes := w.notices(who, models.NoticeInvitation); len(notes) != 1 || notes[0]["invitation_id"] != float64(mine[0].ID) {
				t.Fatalf("%s's notices = %v", who.Name, notes)
			}
			w.audited("invitation.created", ann, who, "guild-two")
			if w.isMember(who, "guild-two") || !w.isMember(who, "guild") {
				t.Fatalf("%s was moved", who.Name)
			}
			sp, err := w.s.SpaceBySlug(w.ctx, who, "guild")
			if err != nil || sp.Successor == nil || sp.Successor.Slug != "guild-two" {
				t.Fatalf("%s does not see the successor: %+v, %v", who.Name, sp, err)
			}
		}
		if len(w.mine(ann)) != 0 || len(w.mine(dan)) != 0 {
			t.Fatal("the founder or a non-member was invited")
		}
		// The successor is by invitation: the uninvited see no link to it.
		sp, err := w.s.SpaceBySlug(w.ctx, dan, "guild")
		if err != nil || sp.Successor != nil {
			t.Fatalf("an uninvited person sees the hidden successor: %+v, %v", sp.Successor, err)
		}
		spaces, _, err := w.s.ListSpaces(w.ctx, bob, models.SpaceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range spaces {
			if s.Slug == "guild" && (s.Successor == nil || s.Successor.Slug != "guild-two") {
				t.Fatalf("the space list does not link the successor: %+v", s)
			}
		}

		// One successor per space.
		w.unchanged("a second successor", func() {
			_, err := w.s.StartSuccessor(w.ctx, ann, "guild", models.NewSpace{Slug: "guild-three", Name: "Guild three", Purpose: newPurpose})
			RequireCode(t, err, models.CodeConflict)
		})
		// Bob chooses to follow; he stays in the old space too.
		inv := w.mine(bob)[0]
		if _, _, err := w.s.AcceptInvitation(w.ctx, bob, inv.ID, 1); err != nil {
			t.Fatal(err)
		}
		if !w.isMember(bob, "guild") || !w.isMember(bob, "guild-two") {
			t.Fatal("accepting the successor's invitation moved bob")
		}
		// The successor may have its own successor.
		if _, err := w.s.StartSuccessor(w.ctx, ann, "guild-two", models.NewSpace{Slug: "guild-three", Name: "Guild three", Purpose: newPurpose}); err != nil {
			t.Fatal(err)
		}
		if mine := w.mine(bob); len(mine) != 1 || mine[0].SpaceSlug != "guild-three" {
			t.Fatalf("bob's invitations after the second succession = %+v", mine)
		}
		if mine := w.mine(cat); len(mine) != 1 || mine[0].SpaceSlug != "guild-two" {
			t.Fatalf("cat, who did not follow, is invited to %+v", mine)
		}
	})
}

// TestSuccessorFollowsSpaceCreationPolicy: where only admins start spaces,
// a steward who is not an admin cannot start a successor either.
func TestSuccessorFollowsSpaceCreationPolicy(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w2 := newInvWorld(t, d, models.Policy{AdminsCreateSpaces: true})
		ada := MustCreateAdmin(t, w2.s, "Ada")
		bob := MustCreateMember(t, w2.s, "Bob")
		MustCreateSpace(t, w2.s, ada, "guild", models.VisibilityOpen)
		MustJoin(t, w2.s, bob, "guild")
		w2.exec("UPDATE memberships SET steward = ? WHERE member_id = ?", true, bob.ID)
		w2.unchanged("a steward on an admins-only instance", func() {
			_, err := w2.s.StartSuccessor(w2.ctx, bob, "guild", models.NewSpace{Slug: "next", Name: "Next", Purpose: Purpose})
			RequireCode(t, err, models.CodeForbidden)
		})
	})
}

// TestInviteeSightAgreesWithSpaceLists: for people with invitations in every
// state, to spaces of every visibility, SpaceBySlug (canSee) and ListSpaces
// (visibleSpaces, in SQL) agree on what each may see.
func TestInviteeSightAgreesWithSpaceLists(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newInvWorld(t, d, models.Policy{InvitationTTL: time.Hour})
		ann := MustCreateMember(t, w.s, "Ann")
		var people []models.Actor
		for _, n := range []string{"Pending", "Expired", "Accepted", "Declined", "Withdrawn", "Nobody"} {
			people = append(people, MustCreateMember(t, w.s, n))
		}
		slugs := []string{"open-one", "asking-one", "secret-one", "secret-two"}
		vis := []models.Visibility{models.VisibilityOpen, models.VisibilityRequest, models.VisibilityInvite, models.VisibilityInvite}
		for i, slug := range slugs {
			MustCreateSpace(t, w.s, ann, slug, vis[i])
		}
		for _, slug := range slugs[:3] {
			w.invite(ann, slug, people[1])
		}
		w.clock.add(2 * time.Hour) // the Expired person's invitations lapse
		for _, slug := range slugs[:3] {
			w.invite(ann, slug, people[0])
			a := w.invite(ann, slug, people[2])
			if _, _, err := w.s.AcceptInvitation(w.ctx, people[2], a.ID, 1); err != nil {
				t.Fatal(err)
			}
			dc := w.invite(ann, slug, people[3])
			if _, err := w.s.DeclineInvitation(w.ctx, people[3], dc.ID); err != nil {
				t.Fatal(err)
			}
			wd := w.invite(ann, slug, people[4])
			if _, err := w.s.WithdrawInvitation(w.ctx, ann, wd.ID); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{
			"Pending":   "asking-one open-one secret-one",
			"Expired":   "asking-one open-one",
			"Accepted":  "asking-one open-one secret-one",
			"Declined":  "asking-one open-one",
			"Withdrawn": "asking-one open-one",
			"Nobody":    "asking-one open-one",
		}
		for _, p := range people {
			listed := w.visibleSlugs(p)
			slices.Sort(listed)
			var seen []string
			for _, slug := range slugs {
				if _, err := w.s.SpaceBySlug(w.ctx, p, slug); err == nil {
					seen = append(seen, slug)
				} else if models.ErrorCode(err) != models.CodeNotFound {
					t.Fatal(err)
				}
			}
			slices.Sort(seen)
			if strings.Join(listed, " ") != strings.Join(seen, " ") || strings.Join(seen, " ") != want[p.Name] {
				t.Errorf("%s: lists %v, sees %v, want %s", p.Name, listed, seen, want[p.Name])
			}
		}
	})
}
