package models

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"
)

// PurposeOverview is what a space's purpose page shows one actor: the
// current purpose, the open proposal and the history of how the purpose came
// to be. Proposals appear only to those who may read the space.
type PurposeOverview struct {
	Space   *SpaceView
	Open    *ProposalView   // the open proposal; nil when none
	History []PurposeRecord // newest first
}

// PurposeRecord is one entry of a purpose's history: a version adopted (or
// founded), or a proposal declined.
type PurposeRecord struct {
	Outcome  string // PurposeFounded, ProposalAdopted or ProposalDeclined
	Version  int    // the version adopted; 0 for a declined proposal
	Text     string
	At       time.Time     // when it was adopted or declined
	Proposal *ProposalView // nil for the founding purpose, and for those who may not read the space
}

// Lagging reports whether the actor is a member who affirmed an earlier
// purpose than the current one.
func (o PurposeOverview) Lagging() bool {
	m := o.Space.Membership
	return m != nil && m.AffirmedVersion < o.Space.PurposeVersion
}

// CanPropose reports whether the actor may propose a new purpose now.
func (o PurposeOverview) CanPropose() bool {
	return o.Space.IsMember() && o.Space.ArchivedAt == nil && o.Open == nil
}

// PurposeOverview returns a space's purpose, its open proposal and its
// history as the actor may see them. A proposal that is due closes first.
func (s *Store) PurposeOverview(ctx context.Context, a Actor, slug string) (*PurposeOverview, error) {
	v, err := s.SpaceBySlug(ctx, a, slug)
	if err != nil {
		return nil, err
	}
	if n, err := s.settleProposals(ctx, v.ID); err != nil {
		return nil, err
	} else if n > 0 {
		if v, err = s.SpaceBySlug(ctx, a, slug); err != nil {
			return nil, err
		}
	}
	db := s.db(ctx)
	var versions []PurposeVersion
	if err := db.Where("space_id = ?", v.ID).Order("version DESC").Find(&versions).Error; err != nil {
		return nil, err
	}
	out := &PurposeOverview{Space: v}
	adopted := map[int64]*ProposalView{}
	if v.CanRead {
		proposals, err := s.proposalViews(db, a, "purpose_proposals.space_id = ?", v.ID)
		if err != nil {
			return nil, err
		}
		for i := range proposals {
			p := &proposals[i]
			switch p.Status {
			case ProposalOpen:
				out.Open = p
			case ProposalAdopted:
				adopted[p.ID] = p
			case ProposalDeclined:
				out.History = append(out.History, PurposeRecord{Outcome: ProposalDeclined, Text: p.Text, At: *p.ClosedAt, Proposal: p})
			}
		}
	}
	for _, pv := range versions {
		r := PurposeRecord{Outcome: PurposeFounded, Version: pv.Version, Text: pv.Text, At: pv.AdoptedAt}
		if pv.ProposalID != nil {
			r.Outcome, r.Proposal = ProposalAdopted, adopted[*pv.ProposalID]
		}
		out.History = append(out.History, r)
	}
	sort.SliceStable(out.History, func(i, j int) bool {
		hi, hj := out.History[i], out.History[j]
		switch {
		case !hi.At.Equal(hj.At):
			return hi.At.After(hj.At)
		case hi.Proposal != nil && hj.Proposal != nil:
			return hi.Proposal.ID > hj.Proposal.ID
		case hi.Outcome == PurposeFounded || hj.Outcome == PurposeFounded:
			return hj.Outcome == PurposeFounded
		}
		return hi.Version > hj.Version
	})
	return out, nil
}

// AffirmPurpose records that a member has read and affirms the current
// purpose of their space, after it changed. The version must be the current
// one; a stale or missing version is refused with purpose_not_affirmed.
// Members who do not share the new purpose leave instead; nobody is moved.
func (s *Store) AffirmPurpose(ctx context.Context, a Actor, slug string, version int) (*Membership, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out *Membership
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sp, m, err := loadSpace(tx, a, "slug = ?", slug)
		if err != nil {
			return err
		}
		if !s.canSee(a, sp, m) {
			return errSpaceNotFound
		}
		if m == nil {
			return Errorf(CodeNotMember, "You are not a member of %s; join it by affirming its purpose.", sp.Name)
		}
		now := s.clock()
		if n, err := s.closeDue(tx, sp.ID, now); err != nil {
			return err
		} else if n > 0 {
			if err := tx.Take(sp, sp.ID).Error; err != nil {
				return err
			}
		}
		if version != sp.PurposeVersion {
			return &Error{Code: CodePurposeNotAffirmed, Field: "affirm_purpose_version",
				Message: "Read and affirm the current purpose of " + sp.Name + " (version " + itoa(sp.PurposeVersion) + ")."}
		}
		out = m
		if m.AffirmedVersion == version {
			return nil
		}
		if err := tx.Model(m).Update("affirmed_version", version).Error; err != nil {
			return err
		}
		m.AffirmedVersion = version
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "purpose.affirmed", Reason: "version " + itoa(version), CreatedAt: now})
	})
	return out, err
}
