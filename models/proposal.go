package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// PurposeProposal asks the members of a space to consent to a new purpose.
// It has its own discussion thread, stays open for a window (or until every
// member has responded) and is adopted when the quorum responds and at least
// two thirds of responses consent.
type PurposeProposal struct {
	ID             int64
	SpaceID        int64
	ProposerID     *int64
	ThreadID       *int64
	BaseVersion    int // the purpose version the proposal would replace
	Text           string
	Rationale      string
	Status         string
	CreatedAt      time.Time
	ClosesAt       time.Time
	ClosedAt       *time.Time
	Consents       int // counted when it closes
	Objections     int
	MembersAtClose int
}

// ProposalResponse is one member's consent or objection; the last response
// counts until the proposal closes.
type ProposalResponse struct {
	ID         int64
	ProposalID int64
	MemberID   int64
	Consent    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Proposal statuses.
const (
	ProposalOpen     = "open"
	ProposalAdopted  = "adopted"
	ProposalDeclined = "declined"
)

// PurposeFounded is the outcome of a space's first purpose, which its
// founder wrote and every member since has affirmed.
const PurposeFounded = "founded"

var errProposalNotFound = Errorf(CodeNotFound, "No such purpose proposal, or it is not visible to you.")

// NewProposal is what a member gives to propose a new purpose.
type NewProposal struct {
	Text      string
	Rationale string
}

// ProposalView is a proposal as one actor sees it. While it is open its
// counts are live (the responses of current members, against the current
// member count); once closed they are those recorded when it closed.
type ProposalView struct {
	PurposeProposal `gorm:"embedded"`
	SpaceSlug       string
	SpaceName       string
	ProposerName    string
	Members         int   `gorm:"-"` // members of the space now (open) or when it closed
	Quorum          int   `gorm:"-"` // responses it needs
	MyResponse      *bool `gorm:"-"` // the actor's consent (true) or objection (false); nil when none
}

// Responses is the number of responses that count.
func (v ProposalView) Responses() int { return v.Consents + v.Objections }

// IsOpen reports whether members may still respond.
func (v ProposalView) IsOpen() bool { return v.Status == ProposalOpen }

// Consented reports whether the actor's response is consent.
func (v ProposalView) Consented() bool { return v.MyResponse != nil && *v.MyResponse }

// Objected reports whether the actor's response is an objection.
func (v ProposalView) Objected() bool { return v.MyResponse != nil && !*v.MyResponse }

// QuorumMet reports whether enough members have responded.
func (v ProposalView) QuorumMet() bool { return v.Responses() >= v.Quorum }

// Quorum is the number of responses a proposal needs in a space of this many
// members: QuorumMembers or QuorumPercent of the members (rounded up),
// whichever is larger.
func (s *Store) Quorum(members int) int {
	pct := (members*s.policy.QuorumPercent + 99) / 100
	return max(s.policy.QuorumMembers, pct)
}

// adopts is the rule of consent: enough members responded, and at least two
// thirds of those who did consent.
func adopts(consents, objections, quorum int) bool {
	total := consents + objections
	return total >= quorum && consents*3 >= total*2
}

// ProposePurpose opens a proposal to change a space's purpose, with its
// discussion thread, and tells every other member. Only members may propose,
// and only while no other proposal is open there.
func (s *Store) ProposePurpose(ctx context.Context, a Actor, slug string, in NewProposal) (*ProposalView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	in.Text = strings.TrimSpace(in.Text)
	in.Rationale = strings.TrimSpace(in.Rationale)
	if err := checkText("text", "The proposed purpose", in.Text, MinPurposeChars, MaxPurposeChars); err != nil {
		return nil, err
	}
	if err := checkText("rationale", "The rationale", in.Rationale, 1, s.limits.MaxRationaleChars); err != nil {
		return nil, err
	}
	var id int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sp, m, err := loadSpace(tx, a, "slug = ?", slug)
		if err != nil {
			return err
		}
		if !s.canSee(a, sp, m) {
			return errSpaceNotFound
		}
		if sp.ArchivedAt != nil {
			return Errorf(CodeArchived, "%s is archived; its purpose no longer changes.", sp.Name)
		}
		if m == nil {
			return Errorf(CodeNotMember, "Only members of %s may propose a new purpose for it.", sp.Name)
		}
		now := s.clock()
		// A proposal past its window closes before another may open.
		if _, err := s.closeDue(tx, sp.ID, now); err != nil {
			return err
		}
		var open int64
		if err := tx.Model(&PurposeProposal{}).Where("space_id = ? AND status = ?", sp.ID, ProposalOpen).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return errProposalOpen(sp)
		}
		if err := tx.Take(sp, sp.ID).Error; err != nil { // the purpose as the close above may have left it
			return err
		}
		if in.Text == sp.Purpose {
			return invalid("text", "That is the current purpose of %s; propose a different text.", sp.Name)
		}
		body := proposalPost(sp, in)
		html, err := s.md.render(body)
		if err != nil {
			return err
		}
		t, _, err := insertThread(tx, a, sp, NewThread{Title: proposalTitle(in.Text, s.limits.MaxTitleChars), Body: body, Kind: Discussion}, html, now)
		if err != nil {
			return err
		}
		p := &PurposeProposal{
			SpaceID: sp.ID, ProposerID: &a.ID, ThreadID: &t.ID, BaseVersion: sp.PurposeVersion,
			Text: in.Text, Rationale: in.Rationale, Status: ProposalOpen, CreatedAt: now, ClosesAt: now.Add(s.policy.ProposalWindow),
		}
		if err := tx.Create(p).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) { // another member's proposal won the race
				return errProposalOpen(sp)
			}
			return err
		}
		id = p.ID
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "purpose.proposed", Reason: in.Rationale, CreatedAt: now}); err != nil {
			return err
		}
		return notifyMembers(tx, sp, a.ID, NoticeProposalOpened, NoticeData{"proposal_id": p.ID, "thread_id": t.ID}, now)
	})
	if err != nil {
		return nil, err
	}
	return s.ProposalByID(ctx, a, id)
}

