package live

import (
	"context"
	"log/slog"
	"time"
)

// Pruner trims the replay backlog.
type Pruner interface {
	PruneEvents(ctx context.Context, maxAge time.Duration, maxPerTopic int) (int64, error)
}

// StartPruner keeps the event backlog bounded: at once and then every
// interval it deletes events older than maxAge and the oldest beyond
// maxPerTopic on each topic. Several instances may prune the same database.
// stop waits for a prune in progress.
func StartPruner(ctx context.Context, p Pruner, every, maxAge time.Duration, maxPerTopic int, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			n, err := p.PruneEvents(ctx, maxAge, maxPerTopic)
			if err != nil && ctx.Err() == nil {
				log.Error("pruning the event backlog", "err", err)
			}
			if n > 0 {
				log.Debug("pruned the event backlog", "events", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
