package app

import (
	"context"
	"time"
)

// Chores are the work kith does on a timer, beside requests. Several
// instances may run them against the same database.

// repeat runs chore at once and then every interval until ctx ends or stop
// is called; stop waits for a run in progress.
func repeat(ctx context.Context, every time.Duration, chore func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			chore(ctx)
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

// sweepProposals closes the purpose proposals whose window has ended. Reads
// close due proposals too, so the sweep only makes sure that members hear of
// a decision without anyone having to look.
func (s *Server) sweepProposals(ctx context.Context) {
	n, err := s.store.CloseDueProposals(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("closing purpose proposals", "err", err)
	}
	if n > 0 {
		s.log.Info("closed purpose proposals past their window", "count", n)
	}
}

// pruneEvents keeps the live-update backlog bounded: it deletes events older
// than the configured age and the oldest beyond the count kept per topic.
func (s *Server) pruneEvents(ctx context.Context) {
	n, err := s.store.PruneEvents(ctx, s.cfg.EventsMaxAge, s.cfg.EventsMaxPerTopic)
	if err != nil && ctx.Err() == nil {
		s.log.Error("pruning the event backlog", "err", err)
	}
	if n > 0 {
		s.log.Debug("pruned the event backlog", "events", n)
	}
}
