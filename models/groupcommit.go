package models

import (
	"context"
	"sync"

	"gorm.io/gorm"
)

// SQLite has one writer. When several requests write at once, each would
// wait for the connection and then pay a commit of its own; instead they
// queue here, and whoever finds no commit under way runs everything queued
// in one transaction, each operation in a savepoint of its own (so one that
// fails is rolled back alone, with its events), and commits once. Every
// caller gets its own operation's result; if the commit fails, every
// operation of the group has failed. The first caller leads one group and
// hands any later work to a goroutine, so that no request waits on others'
// writes for longer than one group.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*writeOp
	leading bool
}

type writeOp struct {
	ctx  context.Context
	fn   func(tx *gorm.DB) error
	done chan error
}

// maxGroup bounds how many operations share one transaction.
const maxGroup = 64

// groupTx runs fn in a transaction it may share with other callers' (see
// groupCommit). It returns when fn's work has committed or failed.
func (s *Store) groupTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, op)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		s.lead(true)
	}
	return <-op.done
}

// lead commits queued groups until the queue is empty. A request's own
// goroutine (first) commits one group and hands the rest on.
func (s *Store) lead(first bool) {
	g := &s.group
	for {
		g.mu.Lock()
		batch := g.queue
		if len(batch) > maxGroup {
			batch, g.queue = batch[:maxGroup:maxGroup], batch[maxGroup:]
		} else {
			g.queue = nil
		}
		if len(batch) == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		s.commitGroup(batch)
		if first {
			go s.lead(false)
			return
		}
	}
}

// commitGroup runs a group's operations in one transaction, stores their
// events as its last statements (on PostgreSQL also announcing them with
// NOTIFY), publishes them after the commit, then answers each caller. It is
// the one way a write commits: PostgreSQL's writes are groups of one. A
// group of one runs in its caller's context, as it would alone.
func (s *Store) commitGroup(batch []*writeOp) {
	buf := &eventBuffer{}
	base := context.Background()
	if len(batch) == 1 {
		base = batch[0].ctx
	}
	ctx := context.WithValue(base, eventsKey{}, buf)
	errs := make([]error, len(batch))
	err := s.write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, op := range batch {
			if err := op.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if len(batch) == 1 {
				errs[i] = op.fn(tx)
				if errs[i] != nil {
					return errs[i]
				}
				continue
			}
			errs[i] = s.savepoint(tx, op.fn)
		}
		if err := s.indexQueuedPosts(tx, buf); err != nil {
			return err
		}
		if err := buf.flush(tx, s.clock()); err != nil {
			return err
		}
		if s.dialect == Postgres {
			return notifyCommitted(tx, buf.written)
		}
		return nil
	})
	if err == nil && len(buf.written) > 0 && s.publish != nil {
		s.publish(buf.written)
	}
	if err == nil && s.checkpoints != nil {
		s.checkpoints.committed()
	}
	for i, op := range batch {
		if errs[i] == nil {
			errs[i] = err
		}
		op.done <- errs[i]
	}
}
