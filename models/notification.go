package models

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Notification tells a member of something that concerns them. Data names
// what it is about (space, invitation_id, thread_id ...) as a JSON object.
type Notification struct {
	ID        int64
	MemberID  int64
	Kind      string
	SpaceID   *int64
	Data      string
	ReadAt    *time.Time
	CreatedAt time.Time
}

// Notification kinds.
const (
	NoticeInvitation       = "invitation.received"
	NoticeRequestApproved  = "join_request.approved"
	NoticeRequestDenied    = "join_request.denied"
	NoticeStewardOffer     = "steward_offer.received"
	NoticeRemoved          = "membership.removed"
	NoticeRemovalLifted    = "removal.lifted"
	NoticeProposalOpened   = "purpose_proposal.opened"
	NoticeProposalDecided  = "purpose_proposal.decided"
	NoticeReply            = "post.replied"
	NoticeStewardAccepted  = "steward_offer.accepted"
	NoticeInvitationAnswer = "invitation.answered"
)

// NoticeData is what a notification is about; the keys are part of the API.
type NoticeData map[string]any

func spaceRef(sp *Space) map[string]any {
	return map[string]any{"slug": sp.Slug, "name": sp.Name}
}

// notify writes one notification inside the caller's transaction, and the
// event that brings it to the person's open pages.
func notify(tx *gorm.DB, memberID int64, kind string, sp *Space, data NoticeData, now time.Time) error {
	n, err := newNotification(memberID, kind, sp, data, now)
	if err != nil {
		return err
	}
	n.ID, err = plain(tx).insert(`INSERT INTO notifications (member_id, kind, space_id, data, created_at) VALUES (?, ?, ?, ?, ?)`,
		n.MemberID, n.Kind, n.SpaceID, n.Data, n.CreatedAt)
	if err != nil {
		return err
	}
	return emitNotification(tx, n)
}

// notifyMembers tells every current member of a space, except one. People
// who left hear nothing more about it.
func notifyMembers(tx *gorm.DB, sp *Space, except int64, kind string, data NoticeData, now time.Time) error {
	var ids []int64
	if err := tx.Model(&Membership{}).Where("space_id = ? AND member_id <> ?", sp.ID, except).Order("member_id").Pluck("member_id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	tmpl, err := newNotification(0, kind, sp, data, now)
	if err != nil {
		return err
	}
	ns := make([]Notification, len(ids))
	for i, id := range ids {
		ns[i] = *tmpl
		ns[i].MemberID = id
	}
	if err := tx.CreateInBatches(&ns, 500).Error; err != nil {
		return err
	}
	for i := range ns {
		if err := emitNotification(tx, &ns[i]); err != nil {
			return err
		}
	}
	return nil
}

func newNotification(memberID int64, kind string, sp *Space, data NoticeData, now time.Time) (*Notification, error) {
	if data == nil {
		data = NoticeData{}
	}
	var spaceID *int64
	if sp != nil {
		data["space"] = spaceRef(sp)
		spaceID = &sp.ID
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return &Notification{MemberID: memberID, Kind: kind, SpaceID: spaceID, Data: string(b), CreatedAt: now}, nil
}

// Notifications lists the actor's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, a Actor, p Page) ([]Notification, string, error) {
	if !a.SignedIn() {
		return nil, "", errSignInRequired
	}
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(p.Limit)
	q := s.db(ctx).Model(&Notification{}).Where("member_id = ?", a.ID)
	return pageByID(q, c, limit, "id", true, func(r *Notification) int64 { return r.ID })
}

// UnreadCount counts the actor's unread notifications, for the header.
func (s *Store) UnreadCount(ctx context.Context, a Actor) (int64, error) {
	if !a.SignedIn() {
		return 0, nil
	}
	// A plain statement: GORM's Count cost twice SQLite's own work.
	var n int64
	err := plain(s.db(ctx)).row(`SELECT `+unreadOf+`?)`, a.ID).Scan(&n)
	return n, err
}

// unreadOf counts a member's unread notifications: the member's id follows
// it, then a closing parenthesis. Every signed-in page shows the count, read
// with the session (SessionByToken) or by UnreadCount.
const unreadOf = `(SELECT count(*) FROM notifications n WHERE n.read_at IS NULL AND n.member_id = `

// MarkNotificationsRead marks the given notifications of the actor read, or
// all of them when ids is empty. Ids of other people's notifications change
// nothing.
func (s *Store) MarkNotificationsRead(ctx context.Context, a Actor, ids []int64) error {
	if !a.SignedIn() {
		return errSignInRequired
	}
	if len(ids) > s.limits.MaxPageSize {
		return invalid("ids", "Mark at most %d notifications at once, or all by sending none.", s.limits.MaxPageSize)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&Notification{}).Where("member_id = ? AND read_at IS NULL", a.ID)
		if len(ids) > 0 {
			q = q.Where("id IN ?", ids)
		}
		return q.Update("read_at", s.clock()).Error
	})
}

// NotificationByID returns one of the actor's own notifications.
func (s *Store) NotificationByID(ctx context.Context, a Actor, id int64) (*Notification, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var n Notification
	err := s.db(ctx).Where("id = ? AND member_id = ?", id, a.ID).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, Errorf(CodeNotFound, "No such notification of yours.")
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}
