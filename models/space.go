package models

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Space is a community of practice: people who chose to join around a shared
// purpose. Purpose holds the current statement; PurposeVersion counts its
// adoptions, starting at 1.
type Space struct {
	ID             int64
	Slug           string
	Name           string
	Visibility     Visibility
	Purpose        string
	PurposeVersion int
	FounderID      *int64
	MemberCount    int
	ThreadCount    int
	CreatedAt      time.Time
	ArchivedAt     *time.Time
	PredecessorID  *int64 // the space this one succeeds, when it was started as a successor
	SuccessorID    *int64 // the space started to succeed this one

	// invitee is not stored: loadSpace sets it to the id of the actor it read
	// the space for when that actor holds a pending invitation to it (see canSee).
	invitee int64
}

// PurposeVersion is one adopted purpose statement of a space; together they
// are its purpose history.
type PurposeVersion struct {
	ID         int64
	SpaceID    int64
	Version    int
	Text       string
	AdoptedAt  time.Time
	ProposalID *int64 // the proposal that adopted it; nil for the founding purpose
}

// SpaceView is a space as one actor sees it.
type SpaceView struct {
	Space
	Membership     *Membership // the actor's own; nil when not a member
	RequestPending bool        // the actor has asked to join and waits for a steward
	CanRead        bool        // may read threads and members
	CanPost        bool        // may start threads and reply

	Invitation  *InvitationView // the actor's pending invitation, when they are not a member
	Predecessor *SpaceRef       // the space this one succeeds, when the actor may see it
	Successor   *SpaceRef       // the space that succeeds this one, when the actor may see it
}

// IsMember reports whether the actor is a member of the space.
func (v SpaceView) IsMember() bool { return v.Membership != nil }

// IsSteward reports whether the actor holds the steward duty in the space.
func (v SpaceView) IsSteward() bool { return v.Membership != nil && v.Membership.Steward }

// NewSpace is what a founder gives to start a space.
type NewSpace struct {
	Slug       string
	Name       string
	Purpose    string
	Visibility Visibility

	// also does more in the founding transaction once the space and its
	// founder's membership exist: StartSuccessor links the spaces and invites.
	also func(tx *gorm.DB, sp *Space, now time.Time) error
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (s *Store) validateSpace(in *NewSpace) error {
	in.Slug = strings.TrimSpace(in.Slug)
	in.Name = strings.TrimSpace(in.Name)
	in.Purpose = strings.TrimSpace(in.Purpose)
	if in.Slug == "" {
		return invalid("slug", "Slug is required.")
	}
	if len(in.Slug) < minSlugLen || len(in.Slug) > maxSlugLen || !slugPattern.MatchString(in.Slug) {
		return invalid("slug", "Slug must be %d to %d lower-case letters, digits and single dashes, like go-guild.", minSlugLen, maxSlugLen)
	}
	if err := checkText("name", "Name", in.Name, 1, s.limits.MaxNameChars); err != nil {
		return err
	}
	if err := checkPurpose(in.Purpose); err != nil {
		return err
	}
	if in.Visibility == "" {
		in.Visibility = VisibilityOpen
	}
	if !in.Visibility.valid() {
		return invalid("visibility", "Visibility must be open, request or invite.")
	}
	return nil
}

func checkPurpose(text string) error {
	return checkText("purpose", "Purpose", text, MinPurposeChars, MaxPurposeChars)
}

// CreateSpace founds a space. The founder becomes its first member, having
// affirmed the purpose they wrote, and its first steward.
func (s *Store) CreateSpace(ctx context.Context, a Actor, in NewSpace) (*SpaceView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	if s.policy.AdminsCreateSpaces && !a.Admin {
		return nil, Errorf(CodeForbidden, "On this instance only admins may start spaces.")
	}
	if err := s.validateSpace(&in); err != nil {
		return nil, err
	}
	now := s.clock()
	sp := &Space{
		Slug: in.Slug, Name: in.Name, Visibility: in.Visibility, Purpose: in.Purpose,
		PurposeVersion: 1, FounderID: &a.ID, MemberCount: 1, CreatedAt: now,
	}
	m := &Membership{MemberID: a.ID, AffirmedVersion: 1, Steward: true, JoinedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Space{}).Where("slug = ?", sp.Slug).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &Error{Code: CodeSlugTaken, Field: "slug", Message: "A space with that slug exists; pick another."}
		}
		if err := tx.Create(sp).Error; err != nil {
			return err
		}
		pv := &PurposeVersion{SpaceID: sp.ID, Version: 1, Text: sp.Purpose, AdoptedAt: now}
		if err := tx.Create(pv).Error; err != nil {
			return err
		}
		m.SpaceID = sp.ID
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		err := auditAll(tx,
			AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "space.created", CreatedAt: now},
			AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "membership.founded", CreatedAt: now},
		)
		if err != nil || in.also == nil {
			return err
		}
		return in.also(tx, sp, now)
	})
	if err != nil {
		return nil, err
	}
	return s.viewOf(a, sp, m, false), nil
}

