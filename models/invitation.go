package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Invitation is a member's invitation to a person to join a space. Only the
// invitee answers it; accepting affirms the purpose like a join. It expires,
// and the inviter or a steward may withdraw it while it is pending.
type Invitation struct {
	ID         int64
	SpaceID    int64
	InviterID  *int64
	InviteeID  int64
	Status     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AnsweredAt *time.Time // when it stopped being pending: answered or withdrawn
}

// Invitation statuses. An invitation past ExpiresAt that is still pending
// counts as expired (InvitationExpired is shown, never stored).
const (
	InvitationPending   = "pending"
	InvitationAccepted  = "accepted"
	InvitationDeclined  = "declined"
	InvitationWithdrawn = "withdrawn"
	InvitationExpired   = "expired"
)

// InvitationView is an invitation with what people see of it: the space and
// its current purpose, and the names of the inviter and the invitee.
type InvitationView struct {
	Invitation          `gorm:"embedded"`
	SpaceSlug           string
	SpaceName           string
	SpaceVisibility     Visibility
	SpacePurpose        string
	SpacePurposeVersion int
	InviterName         string // "" when the inviter's account is gone
	InviteeName         string
	Expired             bool `gorm:"-"` // pending, but past its date
	CanWithdraw         bool `gorm:"-"` // the actor it was read for may withdraw it
}

// State is the status as people see it: a pending invitation past its date
// is expired.
func (v InvitationView) State() string {
	if v.Status == InvitationPending && v.Expired {
		return InvitationExpired
	}
	return v.Status
}

var errInvitationNotFound = Errorf(CodeNotFound, "No such invitation for you.")

// pendingInvitations selects the ids of the spaces to which the person holds
// an invitation that is pending and not yet expired.
func pendingInvitations(db *gorm.DB, memberID int64, now time.Time) *gorm.DB {
	return db.Model(&Invitation{}).Select("space_id").
		Where("invitee_id = ? AND status = ? AND expires_at > ?", memberID, InvitationPending, now)
}

// isInvited reports whether the person holds a pending, unexpired invitation
// to the space. It reads the store's clock through the handle (gorm's NowFunc
// is the store's clock), so that loadSpace, which has no store, agrees with
// visibleSpaces.
func isInvited(db *gorm.DB, memberID, spaceID int64) (bool, error) {
	var n int64
	err := pendingInvitations(db, memberID, db.NowFunc()).Where("space_id = ?", spaceID).Count(&n).Error
	return n > 0, err
}

// Invite invites a person to a space. Any member may. The invitation makes
// no membership: only the invitee's own acceptance does. The invitee is told;
// the invitation expires after the instance's invitation TTL.
func (s *Store) Invite(ctx context.Context, a Actor, slug string, inviteeID int64) (*InvitationView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out *InvitationView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sp, m, err := loadSpace(tx, a, "slug = ?", slug)
		if err != nil {
			return err
		}
		if !s.canSee(a, sp, m) {
			return errSpaceNotFound
		}
		if m == nil {
			return Errorf(CodeNotMember, "Only members of %s may invite people to it.", sp.Name)
		}
		if sp.ArchivedAt != nil {
			return Errorf(CodeArchived, "%s is archived and takes no new members.", sp.Name)
		}
		invitee, err := s.checkInvitee(tx, a, sp, inviteeID)
		if err != nil {
			return err
		}
		ids, err := createInvitations(tx, a, sp, []int64{invitee.ID}, s.clock(), s.policy.InvitationTTL)
		if errors.Is(err, gorm.ErrDuplicatedKey) { // another member invited them a moment ago
			return Errorf(CodeInvitationPending, "%s already has an invitation to %s waiting for an answer.", invitee.Name, sp.Name)
		}
		if err != nil {
			return err
		}
		out, err = invitationView(tx, ids[0])
		return err
	})
	return out, err
}

