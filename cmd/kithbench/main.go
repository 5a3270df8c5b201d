// Command kithbench measures kith the way its users meet it: it seeds a
// database with `kith seed`, starts `kith serve` as a process of its own,
// drives it over loopback from this process, and prints a table of
// requests/s, latency percentiles, errors and the server's memory for each
// scenario, beside a plain net/http server sending a body of the same size
// (the ceiling of what this machine can serve), and the conditions of the
// run.
//
//	go build -o bin/kith ./cmd/kith && go run ./cmd/kithbench --kith bin/kith
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

type options struct {
	kith                            string
	db                              string
	cache                           string
	members, spaces, threads, posts int
	password                        string
	conns                           int
	searchConns                     int
	duration                        time.Duration
	fanout                          string
	replies                         int
	scenarios                       string
	profile                         string
	serverLog                       string
	eachReply                       bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "ceiling":
		err = ceiling(os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "fan-ceiling":
		err = fanCeiling(os.Args[2:])
	default:
		err = run(ctx, os.Args[1:])
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "kithbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("kithbench", flag.ContinueOnError)
	fs.StringVar(&o.kith, "kith", "bin/kith", "the kith binary to measure")
	fs.StringVar(&o.db, "db", "", "a PostgreSQL URL whose server kithbench may create a database on (default: SQLite)")
	fs.StringVar(&o.cache, "cache", "data/bench", "where seeded SQLite databases are kept between runs")
	fs.IntVar(&o.members, "members", 1000, "seeded members")
	fs.IntVar(&o.spaces, "spaces", 20, "seeded spaces")
	fs.IntVar(&o.threads, "threads", 500, "seeded threads")
	fs.IntVar(&o.posts, "posts", 10000, "seeded posts")
	fs.StringVar(&o.password, "password", "seeded-password", "the seeded accounts' password")
	fs.IntVar(&o.conns, "conns", 64, "concurrent connections of each HTTP scenario")
	fs.IntVar(&o.searchConns, "search-conns", 4, "search is measured again with this many searches at once, for its latency (0: not)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each HTTP scenario runs")
	fs.StringVar(&o.fanout, "fanout", "1000,10000", "websocket subscriber counts to measure (empty: none)")
	fs.IntVar(&o.replies, "replies", 30, "replies sent in each fan-out measurement")
	fs.StringVar(&o.scenarios, "scenarios", "all", "comma-separated scenarios to run: ceiling,home,space,thread-out,thread-in,thread-json,post,search,fanout")
	fs.StringVar(&o.profile, "profile", "", "save the server's CPU profile of each scenario in this directory")
	fs.StringVar(&o.serverLog, "server-log", "", "write kith's output to this file, each line stamped with the time (e.g. for GODEBUG=gctrace=1)")
	fs.BoolVar(&o.eachReply, "each-reply", false, "print every fan-out reply's times: its request answered, its first and last arrival")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := func(name string) bool {
		return o.scenarios == "all" || strings.Contains(","+o.scenarios+",", ","+name+",")
	}

	ds, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	defer ds.drop()
	s, err := start(ctx, o, ds)
	if err != nil {
		return err
	}
	defer s.stop()
	time.Sleep(time.Second)
	idleRSS := s.rss()

	// The runner is a person of its own: it signs up, joins the space of the
	// thread it reads (for itself), and starts a space for the fan-out.
	me, err := signUp(s.url)
	if err != nil {
		return err
	}
	target, err := pickThread(me)
	if err != nil {
		return err
	}
	client := newClient(o.conns)
	cookie := http.Header{"Cookie": {me.cookie}}
	bearer := http.Header{"Authorization": {"Bearer " + me.token}}
	var rows []result
	measureAt := func(conns int, name string, want int, next request) {
		profiled := s.profile(o.profile, name, o.duration)
		r := load(ctx, client, name, conns, o.duration, want, next)
		<-profiled
		r.rssMB = float64(s.rss()) / 1e6
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "  %-34s %8.0f req/s  p99 %s ms  errors %d\n", name, r.rate(), ms(r.pct(0.99)), r.errors)
	}
	measure := func(name string, want int, next request) { measureAt(o.conns, name, want, next) }
	thread := fmt.Sprintf("%s/t/%d", s.url, target.id)
	fmt.Fprintf(os.Stderr, "measuring (each scenario %s at %d connections)\n", o.duration, o.conns)

	var ceilingRate float64
	if want("ceiling") {
		// The ceiling sends a body the size of the thread page.
		size := pageSize(thread, cookie)
		c, err := startHelper(ctx, "ceiling", "--size", strconv.Itoa(size))
		if err != nil {
			return err
		}
		measure(fmt.Sprintf("ceiling: net/http, %d-byte body", size), http.StatusOK, get(c.url, nil))
		c.stop()
		rows[len(rows)-1].rssMB = float64(c.rss) / 1e6
		ceilingRate = rows[len(rows)-1].rate()
	}
	if want("home") {
		measure("home page, signed in", http.StatusOK, get(s.url+"/", cookie))
	}
	if want("space") {
		measure("space page, signed in", http.StatusOK, get(s.url+"/s/"+target.space, cookie))
	}
	if want("thread-out") {
		measure(fmt.Sprintf("thread page (%d of %d posts), signed out", min(50, target.posts), target.posts), http.StatusOK, get(thread, nil))
	}
	if want("thread-in") {
		measure(fmt.Sprintf("thread page (%d of %d posts), signed in", min(50, target.posts), target.posts), http.StatusOK, get(thread, cookie))
	}
	if want("thread-json") {
		measure("thread as JSON (GET /api/v1/threads/:id)", http.StatusOK, get(fmt.Sprintf("%s/api/v1/threads/%d", s.url, target.id), bearer))
	}
	if want("search") {
		words := []string{"latency", "cache", "migration", "rollout", "postgres", "\"error budget\"", "deploy*", "flaky", "kubernetes", "review"}
		search := func(i int) (*http.Request, error) {
			return get(s.url+"/api/v1/search?q="+urlQuery(words[i%len(words)]), bearer)(i)
		}
		measure("search (GET /api/v1/search)", http.StatusOK, search)
		if o.searchConns > 0 && o.searchConns != o.conns {
			measureAt(o.searchConns, fmt.Sprintf("search, %d searching at once", o.searchConns), http.StatusOK, search)
		}
	}
	if want("post") {
		body := func(i int) []byte {
			return []byte(fmt.Sprintf(`{"body":"Reply %d from the benchmark: latency and throughput."}`, i))
		}
		measure("posting replies (POST /api/v1/threads/:id/posts)", http.StatusCreated, func(i int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/threads/%d/posts", s.url, target.id), bytes.NewReader(body(i)))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+me.token)
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		})
	}
	var fans, bare []fanoutResult
	if want("fanout") && o.fanout != "" {
		if _, err := me.call(http.MethodPost, "/api/v1/spaces", map[string]any{"slug": "bench-live", "name": "Bench live",
			"purpose": "A space the benchmark starts to measure live updates.", "visibility": "open"}, http.StatusCreated); err != nil {
			return err
		}
		for _, f := range strings.Split(o.fanout, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("--fanout: %w", err)
			}
			r, err := kithFanout(ctx, s, me, "bench-live", n, o.replies, o.profile)
			if err != nil {
				return err
			}
			fans = append(fans, r)
			fmt.Fprintf(os.Stderr, "  fan-out to %d: p99 %s ms, %.1f KB per idle socket\n", n, ms(r.p99), r.perConnKB)
			if o.eachReply {
				printReplies(os.Stderr, r.perReply)
			}
			if want("ceiling") {
				b, err := ceilingFanout(ctx, n, o.replies, r.frameBytes)
				if err != nil {
					return err
				}
				bare = append(bare, b)
				fmt.Fprintf(os.Stderr, "  fan-out ceiling, %d: p99 %s ms\n", n, ms(b.p99))
				if o.eachReply {
					printReplies(os.Stderr, b.perReply)
				}
			}
		}
	}

	report(os.Stdout, o, ds, s, idleRSS, target, rows, ceilingRate, fans, bare)
	return nil
}

