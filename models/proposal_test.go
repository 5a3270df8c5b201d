package models_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/models"
	. "kith/models/storetest"
)

// purposeClock is a clock the tests move by hand.
type purposeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *purposeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *purposeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// purposeWorld is a store on its own database with a clock the test moves,
// and the database underneath for checks the models do not expose.
type purposeWorld struct {
	s     *models.Store
	clock *purposeClock
	url   string
	db    *sql.DB
}

const (
	newPurpose = "We help each other write clear, correct Go, and we run a monthly review of real code."
	rationale  = "Our review sessions became the heart of this space; the purpose should say so."
	window     = 7 * 24 * time.Hour
)

func newPurposeWorld(t *testing.T, d models.Dialect, configure func(*models.Options)) *purposeWorld {
	t.Helper()
	w := &purposeWorld{clock: &purposeClock{now: time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)}, url: URL(t, d)}
	opts := Options()
	opts.Now = w.clock.Now
	if configure != nil {
		configure(&opts)
	}
	w.s = OpenURL(t, w.url, opts)
	w.db = MustRawSQL(t, w.url)
	return w
}

// community founds an open space and has n-1 more people join it; the
// founder comes first.
func (w *purposeWorld) community(t *testing.T, slug string, n int) []models.Actor {
	t.Helper()
	people := make([]models.Actor, n)
	for i := range people {
		people[i] = MustCreateMember(t, w.s, fmt.Sprintf("%s person %d", slug, i))
		if i == 0 {
			MustCreateSpace(t, w.s, people[0], slug, models.VisibilityOpen)
		} else {
			MustJoin(t, w.s, people[i], slug)
		}
	}
	return people
}

func (w *purposeWorld) propose(t *testing.T, a models.Actor, slug, text string) *models.ProposalView {
	t.Helper()
	p, err := w.s.ProposePurpose(context.Background(), a, slug, models.NewProposal{Text: text, Rationale: rationale})
	if err != nil {
		t.Fatalf("%s proposes in %s: %v", a.Name, slug, err)
	}
	return p
}

func (w *purposeWorld) respond(t *testing.T, a models.Actor, id int64, consent bool) *models.ProposalView {
	t.Helper()
	p, err := w.s.RespondToProposal(context.Background(), a, id, consent)
	if err != nil {
		t.Fatalf("%s responds %v to proposal %d: %v", a.Name, consent, id, err)
	}
	return p
}

func (w *purposeWorld) proposal(t *testing.T, a models.Actor, id int64) *models.ProposalView {
	t.Helper()
	p, err := w.s.ProposalByID(context.Background(), a, id)
	if err != nil {
		t.Fatalf("read proposal %d: %v", id, err)
	}
	return p
}

func (w *purposeWorld) space(t *testing.T, a models.Actor, slug string) *models.SpaceView {
	t.Helper()
	sp, err := w.s.SpaceBySlug(context.Background(), a, slug)
	if err != nil {
		t.Fatalf("read %s: %v", slug, err)
	}
	return sp
}

