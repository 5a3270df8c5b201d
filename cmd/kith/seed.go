package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"kith/app"
	"kith/app/seed"
)

func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := seed.Options{}
	cfg, _, err := parse("seed", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&o.Members, "members", 1000, "people with accounts")
		fs.IntVar(&o.Spaces, "spaces", 20, "spaces, each founded by a different person")
		fs.IntVar(&o.Threads, "threads", 2000, "threads")
		fs.IntVar(&o.Posts, "posts", 20000, "posts, opening posts included")
		fs.StringVar(&o.Password, "password", envOr("KITH_SEED_PASSWORD", "seeded-password"), "every seeded account's password [KITH_SEED_PASSWORD]")
		fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same flags make the same data")
	})
	if err != nil {
		return err
	}
	store, err := app.OpenStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	bar := &progress{w: stderr, started: time.Now()}
	o.Progress = bar.update
	sum, err := seed.Run(ctx, store, o)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d members, %d spaces, %d memberships, %d threads, %d posts in %s\n",
		sum.Members, sum.Spaces, sum.Memberships, sum.Threads, sum.Posts, time.Since(bar.started).Round(time.Second))
	fmt.Fprintf(stdout, "sign in as %s (every seeded account has the --password); the busiest thread is /t/%d with %d posts\n",
		sum.Email, sum.BusiestThread, sum.BusiestPosts)
	return nil
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// progress draws one line per stage: a bar, the count and the rate.
type progress struct {
	w       io.Writer
	started time.Time
	stage   string
	since   time.Time
	drawn   time.Time
}

func (p *progress) update(stage string, done, total int) {
	now := time.Now()
	if stage != p.stage {
		p.since = p.started
		if p.stage != "" {
			fmt.Fprintln(p.w)
			p.since = p.drawn // this stage began when the last one ended
		}
		p.stage = stage
	} else if done < total && now.Sub(p.drawn) < 200*time.Millisecond {
		return
	}
	p.drawn = now
	const width = 30
	filled := width
	if total > 0 {
		filled = width * done / total
	}
	rate := float64(done) / max(now.Sub(p.since).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%-24s [%s%s] %d/%d  %.0f/s  ", stage, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, rate)
}

func (p *progress) done() {
	if p.stage != "" {
		fmt.Fprintln(p.w)
	}
}