// checkInvitee refuses to invite the inviter, an unknown person, a member, a
// person removed from the space, or one already invited. A lapsed invitation
// does not stand in the way: it is closed, so the person can be invited again.
func (s *Store) checkInvitee(tx *gorm.DB, a Actor, sp *Space, inviteeID int64) (*Member, error) {
	if inviteeID <= 0 {
		return nil, invalid("member_id", "Say whom to invite: member_id is the id of a member of this instance.")
	}
	if inviteeID == a.ID {
		return nil, invalid("member_id", "You cannot invite yourself.")
	}
	var person Member
	if err := tx.Take(&person, inviteeID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, &Error{Code: CodeNotFound, Field: "member_id", Message: "No such member."}
		}
		return nil, err
	}
	m, err := membershipOf(tx, Actor{ID: person.ID}, sp.ID)
	if err != nil {
		return nil, err
	}
	if m != nil {
		return nil, Errorf(CodeAlreadyMember, "%s is already a member of %s.", person.Name, sp.Name)
	}
	if err := checkNotRemoved(tx, sp, person.ID); err != nil {
		if ErrorCode(err) == CodeRemoved {
			return nil, Errorf(CodeRemoved, "%s was removed from %s; a steward or an admin must lift the removal before they can be invited.", person.Name, sp.Name)
		}
		return nil, err
	}
	var prior []Invitation
	if err := tx.Where("space_id = ? AND invitee_id = ? AND status = ?", sp.ID, person.ID, InvitationPending).Limit(1).Find(&prior).Error; err != nil {
		return nil, err
	}
	if len(prior) > 0 {
		now := s.clock()
		if now.Before(prior[0].ExpiresAt) {
			return nil, Errorf(CodeInvitationPending, "%s already has an invitation to %s waiting for an answer.", person.Name, sp.Name)
		}
		// The stored statuses have no "expired" (expiry is read from
		// expires_at), and one invitation may be pending per person and
		// space; a lapsed one is closed as withdrawn when a new one replaces it.
		err := tx.Model(&Invitation{}).Where("id = ? AND status = ?", prior[0].ID, InvitationPending).
			Updates(map[string]any{"status": InvitationWithdrawn, "answered_at": now}).Error
		if err != nil {
			return nil, err
		}
		err = audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &person.ID, SpaceID: &sp.ID, Action: "invitation.withdrawn",
			Reason: "expired; replaced by a new invitation", CreatedAt: now})
		if err != nil {
			return nil, err
		}
	}
	return &person, nil
}

// createInvitations invites each person to the space in a few statements
// (a successor invites a whole space's members), audits each invitation and
// tells each invitee. The callers have checked the invitees.
func createInvitations(tx *gorm.DB, a Actor, sp *Space, inviteeIDs []int64, now time.Time, ttl time.Duration) ([]int64, error) {
	if len(inviteeIDs) == 0 {
		return nil, nil
	}
	invs := make([]Invitation, len(inviteeIDs))
	for i, id := range inviteeIDs {
		invs[i] = Invitation{SpaceID: sp.ID, InviterID: &a.ID, InviteeID: id, Status: InvitationPending, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	}
	if err := tx.CreateInBatches(&invs, 200).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(invs))
	entries := make([]AuditEntry, len(invs))
	notices := make([]*Notification, len(invs))
	for i := range invs {
		ids[i] = invs[i].ID
		entries[i] = AuditEntry{ActorID: &a.ID, SubjectID: &invs[i].InviteeID, SpaceID: &sp.ID, Action: "invitation.created", CreatedAt: now}
		n, err := newNotification(invs[i].InviteeID, NoticeInvitation, sp, NoticeData{
			"invitation_id": invs[i].ID,
			"inviter":       map[string]any{"id": a.ID, "name": a.Name},
			"expires_at":    invs[i].ExpiresAt,
		}, now)
		if err != nil {
			return nil, err
		}
		notices[i] = n
	}
	if err := tx.CreateInBatches(entries, 200).Error; err != nil {
		return nil, err
	}
	if err := tx.CreateInBatches(notices, 200).Error; err != nil {
		return nil, err
	}
	for i, n := range notices {
		if err := emitNotification(tx, n); err != nil {
			return nil, err
		}
		err := emit(tx, MemberTopic(n.MemberID), EventInvitation, map[string]any{
			"invitation_id": invs[i].ID, "space": spaceRef(sp), "inviter": map[string]any{"id": a.ID, "name": a.Name},
		})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// AcceptInvitation makes the actor a member of the space they were invited
// to, affirming its current purpose exactly as a join does: a missing or stale
// version is refused with purpose_not_affirmed. Only the invitee may answer;
// to anyone else the invitation does not exist.
//
// An invitation admits to spaces of every visibility. In a space by request
// it needs no steward's approval: the invitation is a member's welcome, and
// the invitee's acceptance is their own act of joining.
func (s *Store) AcceptInvitation(ctx context.Context, a Actor, id int64, affirmedVersion int) (*InvitationView, *Membership, error) {
	var m *Membership
	v, err := s.answerInvitation(ctx, a, id, InvitationAccepted, func(tx *gorm.DB, sp *Space, inv *Invitation, now time.Time) error {
		if affirmedVersion != sp.PurposeVersion {
			return &Error{Code: CodePurposeNotAffirmed, Field: "affirm_purpose_version",
				Message: "Read and affirm the current purpose of " + sp.Name + " (version " + itoa(sp.PurposeVersion) + ") to accept."}
		}
		if err := checkNotRemoved(tx, sp, a.ID); err != nil {
			return err
		}
		var err error
		if m, err = admit(tx, a, sp, a.ID, affirmedVersion, "invitation.accepted", now); err != nil {
			return err
		}
		// A request to join that the person left waiting is moot now; it is
		// theirs, so they withdraw it ("withdrawn" is a join request status of
		// the schema).
		up := tx.Model(&JoinRequest{}).Where("space_id = ? AND member_id = ? AND status = ?", sp.ID, a.ID, RequestPending).
			Updates(map[string]any{"status": "withdrawn", "decided_at": now, "decided_by": a.ID})
		if up.Error != nil || up.RowsAffected == 0 {
			return up.Error
		}
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "join_request.withdrawn",
			Reason: "joined by accepting an invitation", CreatedAt: now})
	})
	if err != nil {
		return nil, nil, err
	}
	return v, m, nil
}