func (w *purposeWorld) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	if strings.Contains(w.url, "postgres") {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	var n int
	if err := w.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// notices returns the data of a person's notifications of one kind, newest first.
func (w *purposeWorld) notices(t *testing.T, a models.Actor, kind string) []map[string]any {
	t.Helper()
	ns, _, err := w.s.Notifications(context.Background(), a, models.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, n := range ns {
		if n.Kind != kind {
			continue
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(n.Data), &data); err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// TestProposalQuorum: the quorum is QuorumMembers or QuorumPercent of the
// members rounded up, whichever is larger, and a proposal that every
// responder consents to is still declined below it.
func TestProposalQuorum(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newPurposeWorld(t, d, nil)
		for members, want := range map[int]int{1: 3, 3: 3, 10: 3, 15: 3, 16: 4, 20: 4, 21: 5, 50: 10, 51: 11} {
			if got := w.s.Quorum(members); got != want {
				t.Errorf("quorum of %d members = %d, want %d", members, got, want)
			}
		}
		for _, tc := range []struct{ members, quorum int }{{3, 3}, {10, 3}, {20, 4}, {50, 10}} {
			slug := fmt.Sprintf("space-of-%d", tc.members)
			people := w.community(t, slug, tc.members)
			p := w.propose(t, people[1], slug, newPurpose)
			if p.Quorum != tc.quorum || p.Members != tc.members {
				t.Fatalf("%s: proposal says quorum %d of %d members, want %d of %d", slug, p.Quorum, p.Members, tc.quorum, tc.members)
			}
			// One short of the quorum, all consenting: declined at the window's end.
			short := tc.quorum - 1
			if short == tc.members {
				short--
			}
			for _, a := range people[:short] {
				w.respond(t, a, p.ID, true)
			}
			w.clock.Add(window)
			if got := w.proposal(t, people[0], p.ID); got.Status != models.ProposalDeclined || got.Consents != short || got.Objections != 0 {
				t.Fatalf("%s: %d consents of a quorum of %d: status %s with %d consents", slug, short, tc.quorum, got.Status, got.Consents)
			}
			if v := w.space(t, people[0], slug).PurposeVersion; v != 1 {
				t.Fatalf("%s: a declined proposal raised the version to %d", slug, v)
			}
			// Exactly the quorum, all consenting: adopted.
			p = w.propose(t, people[1], slug, newPurpose)
			for _, a := range people[:tc.quorum] {
				w.respond(t, a, p.ID, true)
			}
			w.clock.Add(window)
			if got := w.proposal(t, people[0], p.ID); got.Status != models.ProposalAdopted || got.MembersAtClose != tc.members {
				t.Fatalf("%s: the quorum of %d consenting: status %s, members at close %d", slug, tc.quorum, got.Status, got.MembersAtClose)
			}
			if v := w.space(t, people[0], slug).PurposeVersion; v != 2 {
				t.Fatalf("%s: version %d after adoption, want 2", slug, v)
			}
		}
	})
}

// TestProposalQuorumFromSettings: both parts of the quorum come from the
// instance's settings.
func TestProposalQuorumFromSettings(t *testing.T) {
	w := newPurposeWorld(t, models.SQLite, func(o *models.Options) { o.Policy.QuorumMembers, o.Policy.QuorumPercent = 5, 50 })
	for members, want := range map[int]int{2: 5, 10: 5, 11: 6, 40: 20} {
		if got := w.s.Quorum(members); got != want {
			t.Errorf("quorum of %d members (5 or 50%%) = %d, want %d", members, got, want)
		}
	}
}

// TestProposalTwoThirds: exactly two thirds of the responses consenting
// adopts; anything below declines.
func TestProposalTwoThirds(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newPurposeWorld(t, d, nil)
		cases := []struct {
			consent, object int
			want            string
		}{
			{2, 1, models.ProposalAdopted},  // 2/3 exactly
			{6, 3, models.ProposalAdopted},  // 2/3 exactly
			{5, 3, models.ProposalDeclined}, // 0.625
			{3, 2, models.ProposalDeclined}, // 0.6
			{6, 4, models.ProposalDeclined}, // 0.6, all members responded
			{7, 3, models.ProposalAdopted},  // 0.7, all members responded
			{1, 2, models.ProposalDeclined},
		}
		for i, tc := range cases {
			slug := fmt.Sprintf("thirds-%d", i)
			people := w.community(t, slug, 10)
			p := w.propose(t, people[0], slug, newPurpose)
			for j := 0; j < tc.consent+tc.object; j++ {
				w.respond(t, people[j], p.ID, j < tc.consent)
			}
			if tc.consent+tc.object < 10 {
				if got := w.proposal(t, people[0], p.ID); got.Status != models.ProposalOpen {
					t.Fatalf("%d/%d: closed before the window ended with members yet to respond", tc.consent, tc.object)
				}
				w.clock.Add(window)
			}
			got := w.proposal(t, people[0], p.ID)
			if got.Status != tc.want || got.Consents != tc.consent || got.Objections != tc.object {
				t.Fatalf("%d consent, %d object: %s (%d, %d), want %s", tc.consent, tc.object, got.Status, got.Consents, got.Objections, tc.want)
			}
		}
	})
}

