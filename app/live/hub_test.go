package live

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"kith/models"
)

// fakeStore lets anyone follow anything and keeps a backlog in memory.
type fakeStore struct {
	mu     sync.Mutex
	events map[string][]models.Event
}

func (f *fakeStore) CanSubscribe(_ context.Context, a models.Actor, topic string) (models.Subscription, error) {
	if topic == "me" {
		return models.Subscription{Topic: models.MemberTopic(a.ID)}, nil
	}
	return models.Subscription{Topic: topic, SpaceID: 1}, nil
}

func (f *fakeStore) EventsSince(_ context.Context, topic string, seq int64, limit int) ([]models.Event, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []models.Event
	for _, e := range f.events[topic] {
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	return out, len(out) <= limit, nil
}

func (f *fakeStore) LatestSeq(_ context.Context, topic string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	es := f.events[topic]
	if len(es) == 0 {
		return 0, nil
	}
	return es[len(es)-1].Seq, nil
}

// commit stores events in the backlog without publishing them.
func (f *fakeStore) commit(es ...models.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.events == nil {
		f.events = map[string][]models.Event{}
	}
	for _, e := range es {
		f.events[e.Topic] = append(f.events[e.Topic], e)
	}
}

func ev(topic string, seq int64) models.Event {
	return models.Event{ID: seq, Topic: topic, Seq: seq, Kind: models.EventPostCreated, Payload: `{"n":` + itoaTest(seq) + `}`}
}

func itoaTest(n int64) string { b, _ := json.Marshal(n); return string(b) }

// serveHub runs a hub with cfg behind a test server, for Ann, and returns
// it with its websocket URL; wrap, when given, wraps the server's listener.
func serveHub(t *testing.T, cfg Config, store Store, wrap func(net.Listener) net.Listener) (*Hub, string) {
	t.Helper()
	h := NewHub(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go h.Run(context.Background())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Serve(w, r, models.Actor{ID: 7, Name: "Ann"})
	}))
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	t.Cleanup(func() { h.Close(); srv.Close() })
	return h, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func startHub(t *testing.T, store Store) (*Hub, *websocket.Conn) {
	t.Helper()
	h, url := serveHub(t, Config{GapWait: 20 * time.Millisecond}, store, nil)
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return h, ws
}

type testFrame struct {
	Topic string `json:"topic"`
	Seq   int64  `json:"seq"`
	Event string `json:"event"`
}

func readFrame(t *testing.T, ws *websocket.Conn) testFrame {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f testFrame
	if err := ws.ReadJSON(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

func subscribe(t *testing.T, ws *websocket.Conn, topic string) {
	t.Helper()
	if err := ws.WriteJSON(map[string]any{"op": "subscribe", "topic": topic}); err != nil {
		t.Fatal(err)
	}
	for {
		if f := readFrame(t, ws); f.Event == "subscribed" {
			return
		} else if f.Event != "presence" {
			t.Fatalf("subscribing: %+v", f)
		}
	}
}

// subscribers opens n websockets to url, each following topic.
func subscribers(t *testing.T, url string, n int, topic string) []*websocket.Conn {
	t.Helper()
	socks := make([]*websocket.Conn, n)
	for i := range socks {
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ws.Close() })
		subscribe(t, ws, topic)
		socks[i] = ws
	}
	return socks
}

// publishSeqs commits and publishes events 1 to n of topic, in order.
func publishSeqs(h *Hub, store *fakeStore, topic string, n int64) {
	for seq := int64(1); seq <= n; seq++ {
		store.commit(ev(topic, seq))
		h.Publish([]models.Event{ev(topic, seq)})
	}
}

// wantSeqs reads events 1 to n, in order, from subscriber i's socket.
func wantSeqs(t *testing.T, i int, ws *websocket.Conn, n int64) {
	t.Helper()
	for want := int64(1); want <= n; want++ {
		if f := nextEvent(t, ws); f.Seq != want {
			t.Fatalf("subscriber %d: want seq %d, got %+v", i, want, f)
		}
	}
}

// nextEvent skips presence counts.
func nextEvent(t *testing.T, ws *websocket.Conn) testFrame {
	t.Helper()
	for {
		if f := readFrame(t, ws); f.Event != "presence" {
			return f
		}
	}
}

