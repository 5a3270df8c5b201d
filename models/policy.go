package models

import "time"

// Policy holds the instance settings that the rules depend on. The zero value
// is the default: local sign-up on, any member may found a space, and open
// spaces are read only by people who have signed in.
type Policy struct {
	SignupClosed       bool // local email-and-password sign-up is off
	AdminsCreateSpaces bool // only admins may found spaces
	PublicRead         bool // open spaces are readable without signing in

	// AllowedEmailDomains restricts sign-up and sign-in, by password or through
	// a provider, to emails of these domains. Empty allows every domain.
	AllowedEmailDomains []string

	InvitationTTL  time.Duration // how long an invitation stays open; 0 means 30 days
	ProposalWindow time.Duration // how long a purpose proposal stays open; 0 means 7 days
	QuorumMembers  int           // a proposal needs at least this many responses; 0 means 3
	QuorumPercent  int           // ... or this percentage of members, whichever is larger; 0 means 20
}

func (p Policy) withDefaults() Policy {
	if p.InvitationTTL <= 0 {
		p.InvitationTTL = 30 * 24 * time.Hour
	}
	if p.ProposalWindow <= 0 {
		p.ProposalWindow = 7 * 24 * time.Hour
	}
	if p.QuorumMembers <= 0 {
		p.QuorumMembers = 3
	}
	if p.QuorumPercent <= 0 {
		p.QuorumPercent = 20
	}
	return p
}

// Visibility says who may read a space and how people join it.
type Visibility string

const (
	VisibilityOpen    Visibility = "open"    // anyone signed in may read and join
	VisibilityRequest Visibility = "request" // members read; joining needs a steward's approval
	VisibilityInvite  Visibility = "invite"  // members read; joining needs an invitation
)

func (v Visibility) valid() bool {
	return v == VisibilityOpen || v == VisibilityRequest || v == VisibilityInvite
}

// The predicates below are the only place where kith decides who may see,
// read and write what. Queries that list things encode the same rules in SQL
// (see visibleSpaces and readableSpaces); tests check that both agree.

// requireReader refuses a visitor who has not signed in where the instance
// keeps everything behind sign-in, before any lookup can tell them whether a
// space, thread or post exists.
func (s *Store) requireReader(a Actor) error {
	if !a.SignedIn() && !s.policy.PublicRead {
		return errSignInRequired
	}
	return nil
}

// canSee reports whether the actor may know the space exists: its name and
// purpose. A space by invitation shows itself to its members, and to a person
// it has invited while the invitation is pending, so that they can read the
// purpose they would affirm (loadSpace notes that invitation on the space).
func (s *Store) canSee(a Actor, sp *Space, m *Membership) bool {
	switch sp.Visibility {
	case VisibilityOpen:
		return a.SignedIn() || s.policy.PublicRead
	case VisibilityRequest:
		return a.SignedIn()
	default:
		return m != nil || (a.SignedIn() && sp.invitee == a.ID)
	}
}

// canRead reports whether the actor may read the space's threads and members.
func (s *Store) canRead(a Actor, sp *Space, m *Membership) bool {
	if sp.Visibility == VisibilityOpen {
		return a.SignedIn() || s.policy.PublicRead
	}
	return m != nil
}

// canPost reports whether the actor may start threads and reply in the space.
func canPost(sp *Space, m *Membership) bool {
	return m != nil && sp.ArchivedAt == nil
}

// canEdit reports whether the actor may edit a post: its author or a steward of
// its space, while they are members.
func canEdit(a Actor, p *Post, m *Membership) bool {
	if m == nil {
		return false
	}
	return (p.AuthorID != nil && *p.AuthorID == a.ID) || m.Steward
}
