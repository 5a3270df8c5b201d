package models

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Error codes of sign-in through an outside provider.
const (
	CodeEmailUnverified    = "email_unverified"    // the provider has not verified the email
	CodeEmailNotAllowed    = "email_not_allowed"   // the email's domain is not allowed on this instance
	CodeAccountExists      = "account_exists"      // an account has the email but is not linked to the identity
	CodeIdentityLinked     = "identity_linked"     // the identity belongs to another account
	CodeIdentityIncomplete = "identity_incomplete" // the provider gave no subject
)

// Identity is an account at an outside provider linked to a member. The pair
// (Provider, Subject) is unique; the email is what the provider said when the
// identity was linked, kept for the member to recognise it.
type Identity struct {
	ID        int64
	Provider  string
	Subject   string
	Email     string
	MemberID  int64
	CreatedAt time.Time
}

// Claims is what a provider says about the person who signed in there.
type Claims struct {
	Provider      string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

func (c *Claims) normalize() error {
	c.Provider = strings.TrimSpace(c.Provider)
	c.Subject = strings.TrimSpace(c.Subject)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.Name = strings.TrimSpace(c.Name)
	if c.Provider == "" || c.Subject == "" {
		return Errorf(CodeIdentityIncomplete, "The sign-in provider did not say who you are.")
	}
	return nil
}

// emailAllowed reports whether the instance accepts accounts with this email.
// An empty list of domains allows every email.
func (s *Store) emailAllowed(email string) bool {
	if len(s.policy.AllowedEmailDomains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(email[at+1:])
	for _, d := range s.policy.AllowedEmailDomains {
		if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(d), "@"), domain) {
			return true
		}
	}
	return false
}

func errEmailNotAllowed() error {
	return &Error{Code: CodeEmailNotAllowed, Field: "email", Message: "Accounts with this email's domain are not allowed on this instance."}
}

// SignInWithIdentity signs a person in with an identity an outside provider has
// vouched for. A linked identity finds its member by the provider's subject.
// The first sign-in creates an account from the provider's verified email and
// name; the account joins no space. An email that an existing account already
// has is refused: an email match never links accounts silently; the person
// signs in as before and links the provider from their settings.
func (s *Store) SignInWithIdentity(ctx context.Context, c Claims) (*Member, error) {
	if err := c.normalize(); err != nil {
		return nil, err
	}
	var m Member
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var id Identity
		err := tx.Where("provider = ? AND subject = ?", c.Provider, c.Subject).Take(&id).Error
		if err == nil {
			if err := tx.Take(&m, id.MemberID).Error; err != nil {
				return err
			}
			if m.SuspendedAt != nil {
				return Errorf(CodeSuspended, "This account is suspended.")
			}
			if !m.IsAdmin && !s.emailAllowed(m.Email) {
				return errEmailNotAllowed()
			}
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		// First sign-in with this identity.
		if c.Email == "" || !c.EmailVerified {
			return &Error{Code: CodeEmailUnverified, Field: "email", Message: "Your sign-in provider has not verified your email address, so kith cannot create an account with it."}
		}
		if addr, err := mail.ParseAddress(c.Email); err != nil || addr.Address != c.Email || len(c.Email) > maxEmailLen {
			return invalid("email", "%q is not an email address.", c.Email)
		}
		if !s.emailAllowed(c.Email) {
			return errEmailNotAllowed()
		}
		var n int64
		if err := tx.Model(&Member{}).Where("email = ?", c.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &Error{Code: CodeAccountExists, Field: "email", Message: "An account with this email exists. Sign in as before, then link this provider from your settings."}
		}
		name := c.Name
		if name == "" {
			name = c.Email[:strings.IndexByte(c.Email, '@')]
		}
		if r := []rune(name); len(r) > s.limits.MaxNameChars {
			name = string(r[:s.limits.MaxNameChars])
		}
		if err := checkText("name", "Name", name, 1, s.limits.MaxNameChars); err != nil {
			return err
		}
		now := s.clock()
		m = Member{Email: c.Email, Name: name, CreatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		if err := tx.Create(&Identity{Provider: c.Provider, Subject: c.Subject, Email: c.Email, MemberID: m.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		return audit(tx, AuditEntry{ActorID: &m.ID, SubjectID: &m.ID, Action: "account.created", Reason: "identity:" + c.Provider, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// LinkIdentity links an outside identity to the signed-in member, so that they
// can sign in with it later. An identity linked to someone else is refused.
// Linking again to the same member is fine.
func (s *Store) LinkIdentity(ctx context.Context, a Actor, c Claims) (*Identity, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	if err := c.normalize(); err != nil {
		return nil, err
	}
	var out Identity
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var m Member
		if err := tx.Take(&m, a.ID).Error; err != nil {
			return err
		}
		if m.SuspendedAt != nil {
			return Errorf(CodeSuspended, "This account is suspended.")
		}
		err := tx.Where("provider = ? AND subject = ?", c.Provider, c.Subject).Take(&out).Error
		if err == nil {
			if out.MemberID != a.ID {
				return Errorf(CodeIdentityLinked, "This %s account is already linked to another kith account.", c.Provider)
			}
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		out = Identity{Provider: c.Provider, Subject: c.Subject, Email: c.Email, MemberID: a.ID, CreatedAt: s.clock()}
		if err := tx.Create(&out).Error; err != nil {
			return err
		}
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, Action: "identity.linked", Reason: c.Provider, CreatedAt: out.CreatedAt})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Identities lists the outside identities linked to the signed-in member.
func (s *Store) Identities(ctx context.Context, a Actor) ([]Identity, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out []Identity
	err := s.db(ctx).Where("member_id = ?", a.ID).Order("provider, id").Find(&out).Error
	return out, err
}

// CodeLastSignInMethod refuses to unlink the identity that is an account's
// only way to sign in.
const CodeLastSignInMethod = "last_sign_in_method"

// UnlinkIdentity removes one of the signed-in member's own identities, so it
// no longer signs them in. It is refused when the account would be left with
// no way to sign in: no password and no other identity. Another member's
// identity answers as not found. Sessions started with the identity go on;
// the member can end them from their settings.
func (s *Store) UnlinkIdentity(ctx context.Context, a Actor, id int64) error {
	if !a.SignedIn() {
		return errSignInRequired
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		// The member's row is locked first, so two unlinks at once cannot
		// each count the other's identity and leave none (SQLite's write
		// transactions are serial already).
		lock := tx
		if s.dialect == Postgres {
			lock = tx.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var m Member
		if err := lock.Take(&m, a.ID).Error; err != nil {
			return err
		}
		var idt Identity
		err := tx.Where("id = ? AND member_id = ?", id, a.ID).Take(&idt).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Errorf(CodeNotFound, "No such linked sign-in provider.")
		}
		if err != nil {
			return err
		}
		var others int64
		if err := tx.Model(&Identity{}).Where("member_id = ? AND id <> ?", a.ID, id).Count(&others).Error; err != nil {
			return err
		}
		if m.PasswordHash == "" && others == 0 {
			return Errorf(CodeLastSignInMethod, "%s is the only way you can sign in to this account, so it stays linked. Link another sign-in provider first.", idt.Provider)
		}
		if err := tx.Delete(&Identity{}, idt.ID).Error; err != nil {
			return err
		}
		return audit(tx, AuditEntry{ActorID: &a.ID, SubjectID: &a.ID, Action: "identity.unlinked", Reason: idt.Provider, CreatedAt: s.clock()})
	})
}