// TestProposalClosesWhenEveryMemberResponded: the last member's response
// closes it in the same request, before the window ends; responding to a
// closed proposal is a conflict that changes nothing.
func TestProposalClosesWhenEveryMemberResponded(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		w := newPurposeWorld(t, d, nil)
		people := w.community(t, "go-guild", 3)
		p := w.propose(t, people[1], "go-guild", newPurpose)
		if p.Status != models.ProposalOpen || !p.ClosesAt.Equal(w.clock.Now().Add(window)) || p.Members != 3 || p.Quorum != 3 {
			t.Fatalf("new proposal = %+v", p)
		}
		w.respond(t, people[0], p.ID, true)
		if got := w.respond(t, people[1], p.ID, true); got.Status != models.ProposalOpen || got.Consents != 2 || got.Responses() != 2 {
			t.Fatalf("after 2 of 3: %+v", got)
		}
		got := w.respond(t, people[2], p.ID, true)
		if got.Status != models.ProposalAdopted || got.ClosedAt == nil || !got.ClosedAt.Equal(w.clock.Now()) || got.Consents != 3 || got.MembersAtClose != 3 {
			t.Fatalf("after every member consented: %+v", got)
		}
		if sp := w.space(t, people[0], "go-guild"); sp.PurposeVersion != 2 || sp.Purpose != newPurpose {
			t.Fatalf("space after adoption: version %d, purpose %q", sp.PurposeVersion, sp.Purpose)
		}
		_, err := w.s.RespondToProposal(context.Background(), people[2], p.ID, false)
		RequireCode(t, err, models.CodeConflict)
		if got := w.proposal(t, people[0], p.ID); got.Consents != 3 || got.Objections != 0 || got.Status != models.ProposalAdopted {
			t.Fatalf("a response after closing changed it: %+v", got)
		}
	})
}

// TestProposalClosesAtWindowEnd: nothing closes before the window ends;
// after it, CloseDueProposals closes it once, and a read closes it even
// where no sweep ran. A response after the end is refused but still closes it.
func TestProposalClosesAtWindowEnd(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		a := w.community(t, "swept", 5)
		b := w.community(t, "read", 5)
		c := w.community(t, "late", 5)
		pa := w.propose(t, a[0], "swept", newPurpose)
		pb := w.propose(t, b[0], "read", newPurpose)
		pc := w.propose(t, c[0], "late", newPurpose)
		for i := 0; i < 3; i++ {
			w.respond(t, a[i], pa.ID, true)
			w.respond(t, b[i], pb.ID, true)
		}
		w.clock.Add(window - time.Second)
		if n, err := w.s.CloseDueProposals(ctx); err != nil || n != 0 {
			t.Fatalf("a second before the end: closed %d (%v)", n, err)
		}
		w.respond(t, a[3], pa.ID, false) // still open: the response counts
		w.clock.Add(time.Second)

		// The sweep closes what is due, once.
		if n, err := w.s.CloseDueProposals(ctx); err != nil || n != 3 {
			t.Fatalf("at the end: closed %d (%v), want 3", n, err)
		}
		if n, err := w.s.CloseDueProposals(ctx); err != nil || n != 0 {
			t.Fatalf("sweeping again closed %d (%v)", n, err)
		}
		got := w.proposal(t, a[0], pa.ID)
		if got.Status != models.ProposalAdopted || got.Consents != 3 || got.Objections != 1 || !got.ClosedAt.Equal(w.clock.Now()) {
			t.Fatalf("swept proposal: %+v", got)
		}

		// A read closes a due proposal without the sweep.
		w.clock.Add(time.Hour)
		pb2 := w.propose(t, b[1], "read", "A second purpose for the read space, proposed after the first.")
		w.respond(t, b[0], pb2.ID, true)
		w.clock.Add(window)
		if n := w.count(t, "SELECT COUNT(*) FROM purpose_proposals WHERE id = ? AND status = 'open'", pb2.ID); n != 1 {
			t.Fatal("the proposal closed before anyone looked")
		}
		if got := w.proposal(t, b[3], pb2.ID); got.Status != models.ProposalDeclined || got.Responses() != 1 {
			t.Fatalf("read after the window: %+v", got)
		}

		// A response after the end is refused, and the proposal is closed.
		w.clock.Add(time.Hour)
		pc2, err := w.s.ProposalByID(ctx, c[0], pc.ID)
		if err != nil || pc2.Status != models.ProposalDeclined {
			t.Fatalf("late proposal: %+v, %v", pc2, err)
		}
		pc3 := w.propose(t, c[1], "late", "Another purpose for the late space, proposed to be answered too late.")
		w.clock.Add(window + time.Minute)
		_, err = w.s.RespondToProposal(ctx, c[2], pc3.ID, true)
		RequireCode(t, err, models.CodeConflict)
		if n := w.count(t, "SELECT COUNT(*) FROM purpose_proposals WHERE id = ? AND status = 'declined'", pc3.ID); n != 1 {
			t.Fatal("a response after the window did not leave the proposal closed")
		}
		if n := w.count(t, "SELECT COUNT(*) FROM proposal_responses WHERE proposal_id = ?", pc3.ID); n != 0 {
			t.Fatal("a response after the window was recorded")
		}
	})
}