// Events that arrive out of order, or twice (in-process and through
// NOTIFY), are delivered once each, in seq order.
func TestHubOrdersAndDedupes(t *testing.T) {
	store := &fakeStore{}
	h, ws := startHub(t, store)
	subscribe(t, ws, "thread:1")
	store.commit(ev("thread:1", 1), ev("thread:1", 2), ev("thread:1", 3))
	h.Publish([]models.Event{ev("thread:1", 2)})
	h.Publish([]models.Event{ev("thread:1", 1), ev("thread:1", 2)})
	h.Publish([]models.Event{ev("thread:1", 1), ev("thread:1", 3)})
	for want := int64(1); want <= 3; want++ {
		if f := nextEvent(t, ws); f.Seq != want || f.Event != models.EventPostCreated {
			t.Fatalf("want seq %d, got %+v", want, f)
		}
	}
	store.commit(ev("thread:1", 4))
	h.Publish([]models.Event{ev("thread:1", 3), ev("thread:1", 4)})
	if f := nextEvent(t, ws); f.Seq != 4 {
		t.Fatalf("after duplicates: %+v", f)
	}
}

// An event whose predecessors never arrive (their NOTIFY was lost) waits a
// moment, then the hub reads them from the backlog.
func TestHubFillsGapsFromTheBacklog(t *testing.T) {
	store := &fakeStore{}
	h, ws := startHub(t, store)
	subscribe(t, ws, "thread:1")
	store.commit(ev("thread:1", 1), ev("thread:1", 2), ev("thread:1", 3))
	h.Publish([]models.Event{ev("thread:1", 3)})
	for want := int64(1); want <= 3; want++ {
		if f := nextEvent(t, ws); f.Seq != want {
			t.Fatalf("want seq %d, got %+v", want, f)
		}
	}
	// CatchUp (after the listener reconnects) finds what was never announced.
	store.commit(ev("thread:1", 4), ev("thread:1", 5))
	h.CatchUp()
	for want := int64(4); want <= 5; want++ {
		if f := nextEvent(t, ws); f.Seq != want {
			t.Fatalf("catch-up: want seq %d, got %+v", want, f)
		}
	}
}

// membership.ended cuts the person's subscriptions to that space at once,
// whether or not they follow "me".
func TestHubCutsOnMembershipEnded(t *testing.T) {
	store := &fakeStore{}
	h, ws := startHub(t, store)
	subscribe(t, ws, "thread:1")
	subscribe(t, ws, "space:x")
	ended := models.Event{ID: 99, Topic: models.MemberTopic(7), Seq: 1, Kind: models.EventMembershipEnded,
		Payload: `{"space":{"id":1,"slug":"x","name":"X"},"how":"left"}`}
	store.commit(ended)
	h.Publish([]models.Event{ended})
	cut := map[string]bool{}
	for len(cut) < 2 {
		f := nextEvent(t, ws)
		if f.Event != "error" {
			t.Fatalf("want error frames, got %+v", f)
		}
		cut[f.Topic] = true
	}
	store.commit(ev("thread:1", 1))
	h.Publish([]models.Event{ev("thread:1", 1)})
	subscribe(t, ws, "me")
	note := models.Event{ID: 100, Topic: models.MemberTopic(7), Seq: 2, Kind: models.EventNotification, Payload: `{}`}
	store.commit(note)
	h.Publish([]models.Event{note})
	if f := nextEvent(t, ws); f.Topic != "me" || f.Seq != 2 {
		t.Fatalf("after the cut: %+v", f)
	}
}

// Many subscribers of one topic each get every event once, in order, while
// the flushers share the writing; a client's ping is answered in the same
// stream, and a client that closes is answered with its own close code.
func TestHubFansOutInOrderAndAnswersPingsAndCloses(t *testing.T) {
	store := &fakeStore{}
	h, url := serveHub(t, Config{Flushers: 3}, store, nil)
	const n, events = 50, 40
	socks := subscribers(t, url, n, "thread:1")
	publishSeqs(h, store, "thread:1", events)
	for i, ws := range socks {
		wantSeqs(t, i, ws, events)
	}

	// The pong ends the read: gorilla handles it within ReadMessage.
	ws := socks[0]
	var ponged string
	ws.SetPongHandler(func(data string) error {
		ponged = data
		return ws.SetReadDeadline(time.Now())
	})
	if err := ws.WriteControl(websocket.PingMessage, []byte("still there?"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			break
		}
	}
	if ponged != "still there?" {
		t.Fatalf("pong %q", ponged)
	}

	ws = socks[1]
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue // presence counts
		}
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Fatalf("after closing: %v, want the server to echo the going-away code", err)
		}
		break
	}
}

