package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in browser. Only a hash of its token is stored, so a copy
// of the database does not sign anyone in. Deleting the row signs out at once.
type Session struct {
	ID         int64
	TokenHash  string
	MemberID   int64
	CSRFToken  string
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time

	// Unread is how many of the member's notifications were unread when
	// SessionByToken read the session (not stored): every page's header
	// shows it, so the session's one statement counts them too.
	Unread int64 `gorm:"-"`
}

// sessionTouchEvery bounds how often reading a session writes its last-seen time.
const sessionTouchEvery = time.Minute

// NewSession is what the app knows of the browser that signs in.
type NewSession struct {
	MemberID  int64
	UserAgent string
	IP        string
	TTL       time.Duration
}

// CreateSession signs a member in and returns the session's secret token,
// which only the browser keeps.
func (s *Store) CreateSession(ctx context.Context, in NewSession) (string, *Session, error) {
	token, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	now := s.clock()
	sess := &Session{
		TokenHash: hashToken(token), MemberID: in.MemberID, CSRFToken: csrf,
		UserAgent: truncate(in.UserAgent, 300), IP: truncate(in.IP, 64),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(in.TTL),
	}
	if err := s.tx(ctx, func(tx *gorm.DB) error { return tx.Create(sess).Error }); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// SessionByToken returns the live session for a token and its member. Expired
// sessions and suspended members are refused, so suspension takes effect at once.
func (s *Store) SessionByToken(ctx context.Context, token string) (*Session, *Member, error) {
	if token == "" {
		return nil, nil, errSignInRequired
	}
	// Every signed-in request reads its session, so the session, its
	// member and their unread count are read in one plain statement.
	var sess Session
	m, err := scanMember(plain(s.db(ctx)).row(`SELECT s.id, s.token_hash, s.member_id, s.csrf_token, s.user_agent, s.ip,
		s.created_at, s.last_seen_at, s.expires_at,
		`+unreadOf+`s.member_id), `+memberColumns+`
		FROM sessions s JOIN members m ON m.id = s.member_id WHERE s.token_hash = ?`, hashToken(token)),
		&sess.ID, &sess.TokenHash, &sess.MemberID, &sess.CSRFToken, &sess.UserAgent, &sess.IP,
		&sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.Unread)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errSignInRequired
	}
	if err != nil {
		return nil, nil, err
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), sess.ExpiresAt.UTC()
	now := s.clock()
	if now.After(sess.ExpiresAt) {
		return nil, nil, errSignInRequired
	}
	if m.SuspendedAt != nil {
		return nil, nil, Errorf(CodeSuspended, "This account is suspended.")
	}
	if now.Sub(sess.LastSeenAt) > sessionTouchEvery {
		sess.LastSeenAt = now
		err := s.tx(ctx, func(tx *gorm.DB) error {
			return tx.Model(&Session{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return &sess, m, nil
}

// EndSession signs a browser out. Ending a session that is already gone is fine.
func (s *Store) EndSession(ctx context.Context, token string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		return tx.Where("token_hash = ?", hashToken(token)).Delete(&Session{}).Error
	})
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// SessionInfo is what a member sees of one of their signed-in browsers.
type SessionInfo struct {
	ID         int64
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Current    bool // the browser asking
}

// Sessions lists the live sessions of the signed-in member, the most recently
// seen first. current is the asking browser's session id (0 when it has none,
// as with an API token).
func (s *Store) Sessions(ctx context.Context, a Actor, current int64) ([]SessionInfo, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	var rows []Session
	err := s.db(ctx).Where("member_id = ? AND expires_at > ?", a.ID, s.clock()).
		Order("last_seen_at DESC, id DESC").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, SessionInfo{
			ID: r.ID, UserAgent: r.UserAgent, IP: r.IP, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
			Current: r.ID == current,
		})
	}
	return out, nil
}

// EndSessionByID signs one of the member's own browsers out at once. Another
// member's session answers as not found.
func (s *Store) EndSessionByID(ctx context.Context, a Actor, id int64) error {
	if !a.SignedIn() {
		return errSignInRequired
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND member_id = ?", id, a.ID).Delete(&Session{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(CodeNotFound, "No such session.")
		}
		return nil
	})
}