func report(w io.Writer, o options, ds *dataset, s *server, idleRSS int64, target threadRef, rows []result, ceilingRate float64, fans, bare []fanoutResult) {
	db := "SQLite (WAL, synchronous=NORMAL)"
	if ds.dbURL != "" {
		db = "PostgreSQL " + redact(o.db)
	}
	version, _ := exec.Command(o.kith, "version").Output()
	fmt.Fprintf(w, "\nkith %s\n", strings.TrimSpace(string(version)))
	fmt.Fprintf(w, "conditions: %d CPUs, %s, %s; server and load generator on the same machine over loopback, in separate processes\n",
		runtime.NumCPU(), runtime.Version(), db)
	fmt.Fprintf(w, "data: %d members, %d spaces, %d threads, %d posts", o.members, o.spaces, o.threads, o.posts)
	if ds.dbBytes > 0 {
		fmt.Fprintf(w, "; database file %.0f MB", float64(ds.dbBytes)/1e6)
	}
	if ds.seedTime > 0 {
		fmt.Fprintf(w, "; seeded in %s", ds.seedTime.Round(time.Second))
	}
	fmt.Fprintf(w, "\nserver: started serving in %s; idle RSS %.1f MB; thread read: /t/%d in space %s\n",
		s.started.Round(time.Millisecond), float64(idleRSS)/1e6, target.id, target.space)
	fmt.Fprintf(w, "HTTP scenarios: %d connections (search also at %d), %s each, closed loop\n\n", o.conns, o.searchConns, o.duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests/s\tof ceiling\tp50 ms\tp95 ms\tp99 ms\terrors\tbody bytes\tserver RSS MB\t")
	for _, r := range rows {
		ratio := ""
		if ceilingRate > 0 && !strings.HasPrefix(r.name, "ceiling") {
			ratio = fmt.Sprintf("%.0f%%", 100*r.rate()/ceilingRate)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t%.1f\t\n", r.name, r.rate(), ratio, ms(r.pct(0.5)), ms(r.pct(0.95)), ms(r.pct(0.99)), r.errors, r.bytes, r.rssMB)
	}
	_ = tw.Flush()
	if len(fans) > 0 {
		fmt.Fprintf(w, "\nwebsocket fan-out: N subscribers of one thread (clients in this process, read by one goroutine with epoll), %d replies; latency from sending the reply's request to arrival (the kernel's receive time on the subscriber's socket), and from the created_at its frame carries (kith: the post's, set in its transaction before the commit; ceiling: when the server began writing); read: when this process's reader got to it\n", fans[0].replies)
		if len(bare) > 0 {
			fmt.Fprintf(w, "ceiling: a bare gorilla/websocket server (no database, no hub) writing a frame of the same size to every socket from %d goroutines\n", runtime.NumCPU())
		}
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "server\tsubscribers\tframe bytes\tp50 ms\tp99 ms\tp99 of ceiling\tfrom created_at: p50 ms\tp99 ms\tmean to last ms\tread: p99 ms\tmissing\tserver RSS KB/idle socket\tGo heap+stacks KB/idle socket\t")
		for i, f := range fans {
			ratio := ""
			if i < len(bare) && bare[i].p99 > 0 {
				ratio = fmt.Sprintf("%.2fx", float64(f.p99)/float64(bare[i].p99))
			}
			fmt.Fprintf(tw, "kith\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%.1f\t%.1f\t\n", f.subscribers, f.frameBytes, ms(f.p50), ms(f.p99), ratio,
				ms(f.createdP50), ms(f.createdP99), ms(f.toLast), ms(f.readP99), f.missing, f.perConnKB, f.heapPerConnKB)
			if i < len(bare) {
				b := bare[i]
				fmt.Fprintf(tw, "ceiling\t%d\t%d\t%s\t%s\t\t%s\t%s\t%s\t%s\t%d\t%.1f\t\t\n", b.subscribers, b.frameBytes, ms(b.p50), ms(b.p99),
					ms(b.createdP50), ms(b.createdP99), ms(b.toLast), ms(b.readP99), b.missing, b.perConnKB)
			}
		}
		_ = tw.Flush()
	}
}

func redact(raw string) string {
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "…" + raw[i:]
		}
	}
	return raw
}

