package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkLiveFanout measures live updates the way the issue asks: kith runs
// as its own process (the real binary, SQLite in a temporary directory); this
// process holds N websocket clients on loopback, all subscribed to one
// thread. It prints, per N: the server's memory per idle connection (growth
// of its resident set while the N sockets are open and subscribed, divided by
// N) and the delivery latency of replies from the moment the API request is
// sent (so commit plus handling, an upper bound of commit-to-delivery) to each
// subscriber: p50, p99, and the mean time to the last subscriber.
//
//	go test -run '^$' -bench LiveFanout -benchtime 1x ./cmd/kith/
func BenchmarkLiveFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				fanout(b, n, 30)
			}
		})
	}
}

func fanout(b *testing.B, n, posts int) {
	in := serve(b, b.TempDir(), "--debug-addr", "127.0.0.1:0")
	m := debugAddr.FindStringSubmatch(in.log())
	if m == nil {
		b.Fatalf("no debug listener in the log:\n%s", in.log())
	}
	debug := "http://" + m[1]
	ann := signUp(b, in.URL, "Ann")
	ann.call("POST", "/api/v1/spaces", map[string]any{"slug": "bench", "name": "Bench", "purpose": purpose, "visibility": "open"}, http.StatusCreated)
	th := ann.call("POST", "/api/v1/spaces/bench/threads", map[string]any{"title": "Fan-out", "body": "first"}, http.StatusCreated)
	tid := int64(th["thread"].(map[string]any)["id"].(float64))
	topic := fmt.Sprintf(`{"op":"subscribe","topic":"thread:%d"}`, tid)

	time.Sleep(300 * time.Millisecond) // let the fresh server settle before the baseline
	before := rss(b, in.cmd.Process.Pid)
	heapBefore := heapAndStacks(b, debug)

	url := "ws" + strings.TrimPrefix(in.URL, "http") + "/api/v1/live"
	header := http.Header{"Authorization": {"Bearer " + ann.token}}
	conns := make([]*websocket.Conn, n)
	sem := make(chan struct{}, 100)
	var wg sync.WaitGroup
	var dialErr atomic.Value
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := websocket.DefaultDialer.Dial(url, header)
			if err != nil {
				dialErr.Store(err)
				return
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte(topic)); err != nil {
				dialErr.Store(err)
				return
			}
			for { // wait for the subscription to be confirmed
				_, msg, err := c.ReadMessage()
				if err != nil {
					dialErr.Store(err)
					return
				}
				if bytes.Contains(msg, []byte(`"subscribed"`)) {
					break
				}
			}
			conns[i] = c
		}(i)
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		b.Fatalf("connecting %d clients: %v", n, err)
	}
	time.Sleep(500 * time.Millisecond)
	idle := rss(b, in.cmd.Process.Pid)
	heapIdle := heapAndStacks(b, debug)

	// Every client records when each post reaches it.
	arrivals := make([][]time.Time, posts)
	for i := range arrivals {
		arrivals[i] = make([]time.Time, n)
	}
	var received atomic.Int64
	for i, c := range conns {
		go func(i int, c *websocket.Conn) {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if !bytes.Contains(msg, []byte(`"post.created"`)) {
					continue
				}
				k := bytes.Index(msg, []byte(`"body":"bench `))
				if k < 0 {
					continue
				}
				rest := msg[k+len(`"body":"bench `):]
				end := bytes.IndexByte(rest, '"')
				idx, err := strconv.Atoi(string(rest[:end]))
				if err == nil && idx < posts {
					arrivals[idx][i] = time.Now()
					received.Add(1)
				}
			}
		}(i, c)
	}

	// KITH_BENCH_PROFILE=DIR saves the server's CPU profile of the fan-out.
	profiled := make(chan struct{})
	if dir := os.Getenv("KITH_BENCH_PROFILE"); dir != "" {
		go func() {
			defer close(profiled)
			res, err := http.Get(debug + "/debug/pprof/profile?seconds=3")
			if err != nil {
				return
			}
			defer res.Body.Close()
			f, err := os.Create(fmt.Sprintf("%s/live-%d.pprof", dir, n))
			if err == nil {
				_, _ = io.Copy(f, res.Body)
				_ = f.Close()
			}
		}()
	} else {
		close(profiled)
	}
	sent := make([]time.Time, posts)
	b.ResetTimer()
	for p := 0; p < posts; p++ {
		sent[p] = time.Now()
		ann.call("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": fmt.Sprintf("bench %d", p)}, http.StatusCreated)
		deadline := time.Now().Add(10 * time.Second)
		for received.Load() < int64((p+1)*n) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	<-profiled

	var all []time.Duration
	var lastSum time.Duration
	missing := 0
	for p := 0; p < posts; p++ {
		var last time.Duration
		for i := 0; i < n; i++ {
			if arrivals[p][i].IsZero() {
				missing++
				continue
			}
			d := arrivals[p][i].Sub(sent[p])
			all = append(all, d)
			if d > last {
				last = d
			}
		}
		lastSum += last
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(q float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(q*float64(len(all)-1))]
	}
	perConn := float64(idle-before) / float64(n)
	heapPerConn := float64(heapIdle-heapBefore) / float64(n)
	b.ReportMetric(perConn/1024, "KB/idle-conn")
	b.ReportMetric(heapPerConn/1024, "KB-heap+stack/idle-conn")
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64((lastSum/time.Duration(posts)).Microseconds())/1000, "ms-to-last")
	fmt.Printf("live fan-out: %d subscribers of one thread, %d replies, %d deliveries missing; server RSS %.1f MB idle before, %.1f MB with the sockets: %.1f KB per idle connection (Go heap in use + stacks: %.1f KB); delivery p50 %v, p99 %v, mean to the last subscriber %v (%d CPUs, %s, SQLite, clients in this process, server in its own)\n",
		n, posts, missing, float64(before)/1e6, float64(idle)/1e6, perConn/1024, heapPerConn/1024, pct(0.50), pct(0.99), lastSum/time.Duration(posts), runtime.NumCPU(), runtime.Version())
	if missing > 0 {
		b.Errorf("%d deliveries missing", missing)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	in.stop(b)
}

// rss reads a process's resident set size in bytes from /proc.
func rss(tb testing.TB, pid int) int64 {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb * 1024
		}
	}
	tb.Fatal("no VmRSS")
	return 0
}

var debugAddr = regexp.MustCompile(`msg="debug listener \(pprof, expvar\)" addr=(\S+)`)

// heapAndStacks reads the server's Go heap in use plus goroutine stacks from
// its debug listener (expvar's memstats).
func heapAndStacks(tb testing.TB, debug string) int64 {
	tb.Helper()
	res, err := http.Get(debug + "/debug/vars")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var vars struct {
		Memstats struct {
			HeapInuse  int64
			StackInuse int64
		} `json:"memstats"`
	}
	if err := json.NewDecoder(res.Body).Decode(&vars); err != nil {
		tb.Fatal(err)
	}
	return vars.Memstats.HeapInuse + vars.Memstats.StackInuse
}
