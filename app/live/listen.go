package live

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"kith/models"
)

// EventLoader reads events by id, for announcements that carry only ids.
type EventLoader interface {
	EventsByID(ctx context.Context, ids []int64) ([]models.Event, error)
}

// StartListener hears, on PostgreSQL, the events that every instance
// (this one included) commits: it LISTENs on models.EventsChannel, loads the
// announced events by id and publishes them to the hub, which delivers each
// once. NOTIFYs sent while it is disconnected are lost, so after each
// (re)connect it has the hub catch up from the backlog. It reconnects at once
// and then with a backoff of at most a few seconds. stop waits for it to end.
func StartListener(ctx context.Context, dsn string, store EventLoader, hub *Hub, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		backoff := 50 * time.Millisecond
		for ctx.Err() == nil {
			heard, err := listenOnce(ctx, dsn, store, hub)
			if ctx.Err() != nil {
				return
			}
			if heard {
				backoff = 50 * time.Millisecond
			}
			log.Warn("live: event listener disconnected; reconnecting", "err", err, "in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// listenOnce listens on one connection until it fails; heard says whether
// it got as far as listening.
func listenOnce(ctx context.Context, dsn string, store EventLoader, hub *Hub) (heard bool, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{models.EventsChannel}.Sanitize()); err != nil {
		return false, err
	}
	hub.CatchUp()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		ids := parseIDs(n.Payload)
		if len(ids) == 0 {
			continue
		}
		events, err := store.EventsByID(ctx, ids)
		if err != nil {
			return true, err
		}
		hub.Publish(events)
	}
}

func parseIDs(payload string) []int64 {
	parts := strings.Split(payload, ",")
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		if id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}