func urlQuery(q string) string {
	r := strings.NewReplacer(" ", "+", "\"", "%22", "*", "%2A", ":", "%3A")
	return r.Replace(q)
}

// account is the benchmark's own person.
type account struct {
	base   string
	token  string
	cookie string
	client *http.Client
}

func signUp(base string) (*account, error) {
	a := &account{base: base, client: newClient(4)}
	email := fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano())
	body := map[string]any{"email": email, "name": "Bench Runner", "password": "bench-password-1"}
	resp, err := a.do(http.MethodPost, "/api/v1/auth/signup", body, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "kith_session" {
			a.cookie = c.Name + "=" + c.Value
		}
	}
	tok, err := a.call(http.MethodPost, "/api/v1/auth/token", map[string]any{"email": email, "password": "bench-password-1"}, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	a.token, _ = tok["token"].(string)
	if a.cookie == "" || a.token == "" {
		return nil, errors.New("signing up the benchmark's account gave no session or token")
	}
	return a, nil
}

func (a *account) do(method, path string, body any, want int) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", a.base)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp, nil
}

func (a *account) call(method, path string, body any, want int) (map[string]any, error) {
	resp, err := a.do(method, path, body, want)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return out, nil
}

type threadRef struct {
	id    int64
	space string
	posts int
}