// A subscriber that does not read holds up nobody: the others get each event
// at once, while its frames wait for it (the flushers hand its socket to a
// goroutine of its own), and once it reads it gets every one, whole and in
// order.
func TestHubSlowReaderWaitsAlone(t *testing.T) {
	store := &fakeStore{}
	// Small socket buffers on both ends, so that the server's writes to a
	// socket nobody reads soon find it full.
	h, url := serveHub(t, Config{Flushers: 1}, store, func(l net.Listener) net.Listener { return smallBuffers{l} })
	// The receive buffer is set before connecting, so that the window the
	// client advertises matches it.
	small := &websocket.Dialer{NetDial: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }) //nolint:gosec // G115: a file descriptor fits an int
		return errors.Join(err, serr)
	}}).Dial}
	slow, _, err := small.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = slow.Close() })
	subscribe(t, slow, "thread:1")
	fast, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fast.Close() })
	subscribe(t, fast, "thread:1")

	const events = 30 // under the send queue's 64, so the slow one is kept
	pad := strings.Repeat("x", 50000)
	for seq := int64(1); seq <= events; seq++ {
		e := ev("thread:1", seq)
		e.Payload = `{"pad":"` + pad + `"}`
		store.commit(e)
		h.Publish([]models.Event{e})
		if f := nextEvent(t, fast); f.Seq != seq {
			t.Fatalf("fast subscriber: want seq %d, got %+v", seq, f)
		}
	}
	for want := int64(1); want <= events; want++ {
		if f := nextEvent(t, slow); f.Seq != want {
			t.Fatalf("slow subscriber: want seq %d, got %+v", want, f)
		}
	}
}

// smallBuffers gives each accepted connection a small send buffer.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(8192)
	}
	return c, nil
}

// The list of connections waiting for a flusher hands them out in order and
// keeps only what is not yet taken, also when it never empties.
func TestFlushersListKeepsOnlyWhatWaits(t *testing.T) {
	var f flushers
	f.wake = make(chan struct{}, 1)
	conns := make([]*conn, 10000)
	for i := range conns {
		conns[i] = &conn{}
	}
	pushed, taken := 0, 0
	buf := make([]*conn, 0, readyChunk)
	for round := range 200 {
		for range readyChunk + 8 { // more arrive than one take moves
			f.push(conns[pushed])
			pushed++
		}
		buf = f.take(buf[:0])
		for _, c := range buf {
			if c != conns[taken] {
				t.Fatalf("round %d: connection %d out of order", round, taken)
			}
			taken++
		}
		if waiting := len(f.ready) - f.head; waiting != pushed-taken || cap(f.ready) > 4*(waiting+readyChunk+8) {
			t.Fatalf("round %d: %d waiting (want %d) in a list of capacity %d", round, waiting, pushed-taken, cap(f.ready))
		}
	}
}

// Subscribers leaving a topic from anywhere in its list (unsubscribing or
// going away) leave every other subscriber its events, once each and in
// order, and every place in the list known to its subscriber.
func TestHubKeepsEveryOtherSubscriberWhenSomeLeave(t *testing.T) {
	store := &fakeStore{}
	h, url := serveHub(t, Config{}, store, nil)
	const n, events = 30, 5
	socks := subscribers(t, url, n, "thread:1")
	left := map[int]bool{}
	for i := 0; i < n; i += 3 {
		if err := socks[i].WriteJSON(map[string]any{"op": "unsubscribe", "topic": "thread:1"}); err != nil {
			t.Fatal(err)
		}
		left[i] = true
	}
	for i := 1; i < n; i += 5 {
		if !left[i] {
			_ = socks[i].Close()
			left[i] = true
		}
	}
	stay := n - len(left)
	var subs []*sub
	for deadline := time.Now().Add(5 * time.Second); ; {
		h.call(func() {
			subs = nil
			if tp := h.topics["thread:1"]; tp != nil {
				subs = append(subs, tp.subs...)
				for i, s := range tp.subs {
					if s.at != i {
						t.Errorf("subscriber %d of the list says it is at %d", i, s.at)
					}
				}
			}
		})
		if len(subs) == stay {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers left of %d, want %d", len(subs), n, stay)
		}
		time.Sleep(5 * time.Millisecond)
	}
	publishSeqs(h, store, "thread:1", events)
	for i, ws := range socks {
		if !left[i] {
			wantSeqs(t, i, ws, events)
		}
	}
}
