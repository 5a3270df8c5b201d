package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Closing a proposal: at the end of its window (the sweep, or the first read
// after it), or as soon as every current member has responded. Each close
// runs in one transaction that holds the proposal's row, so a proposal is
// decided once, whichever instance gets there first.

// lockOpen takes the proposal's row for the rest of the transaction and
// reports whether it is still open. On PostgreSQL a second transaction waits
// here until the first commits, then sees what the first left.
func lockOpen(tx *gorm.DB, id int64) (bool, error) {
	res := tx.Exec("UPDATE purpose_proposals SET status = status WHERE id = ? AND status = ?", id, ProposalOpen)
	return res.RowsAffected == 1, res.Error
}

// tally counts the responses of the space's current members and the members.
// People who left have no say in what the purpose becomes.
func tally(tx *gorm.DB, p *PurposeProposal) (consents, objections, members int, err error) {
	var r struct{ Consents, Total int }
	err = tx.Raw(`SELECT COALESCE(SUM(CASE WHEN r.consent THEN 1 ELSE 0 END), 0) AS consents, COUNT(*) AS total
		FROM proposal_responses r JOIN memberships m ON m.member_id = r.member_id AND m.space_id = ?
		WHERE r.proposal_id = ?`, p.SpaceID, p.ID).Scan(&r).Error
	if err != nil {
		return 0, 0, 0, err
	}
	var n int64
	if err := tx.Model(&Membership{}).Where("space_id = ?", p.SpaceID).Count(&n).Error; err != nil {
		return 0, 0, 0, err
	}
	return r.Consents, r.Total - r.Consents, int(n), nil
}

// closeIfDue closes an open proposal whose window has ended or to which every
// current member has responded.
func (s *Store) closeIfDue(tx *gorm.DB, p *PurposeProposal, now time.Time) (bool, error) {
	if p.Status != ProposalOpen {
		return false, nil
	}
	if now.Before(p.ClosesAt) {
		c, o, members, err := tally(tx, p)
		if err != nil || c+o < members {
			return false, err
		}
	}
	return s.closeProposal(tx, p, now)
}

// closeProposal decides an open proposal: adopted when the quorum responded
// and two thirds of the responses consent, declined otherwise. Adoption raises
// the space's purpose version and keeps the new text in its history. Every
// member is told either way. It reports false, changing nothing, when another
// transaction (perhaps on another instance) closed the proposal first.
func (s *Store) closeProposal(tx *gorm.DB, p *PurposeProposal, now time.Time) (bool, error) {
	if open, err := lockOpen(tx, p.ID); err != nil || !open {
		return false, err
	}
	consents, objections, members, err := tally(tx, p)
	if err != nil {
		return false, err
	}
	quorum := s.Quorum(members)
	status := ProposalDeclined
	if adopts(consents, objections, quorum) {
		status = ProposalAdopted
	}
	res := tx.Exec(`UPDATE purpose_proposals SET status = ?, closed_at = ?, consents = ?, objections = ?, members_at_close = ?
		WHERE id = ? AND status = ?`, status, now, consents, objections, members, p.ID, ProposalOpen)
	if res.Error != nil || res.RowsAffected != 1 {
		return false, res.Error
	}
	var sp Space
	if err := tx.Take(&sp, p.SpaceID).Error; err != nil {
		return false, err
	}
	if status == ProposalAdopted {
		next := sp.PurposeVersion + 1
		res := tx.Exec("UPDATE spaces SET purpose = ?, purpose_version = ? WHERE id = ? AND purpose_version = ?", p.Text, next, sp.ID, sp.PurposeVersion)
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected != 1 {
			return false, fmt.Errorf("adopt proposal %d: the purpose of space %d changed meanwhile", p.ID, sp.ID)
		}
		if err := tx.Create(&PurposeVersion{SpaceID: sp.ID, Version: next, Text: p.Text, AdoptedAt: now, ProposalID: &p.ID}).Error; err != nil {
			return false, err
		}
		sp.Purpose, sp.PurposeVersion = p.Text, next
		if err := emit(tx, SpaceTopic(sp.Slug), EventPurposeChanged, map[string]any{
			"purpose": map[string]any{"text": sp.Purpose, "version": sp.PurposeVersion}, "proposal_id": p.ID,
		}); err != nil {
			return false, err
		}
	}
	p.Status, p.ClosedAt, p.Consents, p.Objections, p.MembersAtClose = status, &now, consents, objections, members
	reason := fmt.Sprintf("%d consent, %d object; %d of %d members responded, quorum %d", consents, objections, consents+objections, members, quorum)
	if err := audit(tx, AuditEntry{SubjectID: p.ProposerID, SpaceID: &sp.ID, Action: "purpose." + status, Reason: reason, CreatedAt: now}); err != nil {
		return false, err
	}
	data := NoticeData{"proposal_id": p.ID, "outcome": status, "version": sp.PurposeVersion}
	if p.ThreadID != nil {
		data["thread_id"] = *p.ThreadID
	}
	return true, notifyMembers(tx, &sp, 0, NoticeProposalDecided, data, now)
}

// dueProposalIDs lists the open proposals (of one space, or of all when
// spaceID is 0) whose window has ended or to which every current member has
// responded.
func dueProposalIDs(db *gorm.DB, spaceID int64, now time.Time) ([]int64, error) {
	q := db.Table("purpose_proposals AS p").Where("p.status = ?", ProposalOpen).
		Where(`(p.closes_at <= ? OR (SELECT COUNT(*) FROM memberships m WHERE m.space_id = p.space_id) <=
			(SELECT COUNT(*) FROM proposal_responses r JOIN memberships m ON m.member_id = r.member_id AND m.space_id = p.space_id
			 WHERE r.proposal_id = p.id))`, now)
	if spaceID != 0 {
		q = q.Where("p.space_id = ?", spaceID)
	}
	var ids []int64
	return ids, q.Order("p.id").Pluck("p.id", &ids).Error
}

// closeDue closes, inside the caller's transaction, the due proposals of a space.
func (s *Store) closeDue(tx *gorm.DB, spaceID int64, now time.Time) (int, error) {
	ids, err := dueProposalIDs(tx, spaceID, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		var p PurposeProposal
		if err := tx.Take(&p, id).Error; err != nil {
			return n, err
		}
		closed, err := s.closeIfDue(tx, &p, now)
		if err != nil {
			return n, err
		}
		if closed {
			n++
		}
	}
	return n, nil
}

// settleProposals closes a space's due proposals before they are read, so
// what people see never depends on when the sweep last ran.
func (s *Store) settleProposals(ctx context.Context, spaceID int64) (int, error) {
	ids, err := dueProposalIDs(s.db(ctx), spaceID, s.clock())
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	n := 0
	err = s.tx(ctx, func(tx *gorm.DB) error {
		n, err = s.closeDue(tx, spaceID, s.clock())
		return err
	})
	return n, err
}

// CloseDueProposals closes every open proposal whose window has ended (or to
// which every member has responded), each in its own transaction, and
// returns how many it closed. Several instances may run it at once: a
// proposal closes exactly once.
func (s *Store) CloseDueProposals(ctx context.Context) (int, error) {
	ids, err := dueProposalIDs(s.db(ctx), 0, s.clock())
	if err != nil {
		return 0, fmt.Errorf("find due proposals: %w", err)
	}
	n := 0
	var errs []error
	for _, id := range ids {
		closed := false
		err := s.tx(ctx, func(tx *gorm.DB) error {
			var p PurposeProposal
			if err := tx.Take(&p, id).Error; err != nil {
				return err
			}
			var err error
			closed, err = s.closeIfDue(tx, &p, s.clock())
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("close proposal %d: %w", id, err))
			continue
		}
		if closed {
			n++
		}
	}
	return n, errors.Join(errs...)
}
