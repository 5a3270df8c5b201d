package models

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// SQLite keeps committed pages in its write-ahead log until a checkpoint
// copies them into the database file. Its automatic checkpoint runs inside
// the COMMIT that takes the log past a threshold: that commit, every write
// queued behind it, and the live events of its transaction wait for the copy
// and its fsyncs (25 ms here, for one reply in thirty of the fan-out
// benchmark). kith checkpoints from a connection of its own soon after
// commits, while the writer goes on (a checkpoint takes no write lock), and
// keeps the writer's own as a backstop (Options.SQLiteWALPages). The log
// starts again from its beginning only after a checkpoint copied all of it:
// under writing that never pauses it grows to the backstop, whose commit
// then copies only what the background has not.
type checkpointer struct {
	db   *sql.DB // one connection, for checkpoints only
	log  *slog.Logger
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// checkpointGap is the least time between two background checkpoints, so
// that a busy stretch's commits are copied together, with few fsyncs.
const checkpointGap = 100 * time.Millisecond

func startCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	c := &checkpointer{db: db, log: log, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed says the log has grown. It never waits.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default: // a checkpoint is due already
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.kick:
		case <-c.stop:
			return
		}
		// PASSIVE copies what no reader still needs, waiting for nobody.
		if _, err := c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			c.log.Warn("sqlite: checkpointing the write-ahead log", "err", err)
		}
		select {
		case <-time.After(checkpointGap):
		case <-c.stop:
			return
		}
	}
}

// close stops the checkpointer and closes its connection; closing the
// store's last connection checkpoints what is left.
func (c *checkpointer) close() {
	close(c.stop)
	<-c.done
	_ = c.db.Close()
}
