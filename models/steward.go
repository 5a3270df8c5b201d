package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// StewardOffer offers the steward duty of a space to one of its members. The
// duty is taken up only when the member accepts.
type StewardOffer struct {
	ID         int64
	SpaceID    int64
	MemberID   int64
	OfferedBy  *int64
	Status     string
	CreatedAt  time.Time
	AnsweredAt *time.Time
}

// Steward offer statuses. An offer is withdrawn when the person it was made
// to stops being a member (they left or were removed) before answering.
const (
	OfferPending   = "pending"
	OfferAccepted  = "accepted"
	OfferDeclined  = "declined"
	OfferWithdrawn = "withdrawn"
)

// StewardOfferView is an offer with the names of the people and the space it
// concerns.
type StewardOfferView struct {
	StewardOffer  `gorm:"embedded"`
	MemberName    string
	OfferedByName string
	SpaceSlug     string
	SpaceName     string
}

var errOfferNotFound = Errorf(CodeNotFound, "No such steward offer for you.")

// hasSteward reports whether anyone holds the steward duty in the space.
func hasSteward(db *gorm.DB, spaceID int64) (bool, error) {
	var n int64
	err := db.Model(&Membership{}).Where("space_id = ? AND steward = ?", spaceID, true).Count(&n).Error
	return n > 0, err
}

// offerer loads a space whose steward duty the actor may offer: its
// stewards may, and an admin may where the space has no steward at all.
func (s *Store) offerer(db *gorm.DB, a Actor, slug string) (*Space, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	sp, m, err := loadSpace(db, a, "slug = ?", slug)
	if err != nil {
		return nil, err
	}
	if m != nil && m.Steward {
		return sp, nil
	}
	if a.Admin {
		stewarded, err := hasSteward(db, sp.ID)
		if err != nil {
			return nil, err
		}
		if !stewarded {
			return sp, nil
		}
		return nil, Errorf(CodeNotSteward, "%s has stewards, and they offer the duty; admins offer it only in a space without one.", sp.Name)
	}
	if !s.canSee(a, sp, m) {
		return nil, errSpaceNotFound
	}
	return nil, Errorf(CodeNotSteward, "Only stewards of %s may offer the steward duty.", sp.Name)
}

// OfferStewardship offers the steward duty of a space to one of its members.
// Nothing changes for them until they accept: the duty is never conferred.
func (s *Store) OfferStewardship(ctx context.Context, a Actor, slug string, memberID int64) (*StewardOfferView, error) {
	var out *StewardOfferView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sp, err := s.offerer(tx, a, slug)
		if err != nil {
			return err
		}
		person, m, err := memberOfSpace(tx, sp, memberID, "member_id")
		if err != nil {
			return err
		}
		if m.Steward {
			return Errorf(CodeConflict, "%s already holds the steward duty in %s.", person.Name, sp.Name)
		}
		var n int64
		if err := tx.Model(&StewardOffer{}).Where("space_id = ? AND member_id = ? AND status = ?", sp.ID, person.ID, OfferPending).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return Errorf(CodeConflict, "%s has been offered the steward duty of %s already and has not answered yet.", person.Name, sp.Name)
		}
		now := s.clock()
		o := StewardOffer{SpaceID: sp.ID, MemberID: person.ID, OfferedBy: &a.ID, Status: OfferPending, CreatedAt: now}
		if err := tx.Create(&o).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return Errorf(CodeConflict, "%s has been offered the steward duty of %s already.", person.Name, sp.Name)
			}
			return err
		}
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &person.ID, SpaceID: &sp.ID, Action: "steward.offered", CreatedAt: now}); err != nil {
			return err
		}
		data := NoticeData{"steward_offer_id": o.ID, "link": "/offers"}
		if err := notify(tx, person.ID, NoticeStewardOffer, sp, data, now); err != nil {
			return err
		}
		out = &StewardOfferView{StewardOffer: o, MemberName: person.Name, OfferedByName: a.Name, SpaceSlug: sp.Slug, SpaceName: sp.Name}
		return nil
	})
	return out, err
}

// AcceptStewardOffer takes up the steward duty offered to the actor. Only the
// person offered may answer; to everyone else the offer does not exist.
func (s *Store) AcceptStewardOffer(ctx context.Context, a Actor, id int64) (*StewardOfferView, error) {
	return s.answerStewardOffer(ctx, a, id, OfferAccepted, func(tx *gorm.DB, sp *Space, o *StewardOffer, m *Membership, now time.Time) error {
		up := tx.Model(&Membership{}).Where("id = ?", m.ID).UpdateColumn("steward", true)
		if up.Error != nil {
			return up.Error
		}
		if up.RowsAffected != 1 {
			return errOfferLapsed(sp)
		}
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "steward.accepted", CreatedAt: now}); err != nil {
			return err
		}
		if o.OfferedBy != nil && *o.OfferedBy != a.ID {
			return notify(tx, *o.OfferedBy, NoticeStewardAccepted, sp, NoticeData{"steward_offer_id": o.ID, "from": map[string]any{"id": a.ID, "name": a.Name}}, now)
		}
		return nil
	})
}