func errProposalOpen(sp *Space) error {
	return Errorf(CodeConflict, "A proposal to change the purpose of %s is open; respond to it, and propose again once it has closed.", sp.Name)
}

// proposalTitle names a proposal's discussion thread after its text, cut to
// fit a thread title.
func proposalTitle(text string, maxChars int) string {
	const prefix = "Purpose proposal: "
	words := []rune(strings.Join(strings.Fields(text), " "))
	room := maxChars - len([]rune(prefix))
	if room < 2 {
		return string([]rune(prefix)[:maxChars])
	}
	if len(words) > room {
		words = append(words[:room-1], '…')
	}
	return prefix + string(words)
}

// proposalPost is the opening post of a proposal's discussion thread: the
// text proposed and the proposer's rationale.
func proposalPost(sp *Space, in NewProposal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "A proposal to replace version %d of the purpose of this space.\n\n### Proposed purpose\n\n", sp.PurposeVersion)
	for _, line := range strings.Split(in.Text, "\n") {
		b.WriteString("> " + strings.TrimRight(line, "\r") + "\n")
	}
	b.WriteString("\n### Rationale\n\n")
	b.WriteString(in.Rationale)
	fmt.Fprintf(&b, "\n\nMembers consent or object on [the purpose page](/s/%s/purpose).", sp.Slug)
	return b.String()
}

