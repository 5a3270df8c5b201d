package models

import "time"

// PurposeProposal asks the members of a space to consent to a new purpose.
// It has its own discussion thread, stays open for a window (or until every
// member has responded) and is adopted when the quorum responds and at least
// two thirds of responses consent.
type PurposeProposal struct {
	ID             int64
	SpaceID        int64
	ProposerID     *int64
	ThreadID       *int64
	BaseVersion    int // the purpose version the proposal would replace
	Text           string
	Rationale      string
	Status         string
	CreatedAt      time.Time
	ClosesAt       time.Time
	ClosedAt       *time.Time
	Consents       int // counted when it closes
	Objections     int
	MembersAtClose int
}

// ProposalResponse is one member's consent or objection; the last response
// counts until the proposal closes.
type ProposalResponse struct {
	ID         int64
	ProposalID int64
	MemberID   int64
	Consent    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Proposal statuses.
const (
	ProposalOpen     = "open"
	ProposalAdopted  = "adopted"
	ProposalDeclined = "declined"
)
