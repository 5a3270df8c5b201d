package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// APIToken lets a script act as the member who created it, through
// "Authorization: Bearer". Only a hash of it is stored.
type APIToken struct {
	ID         int64
	MemberID   int64
	TokenHash  string
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// tokenPrefix marks kith's tokens so that secret scanners can recognise them.
const tokenPrefix = "kith_"

// CreateAPIToken issues a new token for the actor and returns its secret,
// which is shown once and never stored.
func (s *Store) CreateAPIToken(ctx context.Context, a Actor, name string) (string, error) {
	if !a.SignedIn() {
		return "", errSignInRequired
	}
	secret, err := randomToken()
	if err != nil {
		return "", err
	}
	token := tokenPrefix + secret
	t := &APIToken{MemberID: a.ID, TokenHash: hashToken(token), Name: truncate(strings.TrimSpace(name), 100), CreatedAt: s.clock()}
	if err := s.tx(ctx, func(tx *gorm.DB) error { return tx.Create(t).Error }); err != nil {
		return "", err
	}
	return token, nil
}

// MemberByAPIToken returns the member a bearer token acts for.
func (s *Store) MemberByAPIToken(ctx context.Context, token string) (*Member, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, Errorf(CodeUnauthorized, "That token is not valid.")
	}
	// Every API request reads its token, so the token and its member are
	// read in one plain statement.
	var t APIToken
	var lastUsed sql.NullTime
	m, err := scanMember(plain(s.db(ctx)).row(`SELECT t.id, t.member_id, t.last_used_at, `+memberColumns+`
		FROM api_tokens t JOIN members m ON m.id = t.member_id WHERE t.token_hash = ?`, hashToken(token)),
		&t.ID, &t.MemberID, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(CodeUnauthorized, "That token is not valid.")
	}
	if err != nil {
		return nil, err
	}
	t.LastUsedAt = nullTime(lastUsed)
	if m.SuspendedAt != nil {
		return nil, Errorf(CodeSuspended, "This account is suspended.")
	}
	now := s.clock()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > sessionTouchEvery {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			return tx.Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
		})
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// RevokeAPIToken ends a token at once; revoking one already gone is fine.
func (s *Store) RevokeAPIToken(ctx context.Context, token string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		return tx.Where("token_hash = ?", hashToken(token)).Delete(&APIToken{}).Error
	})
}

// APITokens lists the actor's own tokens, newest first. Their secrets are
// not kept, so only names and dates are shown.
func (s *Store) APITokens(ctx context.Context, a Actor) ([]APIToken, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var out []APIToken
	err := s.db(ctx).Where("member_id = ?", a.ID).Order("id DESC").Limit(s.limits.MaxPageSize).Find(&out).Error
	return out, err
}

// RevokeOwnAPIToken revokes one of the actor's tokens by id; another
// person's token is not found.
func (s *Store) RevokeOwnAPIToken(ctx context.Context, a Actor, id int64) error {
	if !a.SignedIn() {
		return errSignInRequired
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND member_id = ?", id, a.ID).Delete(&APIToken{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(CodeNotFound, "No such token of yours.")
		}
		return nil
	})
}