// TestProposalLastResponseCounts: responding again replaces the earlier
// response; people who leave take their response with them.
func TestProposalLastResponseCounts(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		p := w.community(t, "go-guild", 5)
		pr := w.propose(t, p[0], "go-guild", newPurpose)
		w.respond(t, p[0], pr.ID, true)
		w.respond(t, p[1], pr.ID, true)
		w.respond(t, p[1], pr.ID, false)
		w.respond(t, p[1], pr.ID, true)
		w.respond(t, p[2], pr.ID, true)
		got := w.respond(t, p[3], pr.ID, true)
		if got.Consents != 4 || got.Objections != 0 {
			t.Fatalf("before changing: %+v", got)
		}
		got = w.respond(t, p[3], pr.ID, false)
		if got.Consents != 3 || got.Objections != 1 || got.MyResponse == nil || *got.MyResponse || !got.Objected() {
			t.Fatalf("after changing to an objection: %+v", got)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM proposal_responses WHERE proposal_id = ?", pr.ID); n != 4 {
			t.Fatalf("%d response rows, want 4 (one per member)", n)
		}
		if mine := w.proposal(t, p[1], pr.ID); !mine.Consented() {
			t.Fatalf("p1's last response was consent: %+v", mine.MyResponse)
		}
		if none := w.proposal(t, p[4], pr.ID); none.MyResponse != nil {
			t.Fatalf("p4 has not responded: %v", *none.MyResponse)
		}

		// p3 (an objection) leaves: their response no longer counts.
		if _, err := w.s.LeaveSpace(ctx, p[3], "go-guild"); err != nil {
			t.Fatal(err)
		}
		if got := w.proposal(t, p[0], pr.ID); got.Objections != 0 || got.Consents != 3 || got.Members != 4 || got.Status != models.ProposalOpen {
			t.Fatalf("after an objector left: %+v", got)
		}
		_, err := w.s.RespondToProposal(ctx, p[3], pr.ID, false)
		RequireCode(t, err, models.CodeNotMember)
		// p4 leaves too: everyone still a member has responded, so the next
		// read closes it (3 consents of 3 members).
		if _, err := w.s.LeaveSpace(ctx, p[4], "go-guild"); err != nil {
			t.Fatal(err)
		}
		if got := w.proposal(t, p[0], pr.ID); got.Status != models.ProposalAdopted || got.Consents != 3 || got.MembersAtClose != 3 {
			t.Fatalf("once every remaining member had responded: %+v", got)
		}
	})
}

// TestOneOpenProposalPerSpace: a second proposal waits until the first has
// closed; other spaces are not affected; a refused proposal leaves no thread.
func TestOneOpenProposalPerSpace(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		p := w.community(t, "go-guild", 4)
		q := w.community(t, "rust-guild", 3)
		first := w.propose(t, p[1], "go-guild", newPurpose)
		threads := w.count(t, "SELECT COUNT(*) FROM threads")
		for _, a := range []models.Actor{p[1], p[2]} {
			_, err := w.s.ProposePurpose(ctx, a, "go-guild", models.NewProposal{Text: "Yet another purpose, proposed while one is open.", Rationale: rationale})
			RequireCode(t, err, models.CodeConflict)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM threads"); n != threads {
			t.Fatalf("refused proposals left %d threads", n-threads)
		}
		w.propose(t, q[0], "rust-guild", newPurpose)
		// Once the window has passed, the next proposal closes the old one first.
		w.clock.Add(window)
		second := w.propose(t, p[2], "go-guild", "Yet another purpose, proposed after the first one closed.")
		if got := w.proposal(t, p[0], first.ID); got.Status != models.ProposalDeclined {
			t.Fatalf("the first proposal is %s", got.Status)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM purpose_proposals WHERE status = 'open'"); n != 2 {
			t.Fatalf("%d open proposals, want 2 (one per space)", n)
		}
		if second.BaseVersion != 1 {
			t.Fatalf("base version %d", second.BaseVersion)
		}
	})
}

