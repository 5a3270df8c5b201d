package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// fanCeiling serves, in a process of its own, websockets with nothing
// behind them: a socket's first message is answered with a "subscribed"
// frame, and POST /send?p=N writes one frame of --frame bytes, holding
// "fanout N", to every socket, shared among one goroutine per CPU, through
// gorilla's prepared messages. It is what this machine does for a fan-out
// with Go and the websocket library kith uses and nothing else (no
// database, no hub, no reply to post), measured by the same client as kith.
// It prints its address on stdout.
func fanCeiling(args []string) error {
	fs := flag.NewFlagSet("kithbench fan-ceiling", flag.ContinueOnError)
	size := fs.Int("frame", 300, "frame size in bytes, header included")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var (
		mu    sync.Mutex
		conns []*websocket.Conn
	)
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	subscribed := []byte(`{"topic":"thread:1","seq":0,"event":"subscribed"}`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		if _, _, err := c.ReadMessage(); err != nil {
			_ = c.Close()
			return
		}
		if err := c.WriteMessage(websocket.TextMessage, subscribed); err != nil {
			_ = c.Close()
			return
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	})
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query().Get("p")
		created := time.Now().Format(time.RFC3339Nano) // as kith's payload carries the post's
		body := fmt.Sprintf(`{"topic":"thread:1","seq":%s,"event":"post.created","data":{"body":"fanout %s","created_at":%q,"pad":""}}`, p, p, created)
		head := 2
		if *size > 127 {
			head = 4
		}
		if pad := *size - head - len(body); pad > 0 {
			body = strings.Replace(body, `"pad":""`, `"pad":"`+strings.Repeat("x", pad)+`"`, 1)
		}
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, []byte(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		mu.Lock()
		cs := conns[:len(conns):len(conns)]
		mu.Unlock()
		workers := runtime.GOMAXPROCS(0)
		for k := range workers {
			go func() {
				for i := k; i < len(cs); i += workers {
					_ = cs[i].WritePreparedMessage(pm)
				}
			}()
		}
		w.WriteHeader(http.StatusCreated)
	})
	return serveHelper(mux)
}

// ceilingFanout measures fan-out to n subscribers on the bare websocket
// server, with frames of frameBytes.
func ceilingFanout(ctx context.Context, n, replies, frameBytes int) (fanoutResult, error) {
	c, err := startHelper(ctx, "fan-ceiling", "--frame", strconv.Itoa(frameBytes))
	if err != nil {
		return fanoutResult{}, err
	}
	defer c.stop()
	base := strings.TrimSuffix(c.url, "/")
	client := &http.Client{Timeout: 30 * time.Second}
	pid := c.cmd.Process.Pid
	return fanout(ctx, fanTarget{
		url:       "ws" + strings.TrimPrefix(base, "http") + "/live",
		subscribe: []byte(`{"op":"subscribe","topic":"thread:1"}`),
		reply: func(p int) error {
			resp, err := client.Post(fmt.Sprintf("%s/send?p=%d", base, p), "text/plain", nil)
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("fan-out ceiling: %s", resp.Status)
			}
			return nil
		},
		rss:  func() int64 { return rssOf(pid) },
		heap: func() int64 { return 0 },
		profile: func(time.Duration) <-chan struct{} {
			done := make(chan struct{})
			close(done)
			return done
		},
	}, n, replies)
}
