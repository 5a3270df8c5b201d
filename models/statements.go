package models

import (
	"context"
	"sync/atomic"
	"time"

	"gorm.io/gorm/logger"
)

type statementsKey struct{}

// CountStatements returns a context in which the store adds one to n for
// every SQL statement it runs: tests use it to see that a page costs the same
// number of queries whatever the number of posts or members it shows.
func CountStatements(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, statementsKey{}, n)
}

// statementLogger logs nothing; it counts statements for contexts that ask.
type statementLogger struct{ logger.Interface }

func (l statementLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (statementLogger) Trace(ctx context.Context, _ time.Time, _ func() (string, int64), _ error) {
	countStatement(ctx)
}

// countStatement counts one statement run in ctx, when ctx asks (GORM's
// through statementLogger, plain ones through plainSQL).
func countStatement(ctx context.Context) {
	if n, ok := ctx.Value(statementsKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}