func auditAll(tx *gorm.DB, entries ...AuditEntry) error {
	for _, e := range entries {
		if err := audit(tx, e); err != nil {
			return err
		}
	}
	return nil
}

// SpaceBySlug returns the space as the actor sees it, or not_found when the
// actor may not know it exists.
func (s *Store) SpaceBySlug(ctx context.Context, a Actor, slug string) (*SpaceView, error) {
	if err := s.requireReader(a); err != nil {
		return nil, err
	}
	db := s.db(ctx)
	sp, m, err := loadSpace(db, a, "slug = ?", slug)
	if err != nil {
		return nil, err
	}
	if !s.canSee(a, sp, m) {
		return nil, errSpaceNotFound
	}
	pending := false
	if m == nil && a.SignedIn() && sp.Visibility == VisibilityRequest {
		var n int64
		err := db.Model(&JoinRequest{}).Where("space_id = ? AND member_id = ? AND status = ?", sp.ID, a.ID, RequestPending).Count(&n).Error
		if err != nil {
			return nil, err
		}
		pending = n > 0
	}
	v := s.viewOf(a, sp, m, pending)
	if m == nil {
		if v.Invitation, err = s.myInvitation(db, a, sp); err != nil {
			return nil, err
		}
	}
	return v, s.linkSpaces(db, a, v)
}

func (s *Store) viewOf(a Actor, sp *Space, m *Membership, pending bool) *SpaceView {
	return &SpaceView{
		Space: *sp, Membership: m, RequestPending: pending,
		CanRead: s.canRead(a, sp, m), CanPost: canPost(sp, m),
	}
}

// readableSpace loads a space whose content the actor may read: not_found
// where they may not know it exists, not_a_member (with the message, which
// names the space) where they see it but may not read it.
func (s *Store) readableSpace(db *gorm.DB, a Actor, slug, notMember string) (*Space, error) {
	if err := s.requireReader(a); err != nil {
		return nil, err
	}
	sp, m, err := loadSpace(db, a, "slug = ?", slug)
	if err != nil {
		return nil, err
	}
	if !s.canSee(a, sp, m) {
		return nil, errSpaceNotFound
	}
	if !s.canRead(a, sp, m) {
		return nil, Errorf(CodeNotMember, notMember, sp.Name)
	}
	return sp, nil
}

// loadSpace reads a space and the actor's membership of it (nil when none).
func loadSpace(db *gorm.DB, a Actor, where string, arg any) (*Space, *Membership, error) {
	var sp Space
	if err := db.Where(where, arg).Take(&sp).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, errSpaceNotFound
		}
		return nil, nil, err
	}
	m, err := membershipOf(db, a, sp.ID)
	if err != nil {
		return nil, nil, err
	}
	if m == nil && a.SignedIn() && sp.Visibility == VisibilityInvite {
		invited, err := isInvited(db, a.ID, sp.ID)
		if err != nil {
			return nil, nil, err
		}
		if invited {
			sp.invitee = a.ID
		}
	}
	return &sp, m, nil
}

// membershipOf returns the actor's membership of a space, or nil.
func membershipOf(db *gorm.DB, a Actor, spaceID int64) (*Membership, error) {
	if !a.SignedIn() {
		return nil, nil
	}
	var ms []Membership
	if err := db.Where("space_id = ? AND member_id = ?", spaceID, a.ID).Limit(1).Find(&ms).Error; err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	return &ms[0], nil
}

// PurposeHistory returns every adopted purpose of a space, newest first.
func (s *Store) PurposeHistory(ctx context.Context, a Actor, slug string) ([]PurposeVersion, error) {
	v, err := s.SpaceBySlug(ctx, a, slug)
	if err != nil {
		return nil, err
	}
	var out []PurposeVersion
	err = s.db(ctx).Where("space_id = ?", v.ID).Order("version DESC").Find(&out).Error
	return out, err
}

// CanEdit reports whether the actor this view was made for may edit p: the
// same rule that EditPost enforces.
func (v SpaceView) CanEdit(p Post) bool {
	if v.Membership == nil {
		return false
	}
	return canEdit(Actor{ID: v.Membership.MemberID}, &p, v.Membership)
}
