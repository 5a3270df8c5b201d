package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// What the tests of package models_test reach inside for.

// FTSMatch is the FTS5 expression that a parsed query becomes.
func FTSMatch(q *SearchQuery) string { return q.ftsMatch() }

// TSQuery is the PostgreSQL tsquery expression that a parsed query becomes, with its arguments.
func TSQuery(q *SearchQuery) (string, []any) { return q.tsQuery() }

// MarkSnippet is the HTML that a snippet with the engines' markers becomes.
func MarkSnippet(raw string) string { return markSnippet(raw) }

// WriteForTest runs fn as one write operation, the way every domain
// operation runs (s.tx), and lets it emit an event: tests of the write path
// itself use it.
func (s *Store) WriteForTest(ctx context.Context, fn func(tx *gorm.DB, emit func(topic, kind string) error) error) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		return fn(tx, func(topic, kind string) error { return emit(tx, topic, kind, map[string]any{}) })
	})
}

// ThreadPlaceForTest reads a thread, its space and the actor's membership
// with readThreadPlace's one plain statement, and again through GORM, for a
// test that the plain read misses no column.
func (s *Store) ThreadPlaceForTest(ctx context.Context, a Actor, threadID int64) (viaPlain, viaGORM []any, err error) {
	pl, err := readThreadPlace(plain(s.db(ctx)), a, threadID)
	if err != nil {
		return nil, nil, err
	}
	db := s.db(ctx)
	var t Thread
	if err := db.Take(&t, threadID).Error; err != nil {
		return nil, nil, err
	}
	sp, m, err := loadSpace(db, a, "id = ?", t.SpaceID)
	if err != nil {
		return nil, nil, err
	}
	utc := func(t time.Time) time.Time { return t.UTC() }
	t.LastPostedAt, t.CreatedAt, sp.CreatedAt = utc(t.LastPostedAt), utc(t.CreatedAt), utc(sp.CreatedAt)
	if m != nil {
		m.JoinedAt = utc(m.JoinedAt)
	}
	return []any{pl.thread, pl.space, pl.membership}, []any{t, *sp, m}, nil
}

// RowsForTest reads a member and, when sessionID is not 0, a session through
// GORM, as a test's reference for the plain reads of them.
func (s *Store) RowsForTest(ctx context.Context, memberID, sessionID int64) (Member, Session, error) {
	var m Member
	var sess Session
	if err := s.db(ctx).Take(&m, memberID).Error; err != nil {
		return m, sess, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	if sessionID != 0 {
		if err := s.db(ctx).Take(&sess, sessionID).Error; err != nil {
			return m, sess, err
		}
		sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), sess.ExpiresAt.UTC()
	}
	return m, sess, nil
}

// SetSearchPrefixTermsForTest sets how many words of the posts index a prefix
// may be searched as; 0 leaves every prefix to FTS5.
func (s *Store) SetSearchPrefixTermsForTest(n int) { s.limits.SearchPrefixTerms = n }

// PostFTSForTest is the FTS5 expression that the posts index is asked for a
// search (SQLite).
func (s *Store) PostFTSForTest(ctx context.Context, query string) (string, error) {
	q, err := ParseQuery(query, s.limits.MaxSearchChars)
	if err != nil {
		return "", err
	}
	e, err := s.searchEngine(s.db(ctx), q)
	return e.postFTS, err
}

// SpaceListPlan is SQLite's plan for the first page of the space list as a
// sees it (ListSpaces' query).
func (s *Store) SpaceListPlan(ctx context.Context, a Actor) (string, error) {
	db := s.db(ctx)
	var spaces []Space
	q := s.visibleSpaces(db.Session(&gorm.Session{DryRun: true}), a)
	stmt := byName(q, cursor{}, s.limits.pageSize(0), "name", "id").Find(&spaces).Statement
	rows, err := db.Raw("EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...).Rows()
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n"), rows.Err()
}
