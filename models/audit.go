package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// AuditEntry records a membership, role, purpose or account event. The table
// is append-only: database triggers refuse updates and deletes.
type AuditEntry struct {
	ID        int64
	ActorID   *int64
	SubjectID *int64
	SpaceID   *int64
	Action    string
	Reason    string
	CreatedAt time.Time
}

// TableName keeps the table's name singular, as the log is one thing.
func (AuditEntry) TableName() string { return "audit_log" }

// audit appends an entry inside the caller's transaction.
func audit(tx *gorm.DB, e AuditEntry) error {
	return tx.Create(&e).Error
}

// AuditView is an audit entry with the names it refers to. A name is nil
// when the entry names nobody (or no space), or when that account or space is
// gone: the log keeps its ids, not foreign keys.
type AuditView struct {
	AuditEntry  `gorm:"embedded"`
	ActorName   *string
	SubjectName *string
	SpaceSlug   *string
	SpaceName   *string
}

// SpaceAudit reads the audit log of one space, newest first, for its
// stewards and admins.
func (s *Store) SpaceAudit(ctx context.Context, a Actor, slug string, p Page) ([]AuditView, string, error) {
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	db := s.db(ctx)
	sp, _, err := s.stewardOrAdmin(db, a, "slug = ?", slug)
	if err != nil {
		return nil, "", err
	}
	return s.readAudit(db.Where("audit_log.space_id = ?", sp.ID), c, p)
}

// AuditLog reads the whole audit log, newest first, for admins.
func (s *Store) AuditLog(ctx context.Context, a Actor, p Page) ([]AuditView, string, error) {
	if !a.SignedIn() {
		return nil, "", errSignInRequired
	}
	if !a.Admin {
		return nil, "", Errorf(CodeForbidden, "Only admins read the instance's audit log.")
	}
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	return s.readAudit(s.db(ctx), c, p)
}

func (s *Store) readAudit(q *gorm.DB, c cursor, p Page) ([]AuditView, string, error) {
	limit := s.limits.pageSize(p.Limit)
	q = q.Table("audit_log").
		Select("audit_log.*, am.name AS actor_name, sm.name AS subject_name, sp.slug AS space_slug, sp.name AS space_name").
		Joins("LEFT JOIN members am ON am.id = audit_log.actor_id").
		Joins("LEFT JOIN members sm ON sm.id = audit_log.subject_id").
		Joins("LEFT JOIN spaces sp ON sp.id = audit_log.space_id")
	return pageByID(q, c, limit, "audit_log.id", true, func(r *AuditView) int64 { return r.ID })
}