// DeclineStewardOffer declines the steward duty offered to the actor.
func (s *Store) DeclineStewardOffer(ctx context.Context, a Actor, id int64) (*StewardOfferView, error) {
	return s.answerStewardOffer(ctx, a, id, OfferDeclined, func(tx *gorm.DB, sp *Space, _ *StewardOffer, _ *Membership, now time.Time) error {
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "steward.declined", CreatedAt: now})
	})
}

func errOfferLapsed(sp *Space) error {
	return Errorf(CodeConflict, "You are no longer a member of %s, so the offer lapsed.", sp.Name)
}

func (s *Store) answerStewardOffer(ctx context.Context, a Actor, id int64, status string, answer func(*gorm.DB, *Space, *StewardOffer, *Membership, time.Time) error) (*StewardOfferView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out *StewardOfferView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var o StewardOffer
		if err := tx.Where("id = ? AND member_id = ?", id, a.ID).Take(&o).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errOfferNotFound
			}
			return err
		}
		sp, m, err := loadSpace(tx, a, "id = ?", o.SpaceID)
		if err != nil {
			return err
		}
		if o.Status != OfferPending {
			return Errorf(CodeAlreadyDecided, "This offer was already %s.", o.Status)
		}
		if m == nil {
			return errOfferLapsed(sp)
		}
		if m.Steward && status == OfferAccepted {
			return Errorf(CodeConflict, "You already hold the steward duty in %s.", sp.Name)
		}
		now := s.clock()
		up := tx.Model(&StewardOffer{}).Where("id = ? AND status = ?", o.ID, OfferPending).Updates(map[string]any{"status": status, "answered_at": now})
		if up.Error != nil {
			return up.Error
		}
		if up.RowsAffected != 1 {
			return Errorf(CodeAlreadyDecided, "This offer was already answered.")
		}
		o.Status, o.AnsweredAt = status, &now
		if err := answer(tx, sp, &o, m, now); err != nil {
			return err
		}
		out, err = stewardOfferView(tx, o.ID)
		return err
	})
	return out, err
}

// voidStewardOffers withdraws the pending offers of a space's steward duty
// to a person who stopped being a member: an offer is made to a member, and
// it does not wait for them to come back.
func voidStewardOffers(tx *gorm.DB, sp *Space, memberID, actorID int64, now time.Time) error {
	up := tx.Model(&StewardOffer{}).Where("space_id = ? AND member_id = ? AND status = ?", sp.ID, memberID, OfferPending).
		Updates(map[string]any{"status": OfferWithdrawn, "answered_at": now})
	if up.Error != nil || up.RowsAffected == 0 {
		return up.Error
	}
	return audit(tx, AuditEntry{ActorID: &actorID, SubjectID: &memberID, SpaceID: &sp.ID, Action: "steward.offer_withdrawn", Reason: "no longer a member", CreatedAt: now})
}

// ResignStewardship sets the steward duty down. A steward may do so at any
// time; they stay a member. A space left without a steward keeps working and
// shows up for admins.
func (s *Store) ResignStewardship(ctx context.Context, a Actor, slug string) (*Membership, error) {
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
		if m == nil || !m.Steward {
			return Errorf(CodeNotSteward, "You do not hold the steward duty in %s.", sp.Name)
		}
		up := tx.Model(&Membership{}).Where("id = ? AND steward = ?", m.ID, true).UpdateColumn("steward", false)
		if up.Error != nil {
			return up.Error
		}
		if up.RowsAffected != 1 {
			return Errorf(CodeNotSteward, "You do not hold the steward duty in %s.", sp.Name)
		}
		m.Steward = false
		out = m
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "steward.resigned", CreatedAt: s.clock()})
	})
	return out, err
}

func stewardOffersQuery(db *gorm.DB) *gorm.DB {
	return db.Table("steward_offers").
		Select("steward_offers.*, m.name AS member_name, COALESCE(ob.name, '') AS offered_by_name, " +
			"spaces.slug AS space_slug, spaces.name AS space_name").
		Joins("JOIN members m ON m.id = steward_offers.member_id").
		Joins("LEFT JOIN members ob ON ob.id = steward_offers.offered_by").
		Joins("JOIN spaces ON spaces.id = steward_offers.space_id")
}

func stewardOfferView(db *gorm.DB, id int64) (*StewardOfferView, error) {
	var out []StewardOfferView
	if err := stewardOffersQuery(db).Where("steward_offers.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errOfferNotFound
	}
	return &out[0], nil
}

// MyStewardOffers lists the steward offers waiting for the actor's answer,
// newest first.
func (s *Store) MyStewardOffers(ctx context.Context, a Actor, p Page) ([]StewardOfferView, string, error) {
	if !a.SignedIn() {
		return nil, "", errSignInRequired
	}
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(p.Limit)
	q := stewardOffersQuery(s.db(ctx)).Where("steward_offers.member_id = ? AND steward_offers.status = ?", a.ID, OfferPending)
	return pageByID(q, c, limit, "steward_offers.id", true, func(r *StewardOfferView) int64 { return r.ID })
}