// TestProposalInput: the proposed purpose has the founding purpose's bounds
// (counted in characters), the rationale is required and bounded, and the
// current purpose cannot be proposed again. Refusals store nothing.
func TestProposalInput(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, func(o *models.Options) { o.Limits.MaxRationaleChars = 50 })
		people := w.community(t, "go-guild", 2)
		a := people[1]
		refused := []struct {
			in    models.NewProposal
			field string
		}{
			{models.NewProposal{Text: strings.Repeat("a", 19), Rationale: rationale[:40]}, "text"},
			{models.NewProposal{Text: strings.Repeat("é", 19), Rationale: rationale[:40]}, "text"},
			{models.NewProposal{Text: "   " + strings.Repeat("a", 19) + "  ", Rationale: rationale[:40]}, "text"},
			{models.NewProposal{Text: strings.Repeat("a", 2001), Rationale: rationale[:40]}, "text"},
			{models.NewProposal{Text: "", Rationale: rationale[:40]}, "text"},
			{models.NewProposal{Text: newPurpose, Rationale: ""}, "rationale"},
			{models.NewProposal{Text: newPurpose, Rationale: " \n\t "}, "rationale"},
			{models.NewProposal{Text: newPurpose, Rationale: strings.Repeat("r", 51)}, "rationale"},
			{models.NewProposal{Text: Purpose, Rationale: rationale[:40]}, "text"},
			{models.NewProposal{Text: "  " + Purpose + "\n", Rationale: rationale[:40]}, "text"},
		}
		for _, tc := range refused {
			_, err := w.s.ProposePurpose(ctx, a, "go-guild", tc.in)
			var de *models.Error
			if !asDomain(err, &de) || de.Code != models.CodeInvalid || de.Field != tc.field {
				t.Fatalf("text of %d, rationale of %d: %v, want invalid %s", len(tc.in.Text), len(tc.in.Rationale), err, tc.field)
			}
		}
		if n := w.count(t, "SELECT COUNT(*) FROM purpose_proposals"); n != 0 {
			t.Fatalf("refused proposals stored %d rows", n)
		}
		for i, in := range []models.NewProposal{
			{Text: strings.Repeat("a", 20), Rationale: strings.Repeat("r", 50)},
			{Text: strings.Repeat("é", 20), Rationale: "r"},
			{Text: strings.Repeat("b", 2000), Rationale: "Long, but within bounds."},
			{Text: strings.Repeat("ü", 2000), Rationale: "Two thousand characters, four thousand bytes."},
		} {
			slug := fmt.Sprintf("bounds-%d", i)
			ps := w.community(t, slug, 1)
			p, err := w.s.ProposePurpose(ctx, ps[0], slug, in)
			if err != nil {
				t.Fatalf("%d characters: %v", len([]rune(in.Text)), err)
			}
			if p.Text != in.Text || p.Rationale != in.Rationale {
				t.Fatalf("stored %q / %q", p.Text, p.Rationale)
			}
		}
	})
}

