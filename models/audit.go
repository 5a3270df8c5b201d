package models

import (
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
