package app

import (
	"context"
	"time"
)

// startProposalSweep closes the purpose proposals whose window has ended,
// at once and then every cfg.ProposalSweep, until ctx ends or stop is called
// (stop waits for a sweep in progress). Reads close due proposals too, so
// the sweep only makes sure that members hear of a decision without anyone
// having to look; several instances may sweep the same database.
func (s *Server) startProposalSweep(ctx context.Context) (stop func()) {
	every := s.cfg.ProposalSweep
	if every <= 0 {
		every = time.Minute
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			s.sweepProposals(ctx)
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

func (s *Server) sweepProposals(ctx context.Context) {
	n, err := s.store.CloseDueProposals(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("closing purpose proposals", "err", err)
	}
	if n > 0 {
		s.log.Info("closed purpose proposals past their window", "count", n)
	}
}
