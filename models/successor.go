package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SpaceRef names a space that another links to.
type SpaceRef struct {
	Slug string
	Name string
}

// StartSuccessor founds a new space to succeed one whose members want a
// different purpose: a different purpose means a new community. The steward
// who starts it is its founder, first member and steward, as with
// CreateSpace; the two spaces link to each other; and every other member of
// the old space is invited to the new one. Nobody is moved: each decides for
// themselves, and the old space goes on. A space has at most one successor.
func (s *Store) StartSuccessor(ctx context.Context, a Actor, slug string, in NewSpace) (*SpaceView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	// Refuse those who may not do this before judging what they typed; the
	// transaction checks again.
	if _, err := s.succession(s.db(ctx), a, slug); err != nil {
		return nil, err
	}
	var old *Space
	in.also = func(tx *gorm.DB, sp *Space, now time.Time) error {
		var err error
		if old, err = s.succession(tx, a, slug); err != nil {
			return err
		}
		return s.succeed(tx, a, old, sp, now)
	}
	v, err := s.CreateSpace(ctx, a, in)
	if err != nil {
		return nil, err
	}
	v.PredecessorID = &old.ID
	v.Predecessor = &SpaceRef{Slug: old.Slug, Name: old.Name}
	return v, nil
}

// succession loads a space that the actor, one of its stewards, may succeed:
// one that has no successor yet.
func (s *Store) succession(db *gorm.DB, a Actor, slug string) (*Space, error) {
	old, _, err := s.stewardOf(db, a, "slug = ?", slug)
	if err != nil {
		return nil, err
	}
	if old.SuccessorID != nil {
		return nil, Errorf(CodeConflict, "%s already has a successor; a space has only one.", old.Name)
	}
	return old, nil
}

// succeed links a new space to the one it succeeds and invites every member
// of the old space but its founder to the new one, inside the founding
// transaction.
func (s *Store) succeed(tx *gorm.DB, a Actor, old, sp *Space, now time.Time) error {
	up := tx.Model(&Space{}).Where("id = ? AND successor_id IS NULL", old.ID).UpdateColumn("successor_id", sp.ID)
	if up.Error != nil {
		return up.Error
	}
	if up.RowsAffected != 1 {
		return Errorf(CodeConflict, "%s already has a successor; a space has only one.", old.Name)
	}
	if err := tx.Model(sp).UpdateColumn("predecessor_id", old.ID).Error; err != nil {
		return err
	}
	old.SuccessorID, sp.PredecessorID = &sp.ID, &old.ID
	err := auditAll(tx,
		AuditEntry{ActorID: &a.ID, SpaceID: &old.ID, Action: "space.successor_started", Reason: "successor: " + sp.Slug, CreatedAt: now},
		AuditEntry{ActorID: &a.ID, SpaceID: &sp.ID, Action: "space.succeeds", Reason: "succeeds: " + old.Slug, CreatedAt: now},
	)
	if err != nil {
		return err
	}
	var members []int64
	err = tx.Model(&Membership{}).Where("space_id = ? AND member_id <> ?", old.ID, a.ID).Order("id").Pluck("member_id", &members).Error
	if err != nil {
		return err
	}
	// The new space has no members but its founder, no removals and no
	// invitations yet, so none of Invite's refusals can apply.
	_, err = createInvitations(tx, a, sp, members, now, s.policy.InvitationTTL)
	return err
}

// linkSpaces names, on each view, the spaces it succeeds and is succeeded
// by, where the actor may see them (a successor by invitation stays hidden
// from those it did not invite).
func (s *Store) linkSpaces(db *gorm.DB, a Actor, views ...*SpaceView) error {
	var ids []int64
	for _, v := range views {
		if v.PredecessorID != nil {
			ids = append(ids, *v.PredecessorID)
		}
		if v.SuccessorID != nil {
			ids = append(ids, *v.SuccessorID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var linked []Space
	if err := s.visibleSpaces(db, a).Where("id IN ?", ids).Find(&linked).Error; err != nil {
		return err
	}
	refs := make(map[int64]*SpaceRef, len(linked))
	for _, sp := range linked {
		refs[sp.ID] = &SpaceRef{Slug: sp.Slug, Name: sp.Name}
	}
	for _, v := range views {
		if v.PredecessorID != nil {
			v.Predecessor = refs[*v.PredecessorID]
		}
		if v.SuccessorID != nil {
			v.Successor = refs[*v.SuccessorID]
		}
	}
	return nil
}
