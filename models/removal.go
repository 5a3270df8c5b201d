package models

import (
	"time"

	"gorm.io/gorm"
)

// Removal is a steward's (or admin's) decision to remove a member for
// conduct, with the reason they were told. While it is not lifted the person
// cannot rejoin.
type Removal struct {
	ID        int64
	SpaceID   int64
	MemberID  int64
	RemovedBy *int64
	Reason    string
	CreatedAt time.Time
	LiftedAt  *time.Time
	LiftedBy  *int64
}

// checkNotRemoved refuses a way back in while a removal stands.
func checkNotRemoved(tx *gorm.DB, sp *Space, memberID int64) error {
	var n int64
	err := tx.Model(&Removal{}).Where("space_id = ? AND member_id = ? AND lifted_at IS NULL", sp.ID, memberID).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return Errorf(CodeRemoved, "You were removed from %s; a steward or an admin must lift the removal before you can rejoin.", sp.Name)
	}
	return nil
}