// DeclineInvitation declines an invitation addressed to the actor.
func (s *Store) DeclineInvitation(ctx context.Context, a Actor, id int64) (*InvitationView, error) {
	return s.answerInvitation(ctx, a, id, InvitationDeclined, func(tx *gorm.DB, sp *Space, inv *Invitation, now time.Time) error {
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, SpaceID: &sp.ID, Action: "invitation.declined", CreatedAt: now})
	})
}

// answerInvitation loads an invitation for its invitee and, while it is
// pending and unexpired, closes it with the answer and tells the inviter.
func (s *Store) answerInvitation(ctx context.Context, a Actor, id int64, status string, answer func(*gorm.DB, *Space, *Invitation, time.Time) error) (*InvitationView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out *InvitationView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var inv Invitation
		if err := tx.Where("id = ? AND invitee_id = ?", id, a.ID).Take(&inv).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errInvitationNotFound
			}
			return err
		}
		sp, m, err := loadSpace(tx, a, "id = ?", inv.SpaceID)
		if err != nil {
			return err
		}
		now := s.clock()
		if err := checkOpen(&inv, sp, now); err != nil {
			return err
		}
		if status == InvitationAccepted {
			if m != nil {
				return Errorf(CodeAlreadyMember, "You are already a member of %s.", sp.Name)
			}
			if sp.ArchivedAt != nil {
				return Errorf(CodeArchived, "%s is archived and takes no new members.", sp.Name)
			}
		}
		if err := closeInvitation(tx, &inv, status, now); err != nil {
			return err
		}
		if err := answer(tx, sp, &inv, now); err != nil {
			return err
		}
		if inv.InviterID != nil {
			err := notify(tx, *inv.InviterID, NoticeInvitationAnswer, sp, NoticeData{
				"invitation_id": inv.ID, "answer": status, "invitee": map[string]any{"id": a.ID, "name": a.Name},
			}, now)
			if err != nil {
				return err
			}
		}
		out, err = invitationView(tx, inv.ID)
		return err
	})
	return out, err
}

// checkOpen refuses to act on an invitation that is no longer pending.
func checkOpen(inv *Invitation, sp *Space, now time.Time) error {
	if inv.Status != InvitationPending {
		return Errorf(CodeAlreadyDecided, "This invitation to %s was already %s.", sp.Name, inv.Status)
	}
	if !now.Before(inv.ExpiresAt) {
		return Errorf(CodeExpired, "This invitation to %s expired on %s; ask a member to invite you again.", sp.Name, inv.ExpiresAt.Format("2 Jan 2006"))
	}
	return nil
}

// closeInvitation moves a pending invitation to its final status, once: of
// two requests racing to answer, the second finds it decided.
func closeInvitation(tx *gorm.DB, inv *Invitation, status string, now time.Time) error {
	up := tx.Model(&Invitation{}).Where("id = ? AND status = ?", inv.ID, InvitationPending).
		Updates(map[string]any{"status": status, "answered_at": now})
	if up.Error != nil {
		return up.Error
	}
	if up.RowsAffected != 1 {
		return Errorf(CodeAlreadyDecided, "This invitation was already answered.")
	}
	inv.Status, inv.AnsweredAt = status, &now
	return nil
}

// WithdrawInvitation takes back a pending invitation. The inviter may, and so
// may the space's stewards. Members of the space who may do neither are
// refused; to everyone else the invitation does not exist.
func (s *Store) WithdrawInvitation(ctx context.Context, a Actor, id int64) (*InvitationView, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out *InvitationView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var inv Invitation
		if err := tx.Take(&inv, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errInvitationNotFound
			}
			return err
		}
		sp, m, err := loadSpace(tx, a, "id = ?", inv.SpaceID)
		if err != nil {
			return err
		}
		if !canWithdraw(a, &inv, m) {
			if m == nil && inv.InviteeID != a.ID {
				return errInvitationNotFound
			}
			return Errorf(CodeForbidden, "Only the person who sent an invitation, or a steward of %s, may withdraw it.", sp.Name)
		}
		now := s.clock()
		if err := checkOpen(&inv, sp, now); err != nil {
			return err
		}
		if err := closeInvitation(tx, &inv, InvitationWithdrawn, now); err != nil {
			return err
		}
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &inv.InviteeID, SpaceID: &sp.ID, Action: "invitation.withdrawn", CreatedAt: now}); err != nil {
			return err
		}
		out, err = invitationView(tx, inv.ID)
		return err
	})
	return out, err
}

