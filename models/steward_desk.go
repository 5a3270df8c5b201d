package models

import (
	"context"
	"time"
)

// StewardDesk is a space as the people who look after it see it: its
// stewards, and admins, who run the instance.
type StewardDesk struct {
	Space     *SpaceView
	AsAdmin   bool // the actor acts as an admin here, not as a steward of the space
	Stewarded bool // someone holds the steward duty in the space
	CanOffer  bool // the actor may offer the duty: a steward, or an admin where there is none
}

// StewardDesk opens a space's stewardship for its stewards and admins.
func (s *Store) StewardDesk(ctx context.Context, a Actor, slug string) (*StewardDesk, error) {
	db := s.db(ctx)
	sp, m, err := s.stewardOrAdmin(db, a, "slug = ?", slug)
	if err != nil {
		return nil, err
	}
	stewarded, err := hasSteward(db, sp.ID)
	if err != nil {
		return nil, err
	}
	steward := m != nil && m.Steward
	return &StewardDesk{
		Space: s.viewOf(a, sp, m, false), AsAdmin: !steward, Stewarded: stewarded,
		CanOffer: steward || !stewarded,
	}, nil
}

// DeskMember is a member as the stewardship page lists them: the member
// list's fields, and whether the steward duty has been offered to them.
type DeskMember struct {
	ID           int64
	Name         string
	JoinedAt     time.Time
	Steward      bool
	OfferPending bool
}

// DeskMembers lists a space's members by name for its stewards and admins.
func (s *Store) DeskMembers(ctx context.Context, a Actor, slug string, p Page) ([]DeskMember, string, error) {
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
	q := db.Table("memberships").
		Select("members.id, members.name, memberships.joined_at, memberships.steward, "+
			"EXISTS (SELECT 1 FROM steward_offers so WHERE so.space_id = memberships.space_id "+
			"AND so.member_id = memberships.member_id AND so.status = ?) AS offer_pending", OfferPending).
		Joins("JOIN members ON members.id = memberships.member_id").
		Where("memberships.space_id = ?", sp.ID)
	return pageByName(q, c, limit, "members.name", "members.id", func(r *DeskMember) (string, int64) { return r.Name, r.ID })
}

// UnstewardedSpaces lists, for admins, the spaces that are not archived and
// in which nobody holds the steward duty, ordered by name. They keep
// working; an admin may offer the duty to one of their members.
func (s *Store) UnstewardedSpaces(ctx context.Context, a Actor, p Page) ([]SpaceView, string, error) {
	if !a.SignedIn() {
		return nil, "", errSignInRequired
	}
	if !a.Admin {
		return nil, "", Errorf(CodeForbidden, "Only admins see the spaces without a steward.")
	}
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(p.Limit)
	db := s.db(ctx)
	q := db.Model(&Space{}).Where("archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM memberships WHERE memberships.space_id = spaces.id AND memberships.steward = ?)", true)
	spaces, next, err := pageByName(q, c, limit, "name", "id", spaceKey)
	if err != nil {
		return nil, "", err
	}
	views, err := s.viewsOf(db, a, spaces)
	return views, next, err
}
