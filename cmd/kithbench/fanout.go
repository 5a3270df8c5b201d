package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// fanoutResult is one websocket fan-out measurement.
type fanoutResult struct {
	subscribers, replies, missing int
	frameBytes                    int           // size of a reply's frame as sent
	createdP50, createdP99        time.Duration // latency from the reply's created_at (0: frames carry none)
	perConnKB                     float64       // growth of the server's RSS per idle subscribed socket
	heapPerConnKB                 float64       // Go heap in use + stacks per idle socket (kith only)
	p50, p99, toLast              time.Duration // to each frame's arrival on its socket
	readP99                       time.Duration // to the measuring side's read of it
	perReply                      []replyTimes
}

// replyTimes is one reply's delivery, each time from sending its request.
type replyTimes struct {
	answered    time.Duration // the reply's request was answered
	first, last time.Duration // its frame arrived on the first and on the last socket
}

// fanTarget is a server to measure fan-out on: kith, or the bare websocket
// server of fanCeiling.
type fanTarget struct {
	url       string      // the websocket's URL
	header    http.Header // sent with the upgrade
	subscribe []byte      // what a socket sends to follow the thread; answered with a "subscribed" frame
	// reply has the server send reply p (its body "fanout p") to every
	// subscriber, returning once it is accepted.
	reply   func(p int) error
	rss     func() int64
	heap    func() int64                          // 0 where the server has no expvar
	profile func(d time.Duration) <-chan struct{} // closed when a CPU profile of d is saved
}

// kithFanout opens n websockets to kith, all following one new thread, then
// posts replies to it.
func kithFanout(ctx context.Context, s *server, who *account, space string, n, replies int, profile string) (fanoutResult, error) {
	th, err := who.call(http.MethodPost, "/api/v1/spaces/"+space+"/threads", map[string]any{"title": fmt.Sprintf("Fan-out to %d", n), "body": "first"}, http.StatusCreated)
	if err != nil {
		return fanoutResult{}, err
	}
	tid := int64(th["thread"].(map[string]any)["id"].(float64))
	return fanout(ctx, fanTarget{
		url:       "ws" + strings.TrimPrefix(s.url, "http") + "/api/v1/live",
		header:    http.Header{"Authorization": {"Bearer " + who.token}},
		subscribe: fmt.Appendf(nil, `{"op":"subscribe","topic":"thread:%d"}`, tid),
		reply: func(p int) error {
			_, err := who.call(http.MethodPost, fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": fmt.Sprintf("fanout %d", p)}, http.StatusCreated)
			return err
		},
		rss:  s.rss,
		heap: s.heapAndStacks,
		profile: func(d time.Duration) <-chan struct{} {
			return s.profile(profile, fmt.Sprintf("fanout %d", n), d)
		},
	}, n, replies)
}

// fanout opens n websockets to t, then has it send replies one at a time and
// records when each reaches each subscriber. The latency of a delivery runs
// from sending the reply's request (so it holds the request and, for kith,
// the commit: an upper bound of commit-to-delivery) to its arrival.
func fanout(ctx context.Context, t fanTarget, n, replies int) (fanoutResult, error) {
	res := fanoutResult{subscribers: n, replies: replies}
	time.Sleep(500 * time.Millisecond)
	before, heapBefore := t.rss(), t.heap()

	conns := make([]*websocket.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	sem := make(chan struct{}, 100)
	var wg sync.WaitGroup
	var dialErr atomic.Value
	dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, resp, err := dialer.DialContext(ctx, t.url, t.header)
			if resp != nil {
				_ = resp.Body.Close()
			}
			if err != nil {
				dialErr.Store(err)
				return
			}
			conns[i] = c
			if err := c.WriteMessage(websocket.TextMessage, t.subscribe); err != nil {
				dialErr.Store(err)
				return
			}
			for { // until the subscription is confirmed
				_, msg, err := c.ReadMessage()
				if err != nil {
					dialErr.Store(err)
					return
				}
				if bytes.Contains(msg, []byte(`"subscribed"`)) {
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		return res, fmt.Errorf("connecting %d subscribers: %w", n, err)
	}
	time.Sleep(time.Second)
	res.perConnKB = float64(t.rss()-before) / float64(n) / 1024
	res.heapPerConnKB = float64(t.heap()-heapBefore) / float64(n) / 1024

	arrivals, reads := make([][]time.Time, replies), make([][]time.Time, replies)
	for i := range arrivals {
		arrivals[i], reads[i] = make([]time.Time, n), make([]time.Time, n)
	}
	var received atomic.Int64
	// One goroutine reads every socket (see epollReader), so that the
	// measuring side leaves the machine's CPUs to the server.
	reader, err := newEpollReader(conns)
	if err != nil {
		return res, err
	}
	defer reader.close()
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	created := make([]time.Time, replies) // each reply's created_at, as its frames say
	go func() { readerDone <- reader.run(stop, arrivals, reads, created, &received) }()
	defer func() {
		close(stop)
		if err := <-readerDone; err != nil {
			fmt.Fprintln(os.Stderr, "kithbench: reading the subscribers:", err)
		}
	}()
	sent, answered := make([]time.Time, replies), make([]time.Duration, replies)
	profiled := t.profile(3 * time.Second)
	defer func() { <-profiled }()
	for p := range replies {
		sent[p] = time.Now()
		if err := t.reply(p); err != nil {
			return res, err
		}
		answered[p] = time.Since(sent[p])
		deadline := time.Now().Add(10 * time.Second)
		for received.Load() < int64((p+1)*n) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	var all, fromCreated, read []time.Duration
	var lastSum time.Duration
	for p := range replies {
		var last time.Duration
		first := time.Duration(math.MaxInt64)
		for i := range n {
			if arrivals[p][i].IsZero() {
				res.missing++
				continue
			}
			d := arrivals[p][i].Sub(sent[p])
			first = min(first, d)
			all = append(all, d)
			read = append(read, reads[p][i].Sub(sent[p]))
			last = max(last, d)
			if !created[p].IsZero() {
				fromCreated = append(fromCreated, arrivals[p][i].Sub(created[p]))
			}
		}
		lastSum += last
		res.perReply = append(res.perReply, replyTimes{answered: answered[p], first: first, last: last})
	}
	res.p50, res.p99 = percentiles(all)
	res.createdP50, res.createdP99 = percentiles(fromCreated)
	_, res.readP99 = percentiles(read)
	res.toLast = lastSum / time.Duration(replies)
	res.frameBytes = int(reader.frameBytes.Load())
	return res, nil
}

// percentiles returns the median and the 99th percentile of ds, sorting it.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(ds)
	return quantile(ds, 0.5), quantile(ds, 0.99)
}

// heapAndStacks reads the server's Go heap in use plus goroutine stacks from
// its debug listener (expvar's memstats).
func (s *server) heapAndStacks() int64 {
	resp, err := http.Get(s.debug + "/debug/vars")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var vars struct {
		Memstats struct{ HeapInuse, StackInuse int64 } `json:"memstats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return 0
	}
	return vars.Memstats.HeapInuse + vars.Memstats.StackInuse
}

// printReplies lists each reply's times, in milliseconds from sending it.
func printReplies(w io.Writer, rs []replyTimes) {
	for p, r := range rs {
		fmt.Fprintf(w, "    reply %2d: answered %7s  first %7s  last %7s\n", p, ms(r.answered), ms(r.first), ms(r.last))
	}
}