// TestProposalRefusesNonMembers: only members propose and respond; people
// who may not read the space learn nothing of its proposals.
func TestProposalRefusesNonMembers(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		outsider := MustCreateMember(t, w.s, "Outsider")
		ids := map[string]int64{}
		for _, vis := range []string{"open", "request", "invite"} {
			people := w.community(t, vis, 3)
			ids[vis] = w.propose(t, people[1], vis, newPurpose).ID
			if vis != "open" {
				if _, err := w.db.Exec("UPDATE spaces SET visibility = '" + vis + "' WHERE slug = '" + vis + "'"); err != nil {
					t.Fatal(err)
				}
			}
		}
		in := models.NewProposal{Text: "A purpose from someone who does not belong here.", Rationale: rationale}
		for vis, want := range map[string]string{"open": models.CodeNotMember, "request": models.CodeNotMember, "invite": models.CodeNotFound} {
			_, err := w.s.ProposePurpose(ctx, outsider, vis, in)
			RequireCode(t, err, want)
		}
		for vis, want := range map[string]string{"open": models.CodeNotMember, "request": models.CodeNotFound, "invite": models.CodeNotFound} {
			_, err := w.s.RespondToProposal(ctx, outsider, ids[vis], true)
			RequireCode(t, err, want)
			_, err = w.s.AffirmPurpose(ctx, outsider, vis, 1)
			RequireCode(t, err, map[string]string{"open": models.CodeNotMember, "request": models.CodeNotMember, "invite": models.CodeNotFound}[vis])
		}
		if _, err := w.s.ProposalByID(ctx, outsider, ids["open"]); err != nil {
			t.Fatalf("an open space's proposal is readable: %v", err)
		}
		for _, vis := range []string{"request", "invite"} {
			_, err := w.s.ProposalByID(ctx, outsider, ids[vis])
			RequireCode(t, err, models.CodeNotFound)
		}
		_, err := w.s.ProposalByID(ctx, outsider, 999999)
		RequireCode(t, err, models.CodeNotFound)
		var anon models.Actor
		_, err = w.s.ProposePurpose(ctx, anon, "open", in)
		RequireCode(t, err, models.CodeUnauthorized)
		_, err = w.s.RespondToProposal(ctx, anon, ids["open"], true)
		RequireCode(t, err, models.CodeUnauthorized)
		_, err = w.s.ProposalByID(ctx, anon, ids["open"])
		RequireCode(t, err, models.CodeUnauthorized)
		_, err = w.s.AffirmPurpose(ctx, anon, "open", 1)
		RequireCode(t, err, models.CodeUnauthorized)
		if n := w.count(t, "SELECT COUNT(*) FROM proposal_responses"); n != 0 {
			t.Fatalf("refused responses stored %d rows", n)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM purpose_proposals"); n != 3 {
			t.Fatalf("%d proposals, want 3", n)
		}
		// The request space's purpose (and that a proposal is open) stays out
		// of a non-member's overview; the space's own purpose does not.
		o, err := w.s.PurposeOverview(ctx, outsider, "request")
		if err != nil || o.Open != nil || o.Space.Purpose != Purpose || len(o.History) != 1 || o.History[0].Proposal != nil {
			t.Fatalf("outsider's overview of a request space: %+v, %v", o, err)
		}
	})
}