// RespondToProposal records the actor's consent or objection, replacing any
// earlier response of theirs, and closes the proposal at once when every
// member has now responded. Only members respond, and only while it is open.
func (s *Store) RespondToProposal(ctx context.Context, a Actor, id int64, consent bool) (*ProposalView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var closedLate *time.Time
	err := s.tx(ctx, func(tx *gorm.DB) error {
		p, sp, m, err := s.loadProposal(tx, a, id)
		if err != nil {
			return err
		}
		if m == nil {
			return Errorf(CodeNotMember, "Only members of %s respond to proposals about its purpose.", sp.Name)
		}
		if sp.ArchivedAt != nil {
			return Errorf(CodeArchived, "%s is archived.", sp.Name)
		}
		// Holding the proposal's row until commit keeps a close from
		// counting while this response is half written.
		open, err := lockOpen(tx, p.ID)
		if err != nil {
			return err
		}
		if !open {
			return errProposalClosed
		}
		now := s.clock()
		if !now.Before(p.ClosesAt) {
			// Too late: the window ended, so close it now and refuse.
			if _, err := s.closeProposal(tx, p, now); err != nil {
				return err
			}
			closedLate = &p.ClosesAt
			return nil
		}
		var prior []ProposalResponse
		if err := tx.Where("proposal_id = ? AND member_id = ?", p.ID, a.ID).Limit(1).Find(&prior).Error; err != nil {
			return err
		}
		if len(prior) == 0 {
			r := &ProposalResponse{ProposalID: p.ID, MemberID: a.ID, Consent: consent, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(r).Error; err != nil {
				return err
			}
		} else if err := tx.Model(&prior[0]).Updates(map[string]any{"consent": consent, "updated_at": now}).Error; err != nil {
			return err
		}
		reason := "object"
		if consent {
			reason = "consent"
		}
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "purpose.responded", Reason: reason, CreatedAt: now}); err != nil {
			return err
		}
		_, err = s.closeIfDue(tx, p, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if closedLate != nil {
		return nil, Errorf(CodeConflict, "This proposal closed at %s; responses are no longer taken.", closedLate.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	return s.ProposalByID(ctx, a, id)
}

var errProposalClosed = Errorf(CodeConflict, "This proposal has closed; responses are no longer taken.")

// loadProposal reads a proposal with its space and the actor's membership.
// Those who may not read the space learn nothing, not even that it exists.
func (s *Store) loadProposal(db *gorm.DB, a Actor, id int64) (*PurposeProposal, *Space, *Membership, error) {
	var p PurposeProposal
	if err := db.Take(&p, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, nil, errProposalNotFound
		}
		return nil, nil, nil, err
	}
	sp, m, err := loadSpace(db, a, "id = ?", p.SpaceID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !s.canRead(a, sp, m) {
		return nil, nil, nil, errProposalNotFound
	}
	return &p, sp, m, nil
}

// ProposalByID returns a proposal to those who may read its space.
func (s *Store) ProposalByID(ctx context.Context, a Actor, id int64) (*ProposalView, error) {
	if err := s.requireReader(a); err != nil {
		return nil, err
	}
	p, _, _, err := s.loadProposal(s.db(ctx), a, id)
	if err != nil {
		return nil, err
	}
	if p.Status == ProposalOpen {
		if _, err := s.settleProposals(ctx, p.SpaceID); err != nil {
			return nil, err
		}
	}
	views, err := s.proposalViews(s.db(ctx), a, "purpose_proposals.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, errProposalNotFound
	}
	return &views[0], nil
}

// proposalViews loads proposals with the names shown beside them, newest
// first, and the actor's own responses. The caller has checked that the actor
// may read their spaces.
func (s *Store) proposalViews(db *gorm.DB, a Actor, where string, args ...any) ([]ProposalView, error) {
	var out []ProposalView
	err := db.Table("purpose_proposals").
		Select("purpose_proposals.*, spaces.slug AS space_slug, spaces.name AS space_name, members.name AS proposer_name").
		Joins("JOIN spaces ON spaces.id = purpose_proposals.space_id").
		Joins("LEFT JOIN members ON members.id = purpose_proposals.proposer_id").
		Where(where, args...).Order("purpose_proposals.id DESC").Scan(&out).Error
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i := range out {
		v := &out[i]
		ids[i] = v.ID
		v.Members = v.MembersAtClose
		if v.Status == ProposalOpen {
			if v.Consents, v.Objections, v.Members, err = tally(db, &v.PurposeProposal); err != nil {
				return nil, err
			}
		}
		v.Quorum = s.Quorum(v.Members)
	}
	if !a.SignedIn() {
		return out, nil
	}
	var mine []ProposalResponse
	if err := db.Where("member_id = ? AND proposal_id IN ?", a.ID, ids).Find(&mine).Error; err != nil {
		return nil, err
	}
	for _, r := range mine {
		for i := range out {
			if out[i].ID == r.ProposalID {
				consent := r.Consent
				out[i].MyResponse = &consent
			}
		}
	}
	return out, nil
}
