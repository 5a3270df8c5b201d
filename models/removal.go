package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Removal is a steward's (or admin's) decision to remove a member for
// conduct, with the reason they were told. While it is not lifted the person
// cannot rejoin.
type Removal struct {
	ID        int64
	SpaceID   int64
	MemberID  int64
	RemovedBy *int64
	Reason    string
	CreatedAt time.Time
	LiftedAt  *time.Time
	LiftedBy  *int64
}

// RemovalView is a removal with the names of the people and the space it
// concerns, as stewards and the API show it.
type RemovalView struct {
	Removal       `gorm:"embedded"`
	MemberName    string
	RemovedByName string
	LiftedByName  string
	SpaceSlug     string
	SpaceName     string
}

// checkNotRemoved refuses a way back in while a removal stands.
func checkNotRemoved(tx *gorm.DB, sp *Space, memberID int64) error {
	var n int64
	err := tx.Model(&Removal{}).Where("space_id = ? AND member_id = ? AND lifted_at IS NULL", sp.ID, memberID).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return Errorf(CodeRemoved, "You were removed from %s; a steward or an admin must lift the removal before you can rejoin.", sp.Name)
	}
	return nil
}

// stewardOrAdmin loads a space for an act that its stewards, or an admin,
// may do. Admins run the instance and may act in any space, hidden ones
// included; anyone else who may not know the space exists gets not_found, and
// those who see it without holding the duty get not_a_steward.
func (s *Store) stewardOrAdmin(db *gorm.DB, a Actor, where string, arg any) (*Space, *Membership, error) {
	if !a.SignedIn() {
		return nil, nil, errSignInRequired
	}
	sp, m, err := loadSpace(db, a, where, arg)
	if err != nil {
		return nil, nil, err
	}
	if a.Admin || (m != nil && m.Steward) {
		return sp, m, nil
	}
	if !s.canSee(a, sp, m) {
		return nil, nil, errSpaceNotFound
	}
	return nil, nil, Errorf(CodeNotSteward, "Only stewards of %s (or an admin) may do that.", sp.Name)
}

// memberOfSpace loads the person an act names and their membership of the
// space: not_found for an unknown person, invalid_input (on field) for one
// who does not belong to the space.
func memberOfSpace(tx *gorm.DB, sp *Space, memberID int64, field string) (*Member, *Membership, error) {
	if memberID <= 0 {
		return nil, nil, invalid(field, "Say which member: %s is the id of a member of %s.", field, sp.Name)
	}
	var person Member
	if err := tx.Take(&person, memberID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, errMemberNotFound
		}
		return nil, nil, err
	}
	m, err := membershipOf(tx, Actor{ID: memberID}, sp.ID)
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		return nil, nil, invalid(field, "%s is not a member of %s.", person.Name, sp.Name)
	}
	return &person, m, nil
}

// RemoveMember removes a member of a space for conduct, with a written
// reason that the person is told. Stewards of the space may remove members
// but not another steward; admins may remove anyone. Nobody removes
// themselves: leaving is how a person goes. In one transaction the membership
// ends (with it every private read and the steward duty), the removal is
// recorded so the person cannot rejoin until it is lifted, pending steward
// offers to them lapse, and the act is audited and notified.
func (s *Store) RemoveMember(ctx context.Context, a Actor, slug string, memberID int64, reason string) (*RemovalView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	reason = strings.TrimSpace(reason)
	var out *RemovalView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sp, _, err := s.stewardOrAdmin(tx, a, "slug = ?", slug)
		if err != nil {
			return err
		}
		if memberID == a.ID {
			return invalid("member_id", "You cannot remove yourself from %s; leave it instead.", sp.Name)
		}
		if err := checkText("reason", "Reason", reason, 1, s.limits.MaxReasonChars); err != nil {
			return err
		}
		person, m, err := memberOfSpace(tx, sp, memberID, "member_id")
		if err != nil {
			return err
		}
		if m.Steward && !a.Admin {
			return Errorf(CodeForbidden, "%s is a steward of %s; only an admin may remove a steward.", person.Name, sp.Name)
		}
		now := s.clock()
		del := tx.Where("id = ?", m.ID).Delete(&Membership{})
		if del.Error != nil {
			return del.Error
		}
		if del.RowsAffected != 1 {
			return Errorf(CodeConflict, "%s left %s meanwhile.", person.Name, sp.Name)
		}
		if err := tx.Model(sp).UpdateColumn("member_count", gorm.Expr("member_count - 1")).Error; err != nil {
			return err
		}
		r := Removal{SpaceID: sp.ID, MemberID: person.ID, RemovedBy: &a.ID, Reason: reason, CreatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if err := emitMembershipEnded(tx, person.ID, sp, "removed"); err != nil {
			return err
		}
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &person.ID, SpaceID: &sp.ID, Action: "membership.removed", Reason: reason, CreatedAt: now}); err != nil {
			return err
		}
		if err := voidStewardOffers(tx, sp, person.ID, a.ID, now); err != nil {
			return err
		}
		if err := notify(tx, person.ID, NoticeRemoved, sp, NoticeData{"removal_id": r.ID, "reason": reason}, now); err != nil {
			return err
		}
		out = &RemovalView{Removal: r, MemberName: person.Name, RemovedByName: a.Name, SpaceSlug: sp.Slug, SpaceName: sp.Name}
		return nil
	})
	return out, err
}