// TestProposalAdoption walks a proposal from opening to adoption: the
// discussion thread, the notices to every member, the audit log, the raised
// version with its history, and members who keep their membership while
// their affirmation lags.
func TestProposalAdoption(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		people := w.community(t, "go-guild", 4)
		ann, bob := people[0], people[1]
		p := w.propose(t, bob, "go-guild", newPurpose)

		// Its discussion thread, in the space, by the proposer.
		if p.ThreadID == nil {
			t.Fatal("no discussion thread")
		}
		tv, posts, _, err := w.s.ReadThread(ctx, ann, *p.ThreadID, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if tv.Space.Slug != "go-guild" || tv.AuthorID == nil || *tv.AuthorID != bob.ID || !strings.HasPrefix(tv.Title, "Purpose proposal: We help each other") {
			t.Fatalf("discussion thread: %+v", tv.Thread)
		}
		if len(posts) != 1 || !strings.Contains(posts[0].Body, newPurpose) || !strings.Contains(posts[0].Body, rationale) || !strings.Contains(posts[0].HTML, "<blockquote>") {
			t.Fatalf("opening post: %+v", posts)
		}
		if p.Text != newPurpose || p.Rationale != rationale || p.BaseVersion != 1 || p.ProposerID == nil || *p.ProposerID != bob.ID || p.ProposerName != bob.Name {
			t.Fatalf("proposal: %+v", p)
		}

		// Every other member hears of it; the proposer does not need to.
		for _, a := range people {
			ns := w.notices(t, a, models.NoticeProposalOpened)
			if a.ID == bob.ID {
				if len(ns) != 0 {
					t.Fatalf("the proposer was notified of their own proposal")
				}
				continue
			}
			if len(ns) != 1 || ns[0]["proposal_id"] != float64(p.ID) || ns[0]["thread_id"] != float64(*p.ThreadID) || ns[0]["space"].(map[string]any)["slug"] != "go-guild" {
				t.Fatalf("%s's notices: %v", a.Name, ns)
			}
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'purpose.proposed' AND actor_id = ?", bob.ID); n != 1 {
			t.Fatalf("%d purpose.proposed entries", n)
		}

		for _, a := range people {
			w.respond(t, a, p.ID, true)
		}
		sp := w.space(t, ann, "go-guild")
		if sp.PurposeVersion != 2 || sp.Purpose != newPurpose || sp.MemberCount != 4 {
			t.Fatalf("after adoption: version %d, purpose %q, %d members", sp.PurposeVersion, sp.Purpose, sp.MemberCount)
		}
		hist, err := w.s.PurposeHistory(ctx, ann, "go-guild")
		if err != nil || len(hist) != 2 || hist[0].Version != 2 || hist[0].Text != newPurpose || hist[0].ProposalID == nil || *hist[0].ProposalID != p.ID ||
			hist[1].Version != 1 || hist[1].Text != Purpose || hist[1].ProposalID != nil {
			t.Fatalf("history: %+v, %v", hist, err)
		}
		o, err := w.s.PurposeOverview(ctx, people[2], "go-guild")
		if err != nil {
			t.Fatal(err)
		}
		if o.Open != nil || len(o.History) != 2 || o.History[0].Outcome != models.ProposalAdopted || o.History[0].Proposal == nil ||
			o.History[0].Proposal.Consents != 4 || o.History[1].Outcome != models.PurposeFounded || !o.Lagging() || !o.CanPropose() {
			t.Fatalf("overview after adoption: %+v", o)
		}

		// Every member, the proposer too, is told the outcome and the new version.
		for _, a := range people {
			ns := w.notices(t, a, models.NoticeProposalDecided)
			if len(ns) != 1 || ns[0]["outcome"] != "adopted" || ns[0]["version"] != float64(2) || ns[0]["proposal_id"] != float64(p.ID) {
				t.Fatalf("%s's decision notices: %v", a.Name, ns)
			}
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'purpose.adopted' AND space_id = ?", sp.ID); n != 1 {
			t.Fatalf("%d purpose.adopted entries", n)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'purpose.responded' AND space_id = ?", sp.ID); n != 4 {
			t.Fatalf("%d purpose.responded entries", n)
		}
		// Nobody was moved or removed: each keeps the version they affirmed.
		if n := w.count(t, "SELECT COUNT(*) FROM memberships WHERE space_id = ? AND affirmed_version = 1", sp.ID); n != 4 {
			t.Fatalf("%d memberships still at version 1, want all 4", n)
		}

		// A declined proposal changes nothing but is told and kept.
		d2 := w.propose(t, people[2], "go-guild", "A purpose the others will not consent to, as it turns out.")
		w.respond(t, people[0], d2.ID, false)
		w.respond(t, people[1], d2.ID, false)
		w.respond(t, people[2], d2.ID, true)
		w.respond(t, people[3], d2.ID, false)
		if sp := w.space(t, ann, "go-guild"); sp.PurposeVersion != 2 || sp.Purpose != newPurpose {
			t.Fatalf("a declined proposal changed the purpose: %d %q", sp.PurposeVersion, sp.Purpose)
		}
		for _, a := range people {
			ns := w.notices(t, a, models.NoticeProposalDecided)
			if len(ns) != 2 || ns[0]["outcome"] != "declined" || ns[0]["version"] != float64(2) {
				t.Fatalf("%s's decision notices: %v", a.Name, ns)
			}
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'purpose.declined' AND space_id = ?", sp.ID); n != 1 {
			t.Fatalf("%d purpose.declined entries", n)
		}
		o, _ = w.s.PurposeOverview(ctx, ann, "go-guild")
		if len(o.History) != 3 || o.History[0].Outcome != models.ProposalDeclined || o.History[0].Version != 0 || o.History[0].Proposal.Objections != 3 ||
			o.History[1].Version != 2 || o.History[2].Version != 1 {
			t.Fatalf("history with a declined proposal: %+v", o.History)
		}
	})
}

