package models

import "time"

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
	AnsweredAt *time.Time
}

// Invitation statuses. An invitation past ExpiresAt that is still pending
// counts as expired.
const (
	InvitationPending   = "pending"
	InvitationAccepted  = "accepted"
	InvitationDeclined  = "declined"
	InvitationWithdrawn = "withdrawn"
)
