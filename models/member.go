package models

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Member is a person with an account on the instance. Members have equal
// status: there is no rank, level or title here. IsAdmin is a duty of running
// the instance, not a standing among members.
type Member struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string `json:"-"`
	IsAdmin      bool
	SuspendedAt  *time.Time
	CreatedAt    time.Time
}

// NewAccount is what a person gives to sign up with a password.
type NewAccount struct {
	Email    string
	Name     string
	Password string
}

func (s *Store) validateAccount(in *NewAccount) error {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	if in.Email == "" {
		return invalid("email", "Email is required.")
	}
	if len(in.Email) > maxEmailLen {
		return invalid("email", "Email is longer than %d characters.", maxEmailLen)
	}
	if addr, err := mail.ParseAddress(in.Email); err != nil || addr.Address != in.Email || addr.Name != "" {
		return invalid("email", "%q is not an email address.", in.Email)
	}
	if err := checkText("name", "Name", in.Name, 1, s.limits.MaxNameChars); err != nil {
		return err
	}
	if len(in.Password) < s.limits.MinPassword {
		return invalid("password", "Password must be at least %d characters.", s.limits.MinPassword)
	}
	if len(in.Password) > maxPasswordLen {
		return invalid("password", "Password must be at most %d bytes.", maxPasswordLen)
	}
	return nil
}

// SignUp creates a member with a local password. It joins no space: membership
// is always the person's own later act.
func (s *Store) SignUp(ctx context.Context, in NewAccount) (*Member, error) {
	if s.policy.SignupClosed {
		return nil, Errorf(CodeSignupClosed, "Sign-up with a password is closed on this instance.")
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if in.Email != "" && !s.emailAllowed(in.Email) {
		return nil, errEmailNotAllowed()
	}
	return s.createAccount(ctx, in, false)
}

// CreateAdmin creates an account that runs the instance. It is called by the
// person installing kith (`kith admin create`), never on someone else's behalf
// through the web.
func (s *Store) CreateAdmin(ctx context.Context, in NewAccount) (*Member, error) {
	return s.createAccount(ctx, in, true)
}

func (s *Store) createAccount(ctx context.Context, in NewAccount, admin bool) (*Member, error) {
	if err := s.validateAccount(&in); err != nil {
		return nil, err
	}
	hash, err := s.hasher.hash(in.Password)
	if err != nil {
		return nil, err
	}
	m := &Member{Email: in.Email, Name: in.Name, PasswordHash: hash, IsAdmin: admin, CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Member{}).Where("email = ?", m.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &Error{Code: CodeEmailTaken, Field: "email", Message: "An account with that email exists; sign in instead."}
		}
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		action := "account.created"
		if admin {
			action = "admin.created"
		}
		return audit(tx, AuditEntry{ActorID: &m.ID, SubjectID: &m.ID, Action: action, CreatedAt: m.CreatedAt})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Authenticate checks an email and password and returns the member.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*Member, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var m Member
	err := s.db(ctx).Where("email = ?", email).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && m.PasswordHash == "") {
		s.hasher.waste(password) // answer in the same time whether or not the account exists
		return nil, Errorf(CodeInvalidCredentials, "Wrong email or password.")
	}
	if err != nil {
		return nil, err
	}
	if !s.hasher.check(m.PasswordHash, password) {
		return nil, Errorf(CodeInvalidCredentials, "Wrong email or password.")
	}
	if m.SuspendedAt != nil {
		return nil, Errorf(CodeSuspended, "This account is suspended.")
	}
	if !m.IsAdmin && !s.emailAllowed(m.Email) {
		return nil, errEmailNotAllowed()
	}
	return &m, nil
}

// MemberByID returns a member's public profile. Any signed-in person may see it.
func (s *Store) MemberByID(ctx context.Context, a Actor, id int64) (*Member, error) {
	if err := s.requireReader(a); err != nil {
		return nil, err
	}
	var m Member
	if err := s.db(ctx).Take(&m, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, errMemberNotFound
		}
		return nil, err
	}
	return &m, nil
}

// checkText validates the length of a required free-text field in characters.
func checkText(field, label, v string, min, max int) error {
	n := utf8.RuneCountInString(v)
	if !utf8.ValidString(v) {
		return invalid(field, "%s is not valid UTF-8.", label)
	}
	if n < min {
		if min == 1 {
			return invalid(field, "%s is required.", label)
		}
		return invalid(field, "%s must be at least %d characters.", label, min)
	}
	if n > max {
		return invalid(field, "%s must be at most %d characters.", label, max)
	}
	return nil
}

// memberColumns are a member's columns, aliased m, in the order scanMember
// reads them after the columns before them.
const memberColumns = "m.id, m.email, m.name, m.password_hash, m.is_admin, m.suspended_at, m.created_at"

// scanMember scans a row whose last columns are memberColumns, the columns
// before them into before.
func scanMember(row *sql.Row, before ...any) (*Member, error) {
	var m Member
	var suspended sql.NullTime
	if err := row.Scan(append(before, &m.ID, &m.Email, &m.Name, &m.PasswordHash, &m.IsAdmin, &suspended, &m.CreatedAt)...); err != nil {
		return nil, err
	}
	m.SuspendedAt, m.CreatedAt = nullTime(suspended), m.CreatedAt.UTC()
	return &m, nil
}
