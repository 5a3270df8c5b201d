package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// JoinRequestView is a pending request as the stewards see it.
type JoinRequestView struct {
	JoinRequest `gorm:"embedded"`
	MemberName  string
	SpaceSlug   string
	SpaceName   string
}

// stewardOf loads a space by a condition and refuses unless the actor holds
// the steward duty there. Those who may not see the space get not_found.
func (s *Store) stewardOf(db *gorm.DB, a Actor, where string, arg any) (*Space, *Membership, error) {
	if !a.SignedIn() {
		return nil, nil, errSignInRequired
	}
	sp, m, err := loadSpace(db, a, where, arg)
	if err != nil {
		return nil, nil, err
	}
	if !s.canSee(a, sp, m) {
		return nil, nil, errSpaceNotFound
	}
	if m == nil || !m.Steward {
		return nil, nil, Errorf(CodeNotSteward, "Only stewards of %s may do that.", sp.Name)
	}
	return sp, m, nil
}

// JoinRequests lists the pending requests to join a space, oldest first, for
// its stewards.
func (s *Store) JoinRequests(ctx context.Context, a Actor, slug string, p Page) ([]JoinRequestView, string, error) {
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	db := s.db(ctx)
	sp, _, err := s.stewardOf(db, a, "slug = ?", slug)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(p.Limit)
	q := db.Table("join_requests").
		Select("join_requests.*, members.name AS member_name, spaces.slug AS space_slug, spaces.name AS space_name").
		Joins("JOIN members ON members.id = join_requests.member_id").
		Joins("JOIN spaces ON spaces.id = join_requests.space_id").
		Where("join_requests.space_id = ? AND join_requests.status = ?", sp.ID, RequestPending)
	return pageByID(q, c, limit, "join_requests.id", false, func(r *JoinRequestView) int64 { return r.ID })
}

// ApproveJoinRequest admits the person who asked, with the purpose version
// they affirmed when asking, and tells them. If the purpose has changed since,
// the request is stale: the person must read the new purpose and ask again.
func (s *Store) ApproveJoinRequest(ctx context.Context, a Actor, id int64, message string) (*Membership, *Space, error) {
	var m *Membership
	var space *Space
	err := s.decideJoinRequest(ctx, a, id, message, func(tx *gorm.DB, sp *Space, req *JoinRequest, now time.Time) error {
		space = sp
		if req.AffirmedVersion != sp.PurposeVersion {
			return Errorf(CodePurposeNotAffirmed, "The purpose of %s changed after this request; the person must affirm the new purpose and ask again.", sp.Name)
		}
		if err := checkNotRemoved(tx, sp, req.MemberID); err != nil {
			return err
		}
		var err error
		// The membership completes the person's own request.
		m, err = admit(tx, a, sp, req.MemberID, req.AffirmedVersion, "join_request.approved", now)
		if err != nil {
			return err
		}
		req.Status = RequestApproved
		return notify(tx, req.MemberID, NoticeRequestApproved, sp, NoticeData{"join_request_id": req.ID, "message": req.Response}, now)
	})
	if err != nil {
		return nil, nil, err
	}
	return m, space, nil
}

// DenyJoinRequest declines a request, optionally with a message, and tells
// the person.
func (s *Store) DenyJoinRequest(ctx context.Context, a Actor, id int64, message string) (*Space, error) {
	var space *Space
	err := s.decideJoinRequest(ctx, a, id, message, func(tx *gorm.DB, sp *Space, req *JoinRequest, now time.Time) error {
		space = sp
		req.Status = RequestDenied
		if err := audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &req.MemberID, SpaceID: &sp.ID, Action: "join_request.denied", Reason: req.Response, CreatedAt: now}); err != nil {
			return err
		}
		return notify(tx, req.MemberID, NoticeRequestDenied, sp, NoticeData{"join_request_id": req.ID, "message": req.Response}, now)
	})
	if err != nil {
		return nil, err
	}
	return space, nil
}

func (s *Store) decideJoinRequest(ctx context.Context, a Actor, id int64, message string, decide func(*gorm.DB, *Space, *JoinRequest, time.Time) error) error {
	message = strings.TrimSpace(message)
	if err := checkText("message", "Message", message, 0, s.limits.MaxNoteChars); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var req JoinRequest
		if err := tx.Take(&req, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Errorf(CodeNotFound, "No such join request.")
			}
			return err
		}
		sp, _, err := s.stewardOf(tx, a, "id = ?", req.SpaceID)
		if err != nil {
			return err
		}
		if req.Status != RequestPending {
			return Errorf(CodeAlreadyDecided, "This request was already %s.", req.Status)
		}
		now := s.clock()
		req.Response = message
		if err := decide(tx, sp, &req, now); err != nil {
			return err
		}
		return tx.Model(&req).Updates(map[string]any{"status": req.Status, "response": message, "decided_at": now, "decided_by": a.ID}).Error
	})
}