// pickThread finds, among the open spaces' recent threads, the one with the
// most posts (at least 51, so that its first page shows 50 replies, if there
// is one), and joins its space so that the runner may post there.
func pickThread(a *account) (threadRef, error) {
	var best threadRef
	sp, err := a.call(http.MethodGet, "/api/v1/spaces?limit=100", nil, http.StatusOK)
	if err != nil {
		return best, err
	}
	versions := map[string]int{}
	for _, x := range sp["spaces"].([]any) {
		space := x.(map[string]any)
		if space["visibility"] != "open" {
			continue
		}
		slug := space["slug"].(string)
		if p, ok := space["purpose"].(map[string]any); ok {
			versions[slug] = int(p["version"].(float64))
		}
		ts, err := a.call(http.MethodGet, "/api/v1/spaces/"+slug+"/threads?limit=100", nil, http.StatusOK)
		if err != nil {
			return best, err
		}
		for _, y := range ts["threads"].([]any) {
			t := y.(map[string]any)
			n := int(t["post_count"].(float64))
			better := (n >= 51 && (best.posts < 51 || n < best.posts)) || (best.posts < 51 && n > best.posts)
			if better {
				best = threadRef{id: int64(t["id"].(float64)), space: slug, posts: n}
			}
		}
	}
	if best.id == 0 {
		return best, errors.New("no thread in an open space to read")
	}
	v := versions[best.space]
	if v == 0 {
		g, err := a.call(http.MethodGet, "/api/v1/spaces/"+best.space, nil, http.StatusOK)
		if err != nil {
			return best, err
		}
		v = int(g["space"].(map[string]any)["purpose"].(map[string]any)["version"].(float64))
	}
	_, err = a.call(http.MethodPost, "/api/v1/spaces/"+best.space+"/join", map[string]any{"affirm_purpose_version": v}, http.StatusOK)
	return best, err
}

func pageSize(url string, header http.Header) int {
	resp, err := get(url, header)(0)
	if err != nil {
		return 0
	}
	r, err := http.DefaultClient.Do(resp)
	if err != nil {
		return 0
	}
	defer r.Body.Close()
	n, _ := io.Copy(io.Discard, r.Body)
	return int(n)
}

// helper is one of this program's reference servers (ceiling, fan-ceiling)
// running as a process of its own.
type helper struct {
	cmd *exec.Cmd
	url string
	rss int64
}

// startHelper runs this program's command with args as a process of its
// own, and reads the address it serves on.
func startHelper(ctx context.Context, command string, args ...string) (*helper, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, append([]string{command}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	return &helper{cmd: cmd, url: "http://" + strings.TrimSpace(line) + "/"}, nil
}

func (c *helper) stop() {
	c.rss = rssOf(c.cmd.Process.Pid)
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}