// LiftRemoval lifts a removal, so that the person may join again by their
// own act: it makes nobody a member. Stewards of the space and admins may
// lift it; lifting twice is refused with already_decided.
func (s *Store) LiftRemoval(ctx context.Context, a Actor, id int64) (*RemovalView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out *RemovalView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var r Removal
		if err := tx.Take(&r, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errRemovalNotFound
			}
			return err
		}
		sp, _, err := s.stewardOrAdmin(tx, a, "id = ?", r.SpaceID)
		if err != nil {
			if ErrorCode(err) == CodeNotFound {
				return errRemovalNotFound // a hidden space's removals do not exist for the caller
			}
			return err
		}
		if r.LiftedAt != nil {
			return Errorf(CodeAlreadyDecided, "This removal was already lifted.")
		}
		now := s.clock()
		up := tx.Model(&Removal{}).Where("id = ? AND lifted_at IS NULL", r.ID).Updates(map[string]any{"lifted_at": now, "lifted_by": a.ID})
		if up.Error != nil {
			return up.Error
		}
		if up.RowsAffected != 1 {
			return Errorf(CodeAlreadyDecided, "This removal was already lifted.")
		}
		r.LiftedAt, r.LiftedBy = &now, &a.ID
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &r.MemberID, SpaceID: &sp.ID, Action: "removal.lifted", CreatedAt: now}); err != nil {
			return err
		}
		if err := notify(tx, r.MemberID, NoticeRemovalLifted, sp, NoticeData{"removal_id": r.ID}, now); err != nil {
			return err
		}
		out, err = removalView(tx, r.ID)
		return err
	})
	return out, err
}

var errRemovalNotFound = Errorf(CodeNotFound, "No such removal.")

// Removals lists the removals of a space that still stand, newest first,
// for its stewards and admins.
func (s *Store) Removals(ctx context.Context, a Actor, slug string, p Page) ([]RemovalView, string, error) {
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	db := s.db(ctx)
	sp, _, err := s.stewardOrAdmin(db, a, "slug = ?", slug)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(p.Limit)
	q := removalsQuery(db).Where("removals.space_id = ? AND removals.lifted_at IS NULL", sp.ID)
	return pageByID(q, c, limit, "removals.id", true, func(r *RemovalView) int64 { return r.ID })
}

func removalsQuery(db *gorm.DB) *gorm.DB {
	return db.Table("removals").
		Select("removals.*, m.name AS member_name, COALESCE(rb.name, '') AS removed_by_name, " +
			"COALESCE(lb.name, '') AS lifted_by_name, spaces.slug AS space_slug, spaces.name AS space_name").
		Joins("JOIN members m ON m.id = removals.member_id").
		Joins("LEFT JOIN members rb ON rb.id = removals.removed_by").
		Joins("LEFT JOIN members lb ON lb.id = removals.lifted_by").
		Joins("JOIN spaces ON spaces.id = removals.space_id")
}

func removalView(db *gorm.DB, id int64) (*RemovalView, error) {
	var out []RemovalView
	if err := removalsQuery(db).Where("removals.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errRemovalNotFound
	}
	return &out[0], nil
}
