package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // creating and dropping the benchmark's PostgreSQL database
)

// dataset is what kith seed made.
type dataset struct {
	dataDir  string // --data for kith (SQLite); empty on PostgreSQL
	dbURL    string // --db for kith on PostgreSQL
	email    string
	thread   int64 // the busiest thread
	dbBytes  int64
	seedTime time.Duration
	drop     func()
}

// seedFormat names the data `kith seed` makes; it goes up when a seeded
// database would differ (2: search indexes merged at the end), so that a
// cache of the old kind is seeded again rather than measured.
const seedFormat = 2

var seededLine = regexp.MustCompile(`sign in as (\S+) .* is /t/(\d+) with`)

// prepare seeds a database of the asked size. SQLite databases are kept in
// the cache directory and copied for each run, so that the minutes a
// million posts take are spent once; PostgreSQL gets a fresh database each
// run, dropped afterwards.
func prepare(ctx context.Context, o options) (*dataset, error) {
	seedArgs := []string{"--members", strconv.Itoa(o.members), "--spaces", strconv.Itoa(o.spaces),
		"--threads", strconv.Itoa(o.threads), "--posts", strconv.Itoa(o.posts), "--password", o.password, "--log-level", "warn"}
	if o.db != "" {
		ds, err := createPostgres(ctx, o.db)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		out, err := runKith(ctx, o.kith, append([]string{"seed", "--db", ds.dbURL, "--data", ds.dataDirOrTemp()}, seedArgs...)...)
		if err != nil {
			ds.drop()
			return nil, err
		}
		ds.seedTime = time.Since(start)
		if err := ds.parseSeed(out); err != nil {
			ds.drop()
			return nil, err
		}
		return ds, nil
	}
	name := fmt.Sprintf("seed%d-m%d-s%d-t%d-p%d", seedFormat, o.members, o.spaces, o.threads, o.posts)
	cached := filepath.Join(o.cache, name)
	if _, err := os.Stat(filepath.Join(cached, "seeded.txt")); err != nil {
		fmt.Fprintf(os.Stderr, "seeding %s (kept in %s for later runs)\n", name, cached)
		_ = os.RemoveAll(cached)
		if err := os.MkdirAll(cached, 0o755); err != nil {
			return nil, err
		}
		start := time.Now()
		out, err := runKith(ctx, o.kith, append([]string{"seed", "--data", cached}, seedArgs...)...)
		if err != nil {
			return nil, err
		}
		out = fmt.Sprintf("%s\nseed-seconds %.1f\n", out, time.Since(start).Seconds())
		if err := os.WriteFile(filepath.Join(cached, "seeded.txt"), []byte(out), 0o644); err != nil {
			return nil, err
		}
	}
	// A cache seeded by an older kith is brought up to its schema once, so
	// that no run measures a migration as start-up time.
	if _, err := runKith(ctx, o.kith, "migrate", "--data", cached, "--log-level", "warn"); err != nil {
		return nil, err
	}
	out, err := os.ReadFile(filepath.Join(cached, "seeded.txt"))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kithbench-")
	if err != nil {
		return nil, err
	}
	ds := &dataset{dataDir: dir, drop: func() { _ = os.RemoveAll(dir) }}
	for _, f := range []string{"kith.db", "kith.db-wal", "oauth.key"} {
		if err := copyFile(filepath.Join(cached, f), filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			ds.drop()
			return nil, err
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "kith.db")); err == nil {
		ds.dbBytes = fi.Size()
	}
	if m := regexp.MustCompile(`seed-seconds (\S+)`).FindSubmatch(out); m != nil {
		s, _ := strconv.ParseFloat(string(m[1]), 64)
		ds.seedTime = time.Duration(s * float64(time.Second))
	}
	return ds, ds.parseSeed(string(out))
}

func (ds *dataset) parseSeed(out string) error {
	m := seededLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("kith seed said:\n%s", out)
	}
	ds.email = m[1]
	ds.thread, _ = strconv.ParseInt(m[2], 10, 64)
	return nil
}

func runKith(ctx context.Context, kith string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, kith, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr // the progress bars
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kith %s: %w", args[0], err)
	}
	return out.String(), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// createPostgres makes a database of the run's own on the server of url.
func createPostgres(ctx context.Context, raw string) (*dataset, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("kithbench_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return nil, err
	}
	u.Path = "/" + name
	return &dataset{dbURL: u.String(), drop: func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	}}, nil
}

// server is a running kith.
type server struct {
	cmd     *exec.Cmd
	url     string
	debug   string
	started time.Duration // from exec to the first answered /healthz
	log     bytes.Buffer
	logFile *os.File // --server-log; nil without it
}

// stampedLines writes each line it is given to w after the time it was
// written, to the microsecond.
type stampedLines struct {
	w       io.Writer
	midLine bool
}

func (s *stampedLines) Write(b []byte) (int, error) {
	var out []byte
	for _, c := range b {
		if !s.midLine {
			out = time.Now().AppendFormat(out, "15:04:05.000000 ")
			s.midLine = true
		}
		out = append(out, c)
		if c == '\n' {
			s.midLine = false
		}
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs kith serve on the dataset, on loopback, with the sign-in rate
// limits raised for the load generator and signed-out reading on.
func start(ctx context.Context, o options, ds *dataset) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--debug-addr", debug, "--log-level", "warn", "--public-read",
		"--logins-per-minute", "100000", "--tokens-per-minute", "100000", "--searches-per-minute", "1000000"}
	if ds.dbURL != "" {
		args = append(args, "--db", ds.dbURL, "--data", ds.dataDirOrTemp())
	} else {
		args = append(args, "--data", ds.dataDir)
	}
	s := &server{url: "http://" + addr, debug: "http://" + debug}
	s.cmd = exec.CommandContext(ctx, o.kith, args...)
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if o.serverLog != "" {
		f, err := os.Create(o.serverLog)
		if err != nil {
			return nil, err
		}
		s.logFile = f
		w := io.MultiWriter(&s.log, &stampedLines{w: f})
		s.cmd.Stdout, s.cmd.Stderr = w, w
	}
	s.cmd.Cancel = func() error { return s.cmd.Process.Signal(syscall.SIGTERM) }
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for time.Since(t0) < 60*time.Second {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.started = time.Since(t0)
				return s, nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("kith did not answer /healthz within a minute:\n%s", s.log.String())
}

func (ds *dataset) dataDirOrTemp() string {
	if ds.dataDir == "" {
		dir, _ := os.MkdirTemp("", "kithbench-pg-")
		ds.dataDir = dir
		prev := ds.drop
		ds.drop = func() { prev(); _ = os.RemoveAll(dir) }
	}
	return ds.dataDir
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
}

// rss is the server's resident set in bytes.
func (s *server) rss() int64 { return rssOf(s.cmd.Process.Pid) }

func rssOf(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// profile saves the server's CPU profile for d into dir (when dir is set),
// named after the scenario; the channel closes when it is written.
func (s *server) profile(dir, scenario string, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	if dir == "" {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debug, max(1, int(d.Seconds()))))
		if err != nil {
			return
		}
		defer resp.Body.Close()
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(scenario))
		f, err := os.Create(filepath.Join(dir, name+".pprof"))
		if err != nil {
			return
		}
		_, _ = io.Copy(f, resp.Body)
		_ = f.Close()
	}()
	return done
}
