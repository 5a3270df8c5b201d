package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// plainSQL runs statements on a GORM transaction's own connection through
// database/sql, without GORM's statement building and reflection. Posting
// uses it: every write waits for the one writer, and for a short statement
// GORM costs three times SQLite's own work (a membership lookup inside a
// write transaction: 27.8 us and 57 allocations through GORM, 7.6 us and 15
// through database/sql). Statements are written with ? placeholders, as
// everywhere else in models, and numbered for PostgreSQL.
type plainSQL struct {
	ctx  context.Context
	conn gorm.ConnPool
	pg   bool
}

// plain returns tx's connection for plain statements, bound to tx's context.
func plain(tx *gorm.DB) plainSQL {
	return plainSQL{ctx: tx.Statement.Context, conn: tx.Statement.ConnPool, pg: Dialect(tx.Name()) == Postgres}
}

func (p plainSQL) exec(query string, args ...any) error {
	countStatement(p.ctx)
	_, err := p.conn.ExecContext(p.ctx, p.bind(query), args...)
	return err
}

func (p plainSQL) row(query string, args ...any) *sql.Row {
	countStatement(p.ctx)
	return p.conn.QueryRowContext(p.ctx, p.bind(query), args...)
}

// insert runs an INSERT and returns the new row's id.
func (p plainSQL) insert(query string, args ...any) (int64, error) {
	var id int64
	err := p.row(query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// bind numbers the placeholders for PostgreSQL ($1, $2 ...). The statements
// given to plainSQL are kith's own and hold no ? inside a literal.
func (p plainSQL) bind(query string) string {
	if !p.pg {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		query = query[i+1:]
	}
}
