package models

import (
	"context"

	"gorm.io/gorm"
)

// SpaceFilter narrows a list of spaces.
type SpaceFilter struct {
	Membership string // "" for every visible space, "mine" for the actor's, "others" for the rest
	Page
}

// ListSpaces returns the spaces the actor may see, ordered by name, with the
// actor's membership of each. Visibility is part of the query, so paging
// never skips or reveals a space.
func (s *Store) ListSpaces(ctx context.Context, a Actor, f SpaceFilter) ([]SpaceView, string, error) {
	c, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(f.Limit)
	db := s.db(ctx)
	q := s.visibleSpaces(db, a)
	switch f.Membership {
	case "mine":
		q = q.Where("id IN (?)", db.Model(&Membership{}).Select("space_id").Where("member_id = ?", a.ID))
	case "others":
		q = q.Where("id NOT IN (?)", db.Model(&Membership{}).Select("space_id").Where("member_id = ?", a.ID))
	}
	spaces, next, err := pageByName(q, c, limit, "name", "id", spaceKey)
	if err != nil {
		return nil, "", err
	}
	views, err := s.viewsOf(db, a, spaces)
	return views, next, err
}

// visibleSpaces is canSee written as a query.
func (s *Store) visibleSpaces(db *gorm.DB, a Actor) *gorm.DB {
	q := db.Model(&Space{})
	if !a.SignedIn() {
		if s.policy.PublicRead {
			return q.Where("visibility = ?", VisibilityOpen)
		}
		return q.Where("1 = 0")
	}
	return q.Where("visibility IN ? OR id IN (?) OR id IN (?)", []Visibility{VisibilityOpen, VisibilityRequest},
		db.Model(&Membership{}).Select("space_id").Where("member_id = ?", a.ID),
		pendingInvitations(db, a.ID, s.clock()))
}

// readableSpaceIDs is canRead written as a subquery of space ids.
func (s *Store) readableSpaceIDs(db *gorm.DB, a Actor) *gorm.DB {
	q := db.Model(&Space{}).Select("id")
	if !a.SignedIn() {
		if s.policy.PublicRead {
			return q.Where("visibility = ?", VisibilityOpen)
		}
		return q.Where("1 = 0")
	}
	return q.Where("visibility = ? OR id IN (?)", VisibilityOpen,
		db.Model(&Membership{}).Select("space_id").Where("member_id = ?", a.ID))
}

// viewsOf attaches the actor's memberships to a list of spaces in one query.
func (s *Store) viewsOf(db *gorm.DB, a Actor, spaces []Space) ([]SpaceView, error) {
	mine := map[int64]*Membership{}
	if a.SignedIn() && len(spaces) > 0 {
		ids := make([]int64, len(spaces))
		for i, sp := range spaces {
			ids[i] = sp.ID
		}
		var ms []Membership
		if err := db.Where("member_id = ? AND space_id IN ?", a.ID, ids).Find(&ms).Error; err != nil {
			return nil, err
		}
		for i := range ms {
			mine[ms[i].SpaceID] = &ms[i]
		}
	}
	views := make([]SpaceView, len(spaces))
	linked := make([]*SpaceView, len(spaces))
	for i := range spaces {
		views[i] = *s.viewOf(a, &spaces[i], mine[spaces[i].ID], false)
		linked[i] = &views[i]
	}
	return views, s.linkSpaces(db, a, linked...)
}

// MemberSpaces lists the spaces a member belongs to, as far as the actor may
// see them, ordered by name.
func (s *Store) MemberSpaces(ctx context.Context, a Actor, memberID int64) ([]SpaceView, error) {
	db := s.db(ctx)
	var spaces []Space
	err := s.visibleSpaces(db, a).
		Where("id IN (?)", db.Model(&Membership{}).Select("space_id").Where("member_id = ?", memberID)).
		Order("lower(name), id").Limit(s.limits.MaxPageSize).Find(&spaces).Error
	if err != nil {
		return nil, err
	}
	return s.viewsOf(db, a, spaces)
}

func spaceKey(sp *Space) (string, int64) { return sp.Name, sp.ID }
