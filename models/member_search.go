package models

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MemberRef is a person as a search for people to invite shows them: a name
// and an id, never an email.
type MemberRef struct {
	ID   int64
	Name string
}

// maxSearchChars bounds a search for people.
const maxSearchChars = 100

// SearchMembers finds people by name (any part of it, ignoring case) or by
// their exact email address, ordered by name, so that a member can find whom
// to invite. It answers names and ids only: an email is matched, never shown.
// Suspended accounts are not found.
func (s *Store) SearchMembers(ctx context.Context, a Actor, q string, p Page) ([]MemberRef, string, error) {
	if !a.SignedIn() {
		return nil, "", errSignInRequired
	}
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, "", invalid("q", "Type part of a name, or an email address, to search for.")
	}
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > maxSearchChars {
		return nil, "", invalid("q", "Search with at most %d characters.", maxSearchChars)
	}
	limit := s.limits.pageSize(p.Limit)
	db := s.db(ctx)
	query := matchingMembers(db, q).Select("id, name")
	return pageByName(query, c, limit, "name", "id", func(r *MemberRef) (string, int64) { return r.Name, r.ID })
}

// matchingMembers selects the members whose name contains q, ignoring case,
// or whose email is q. What people type is matched literally: % and _ are
// not wildcards here.
func matchingMembers(db *gorm.DB, q string) *gorm.DB {
	pattern := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
	return db.Model(&Member{}).
		Where(`(lower(name) LIKE ? ESCAPE '\' OR email = ?) AND suspended_at IS NULL`, pattern, strings.ToLower(q))
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// InviteCandidate is a person found when inviting to a space, with where
// they stand in it.
type InviteCandidate struct {
	MemberRef
	Member  bool // already belongs to the space
	Invited bool // has a pending invitation to it
}

// InviteCandidates searches for people as SearchMembers does, for a member
// of the space who is about to invite, and says of each whether they belong
// to it already or have been invited.
func (s *Store) InviteCandidates(ctx context.Context, a Actor, slug, q string, p Page) ([]InviteCandidate, string, error) {
	db := s.db(ctx)
	sp, _, err := s.spaceForMembers(db, a, slug, "Only members of %s may invite people to it.")
	if err != nil {
		return nil, "", err
	}
	found, next, err := s.SearchMembers(ctx, a, q, p)
	if err != nil || len(found) == 0 {
		return nil, next, err
	}
	ids := make([]int64, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	var members, invited []int64
	if err := db.Model(&Membership{}).Where("space_id = ? AND member_id IN ?", sp.ID, ids).Pluck("member_id", &members).Error; err != nil {
		return nil, "", err
	}
	err = db.Model(&Invitation{}).Where("space_id = ? AND invitee_id IN ? AND status = ? AND expires_at > ?", sp.ID, ids, InvitationPending, s.clock()).
		Pluck("invitee_id", &invited).Error
	if err != nil {
		return nil, "", err
	}
	out := make([]InviteCandidate, len(found))
	for i, f := range found {
		out[i] = InviteCandidate{MemberRef: f, Member: slices.Contains(members, f.ID), Invited: slices.Contains(invited, f.ID)}
	}
	return out, next, nil
}
