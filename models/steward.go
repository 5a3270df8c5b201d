package models

import "time"

// StewardOffer offers the steward duty of a space to one of its members. The
// duty is taken up only when the member accepts.
type StewardOffer struct {
	ID         int64
	SpaceID    int64
	MemberID   int64
	OfferedBy  *int64
	Status     string
	CreatedAt  time.Time
	AnsweredAt *time.Time
}

// Steward offer statuses.
const (
	OfferPending   = "pending"
	OfferAccepted  = "accepted"
	OfferDeclined  = "declined"
	OfferWithdrawn = "withdrawn"
)
