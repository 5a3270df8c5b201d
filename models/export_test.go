package models

import (
	"context"

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