// TestAfterAdoption: a join with the old version is refused; members re-affirm
// the new version in one action (a stale one is refused) or leave in one.
func TestAfterAdoption(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		people := w.community(t, "go-guild", 3)
		p := w.propose(t, people[0], "go-guild", newPurpose)
		for _, a := range people {
			w.respond(t, a, p.ID, true)
		}

		eve := MustCreateMember(t, w.s, "Eve")
		_, err := w.s.JoinSpace(ctx, eve, "go-guild", 1, "")
		RequireCode(t, err, models.CodePurposeNotAffirmed)
		res, err := w.s.JoinSpace(ctx, eve, "go-guild", 2, "")
		if err != nil || res.Membership.AffirmedVersion != 2 {
			t.Fatalf("join with version 2: %+v, %v", res, err)
		}

		bob := people[1]
		for _, v := range []int{0, 1, 3, -2} {
			_, err := w.s.AffirmPurpose(ctx, bob, "go-guild", v)
			var de *models.Error
			if !asDomain(err, &de) || de.Code != models.CodePurposeNotAffirmed || de.Field != "affirm_purpose_version" {
				t.Fatalf("affirming version %d: %v", v, err)
			}
		}
		if m := w.space(t, bob, "go-guild").Membership; m.AffirmedVersion != 1 {
			t.Fatalf("a refused affirmation changed it to %d", m.AffirmedVersion)
		}
		m, err := w.s.AffirmPurpose(ctx, bob, "go-guild", 2)
		if err != nil || m.AffirmedVersion != 2 || m.MemberID != bob.ID {
			t.Fatalf("affirm version 2: %+v, %v", m, err)
		}
		if o, _ := w.s.PurposeOverview(ctx, bob, "go-guild"); o.Lagging() {
			t.Fatal("still lagging after affirming")
		}
		if _, err := w.s.AffirmPurpose(ctx, bob, "go-guild", 2); err != nil {
			t.Fatalf("affirming again: %v", err)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'purpose.affirmed' AND actor_id = ?", bob.ID); n != 1 {
			t.Fatalf("%d purpose.affirmed entries, want 1", n)
		}
		if o, _ := w.s.PurposeOverview(ctx, people[2], "go-guild"); !o.Lagging() {
			t.Fatal("another member's affirmation changed theirs")
		}
		left, err := w.s.LeaveSpace(ctx, people[2], "go-guild")
		if err != nil || !left {
			t.Fatalf("leave: %v, %v", left, err)
		}
		_, err = w.s.AffirmPurpose(ctx, people[2], "go-guild", 2)
		RequireCode(t, err, models.CodeNotMember)
	})
}

// TestCloseDueProposalsConcurrently: two instances sweeping one database at
// the same moment close each due proposal exactly once.
func TestCloseDueProposalsConcurrently(t *testing.T) {
	Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		w := newPurposeWorld(t, d, nil)
		opts := Options()
		opts.Now = w.clock.Now
		other := OpenURL(t, w.url, opts) // a second instance on the same database
		const spaces = 4
		for i := 0; i < spaces; i++ {
			slug := fmt.Sprintf("space-%d", i)
			people := w.community(t, slug, 4)
			p := w.propose(t, people[0], slug, newPurpose)
			for _, a := range people[:3] {
				w.respond(t, a, p.ID, true)
			}
		}
		w.clock.Add(window)
		stores := []*models.Store{w.s, other, w.s, other}
		closed := make([]int, len(stores))
		errs := make([]error, len(stores))
		var start, done sync.WaitGroup
		start.Add(1)
		for i, s := range stores {
			done.Go(func() {
				start.Wait()
				closed[i], errs[i] = s.CloseDueProposals(ctx)
			})
		}
		start.Done()
		done.Wait()
		total := 0
		for i := range stores {
			if errs[i] != nil {
				t.Fatalf("sweeper %d: %v", i, errs[i])
			}
			total += closed[i]
		}
		if total != spaces {
			t.Fatalf("the sweepers closed %d proposals in all (%v), want %d", total, closed, spaces)
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM purpose_proposals WHERE status = 'adopted'":                        spaces,
			"SELECT COUNT(*) FROM purpose_versions WHERE version = 2":                                spaces,
			"SELECT COUNT(*) FROM purpose_versions WHERE version > 2":                                0,
			"SELECT COUNT(*) FROM spaces WHERE purpose_version = 2":                                  spaces,
			"SELECT COUNT(*) FROM audit_log WHERE action = 'purpose.adopted'":                        spaces,
			"SELECT COUNT(*) FROM notifications WHERE kind = '" + models.NoticeProposalDecided + "'": spaces * 4,
		} {
			if n := w.count(t, q); n != want {
				t.Errorf("%s = %d, want %d", q, n, want)
			}
		}
	})
}