// canWithdraw reports whether the actor, with their membership of the space
// (nil when none), may withdraw the invitation: its inviter, or a steward.
func canWithdraw(a Actor, inv *Invitation, m *Membership) bool {
	return (inv.InviterID != nil && *inv.InviterID == a.ID) || (m != nil && m.Steward)
}

func invitationsQuery(db *gorm.DB) *gorm.DB {
	return db.Table("invitations").
		Select("invitations.*, spaces.slug AS space_slug, spaces.name AS space_name, spaces.visibility AS space_visibility, " +
			"spaces.purpose AS space_purpose, spaces.purpose_version AS space_purpose_version, " +
			"COALESCE(inviter.name, '') AS inviter_name, invitee.name AS invitee_name").
		Joins("JOIN spaces ON spaces.id = invitations.space_id").
		Joins("JOIN members invitee ON invitee.id = invitations.invitee_id").
		Joins("LEFT JOIN members inviter ON inviter.id = invitations.inviter_id")
}

func invitationView(db *gorm.DB, id int64) (*InvitationView, error) {
	var out []InvitationView
	if err := invitationsQuery(db).Where("invitations.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errInvitationNotFound
	}
	out[0].Expired = !db.NowFunc().Before(out[0].ExpiresAt)
	return &out[0], nil
}

// pageOfInvitations reads one page of invitations, newest first.
func (s *Store) pageOfInvitations(q *gorm.DB, p Page) ([]InvitationView, string, error) {
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(p.Limit)
	return pageByID(q, c, limit, "invitations.id", true, func(r *InvitationView) int64 { return r.ID })
}

// MyInvitations lists the invitations waiting for the actor's answer, newest
// first: pending, unexpired, to spaces they do not belong to and that still
// take members.
func (s *Store) MyInvitations(ctx context.Context, a Actor, p Page) ([]InvitationView, string, error) {
	if !a.SignedIn() {
		return nil, "", errSignInRequired
	}
	db := s.db(ctx)
	q := invitationsQuery(db).
		Where("invitations.invitee_id = ? AND invitations.status = ? AND invitations.expires_at > ?", a.ID, InvitationPending, s.clock()).
		Where("spaces.archived_at IS NULL").
		Where("invitations.space_id NOT IN (?)", db.Model(&Membership{}).Select("space_id").Where("member_id = ?", a.ID))
	return s.pageOfInvitations(q, p)
}

// SpaceInvitations lists a space's pending invitations, newest first, for
// its members, marking those the actor may withdraw.
func (s *Store) SpaceInvitations(ctx context.Context, a Actor, slug string, p Page) ([]InvitationView, string, error) {
	db := s.db(ctx)
	sp, m, err := s.spaceForMembers(db, a, slug, "Only members of %s see whom it has invited.")
	if err != nil {
		return nil, "", err
	}
	q := invitationsQuery(db).
		Where("invitations.space_id = ? AND invitations.status = ? AND invitations.expires_at > ?", sp.ID, InvitationPending, s.clock())
	out, next, err := s.pageOfInvitations(q, p)
	for i := range out {
		out[i].CanWithdraw = canWithdraw(a, &out[i].Invitation, m)
	}
	return out, next, err
}

// spaceForMembers loads a space for an act of its members: not_found where the
// actor may not know it exists, not_a_member (with the message, which names
// the space) where they see it without belonging to it.
func (s *Store) spaceForMembers(db *gorm.DB, a Actor, slug, notMember string) (*Space, *Membership, error) {
	if !a.SignedIn() {
		return nil, nil, errSignInRequired
	}
	sp, m, err := loadSpace(db, a, "slug = ?", slug)
	if err != nil {
		return nil, nil, err
	}
	if !s.canSee(a, sp, m) {
		return nil, nil, errSpaceNotFound
	}
	if m == nil {
		return nil, nil, Errorf(CodeNotMember, notMember, sp.Name)
	}
	return sp, m, nil
}

// myInvitation returns the actor's pending, unexpired invitation to a space,
// or nil.
func (s *Store) myInvitation(db *gorm.DB, a Actor, sp *Space) (*InvitationView, error) {
	if !a.SignedIn() {
		return nil, nil
	}
	var out []InvitationView
	err := invitationsQuery(db).
		Where("invitations.space_id = ? AND invitations.invitee_id = ? AND invitations.status = ? AND invitations.expires_at > ?", sp.ID, a.ID, InvitationPending, s.clock()).
		Limit(1).Scan(&out).Error
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}
