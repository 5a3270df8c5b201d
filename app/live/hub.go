// Package live is kith's live-update hub: websocket connections subscribe to
// topics ("thread:42", "space:go-guild", "me") and receive the events that
// domain operations commit, in order, once each.
//
// One goroutine (Run) owns the index of connections, topics and
// subscriptions; everything else hands it work through a channel. It never
// waits for a connection: each has a buffered send queue, and one whose queue
// is full is closed rather than allowed to stall the others.
package live

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"kith/models"
)

// Store is what the hub asks of the database.
type Store interface {
	CanSubscribe(ctx context.Context, a models.Actor, topic string) (models.Subscription, error)
	EventsSince(ctx context.Context, topic string, seq int64, limit int) ([]models.Event, bool, error)
	LatestSeq(ctx context.Context, topic string) (int64, error)
}

// Config tunes the hub. Zero values take the defaults.
type Config struct {
	SendQueue        int           // frames (or replay batches) queued per connection before it counts as slow
	Flushers         int           // goroutines writing queued frames to sockets that take them at once; default: one per CPU
	MaxMessageBytes  int64         // largest message a client may send
	PingInterval     time.Duration // how often the server pings; a client silent for twice this is dropped
	WriteTimeout     time.Duration // how long one write may take
	ReplayLimit      int           // most events replayed for one subscribe; more answers resync
	MaxSubscriptions int           // topics one connection may follow at once
	PresenceInterval time.Duration // reader counts are sent at most this often per thread
	GapWait          time.Duration // how long an out-of-order event waits for the ones before it
}

func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	dur := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.SendQueue, 64)
	def(&c.Flushers, runtime.GOMAXPROCS(0))
	def(&c.ReplayLimit, 500)
	def(&c.MaxSubscriptions, 100)
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 4096
	}
	dur(&c.PingInterval, 30*time.Second)
	dur(&c.WriteTimeout, 10*time.Second)
	dur(&c.PresenceInterval, 500*time.Millisecond)
	dur(&c.GapWait, 200*time.Millisecond)
	return c
}

// Hub fans committed events out to the websocket connections that follow
// their topics.
type Hub struct {
	cfg      Config
	store    Store
	log      *slog.Logger
	upgrader websocket.Upgrader

	ops  chan func() // run on the hub goroutine, in order
	wake chan struct{}

	mu    sync.Mutex
	queue []models.Event // published, not yet taken by the hub

	ctx       context.Context // ends with Close; connections' database calls use it
	cancel    context.CancelFunc
	running   atomic.Bool
	done      chan struct{} // closed when Run returns
	closeOnce sync.Once
	writers   sync.WaitGroup // connections a flusher owns
	fl        flushers

	// Owned by the hub goroutine.
	conns     map[*conn]struct{}
	byMember  map[int64]map[*conn]struct{}
	topics    map[string]*topic
	gappy     map[*topic]struct{}
	presence  map[*topic]struct{}
	lastPres  time.Time
	lastPing  time.Time
	seenEnded map[int64]time.Time // membership.ended events already acted on, by id
}

// NewHub returns a hub; start it with Run.
func NewHub(cfg Config, store Store, log *slog.Logger) *Hub {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg: cfg, store: store, log: log,
		ops:  make(chan func(), 256),
		wake: make(chan struct{}, 1),
		ctx:  ctx, cancel: cancel,
		done:      make(chan struct{}),
		conns:     map[*conn]struct{}{},
		byMember:  map[int64]map[*conn]struct{}{},
		topics:    map[string]*topic{},
		gappy:     map[*topic]struct{}{},
		presence:  map[*topic]struct{}{},
		seenEnded: map[int64]time.Time{},
	}
	h.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		// The app checks the Origin of cookie sessions before upgrading;
		// bearer and signed-out sockets carry no ambient credentials.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return h
}

// Run serves until ctx ends or Close is called, then closes every
// connection with a going-away close frame.
func (h *Hub) Run(ctx context.Context) {
	if !h.running.CompareAndSwap(false, true) {
		return
	}
	h.startFlushers(h.cfg.Flushers)
	defer func() {
		h.stopFlushers() // once the close frames shutdown queued are written
		close(h.done)
	}()
	h.lastPing = time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			h.shutdown()
			return
		case <-h.ctx.Done():
			h.shutdown()
			return
		case f := <-h.ops:
			f()
		case <-h.wake:
			h.drain()
		case now := <-tick.C:
			h.tick(now)
		}
	}
}

// Close stops the hub, closes every socket with a going-away close frame and
// waits until those frames are written (each within the write timeout).
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		h.cancel()
		if h.running.Load() {
			<-h.done
		}
	})
}

// Publish hands committed events to the hub. It never blocks; it is the
// store's publisher and the PostgreSQL listener's outlet. An event may arrive
// twice (in-process and through NOTIFY) and out of order: the hub delivers
// each (topic, seq) once, in order.
func (h *Hub) Publish(events []models.Event) {
	if len(events) == 0 || h.ctx.Err() != nil {
		return
	}
	h.mu.Lock()
	h.queue = append(h.queue, events...)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// CatchUp fetches, for every topic someone follows, what was committed after
// the last event delivered on it: events announced while the PostgreSQL
// listener was disconnected are found this way.
func (h *Hub) CatchUp() {
	h.do(func() {
		for _, t := range h.topics {
			if t.last >= 0 && !t.fetching {
				h.fetch(t)
			}
		}
	})
}

// do runs f on the hub goroutine, unless the hub has stopped.
func (h *Hub) do(f func()) bool {
	select {
	case h.ops <- f:
		return true
	case <-h.done:
		return false
	case <-h.ctx.Done():
		return false
	}
}

// call runs f on the hub goroutine and waits until it has run.
func (h *Hub) call(f func()) bool {
	ran := make(chan struct{})
	if !h.do(func() { f(); close(ran) }) {
		return false
	}
	select {
	case <-ran:
		return true
	case <-h.done:
		return false
	}
}

func (h *Hub) drain() {
	h.mu.Lock()
	es := h.queue
	h.queue = nil
	h.mu.Unlock()
	h.process(es)
}

// process takes events in: a membership that ended cuts subscriptions at
// once, before anything else of the batch is delivered; then each event joins
// its topic's ordered stream.
func (h *Hub) process(es []models.Event) {
	for i := range es {
		if es[i].Kind == models.EventMembershipEnded {
			h.membershipEnded(&es[i])
		}
	}
	for _, e := range es {
		if t := h.topics[e.Topic]; t != nil {
			h.accept(t, e)
		}
	}
}

func (h *Hub) tick(now time.Time) {
	for t := range h.gappy {
		if !t.fetching && now.Sub(t.gapSince) >= h.cfg.GapWait {
			h.fetch(t)
		}
	}
	if len(h.presence) > 0 && now.Sub(h.lastPres) >= h.cfg.PresenceInterval {
		h.lastPres = now
		for t := range h.presence {
			h.sendPresence(t)
		}
		clear(h.presence)
	}
	if now.Sub(h.lastPing) >= h.cfg.PingInterval {
		h.lastPing = now
		h.ping()
	}
	for id, at := range h.seenEnded {
		if now.Sub(at) > 10*time.Minute {
			delete(h.seenEnded, id)
		}
	}
}

// shutdown closes every connection with a going-away close frame.
func (h *Hub) shutdown() {
	for c := range h.conns {
		h.remove(c, websocket.CloseGoingAway, "server shutting down", false)
	}
}

// register adds a connection to the index.
func (h *Hub) register(c *conn) {
	h.conns[c] = struct{}{}
	if c.actor.SignedIn() {
		m := h.byMember[c.actor.ID]
		if m == nil {
			m = map[*conn]struct{}{}
			h.byMember[c.actor.ID] = m
		}
		m[c] = struct{}{}
	}
}

// remove takes a connection out of the index and ends its writer, which
// sends a close frame with code, unless hard: then the socket is closed at
// once (a slow client whose writer may be stuck).
func (h *Hub) remove(c *conn, code int, text string, hard bool) {
	if c.gone {
		return
	}
	c.gone = true
	for _, s := range c.subs {
		h.detach(s)
	}
	delete(h.conns, c)
	if m := h.byMember[c.actor.ID]; m != nil {
		delete(m, c)
		if len(m) == 0 {
			delete(h.byMember, c.actor.ID)
		}
	}
	if hard {
		c.mu.Lock()
		c.dead, c.queue, c.rest = true, nil, nil
		c.mu.Unlock()
		_ = c.ws.Close()
		return
	}
	h.closeWhenFlushed(c, code, text)
}

// send queues frames, written in one go, for one connection; a connection
// whose queue is full is dropped rather than waited for.
func (h *Hub) send(c *conn, frames ...wire) {
	if c.gone || len(frames) == 0 {
		return
	}
	if !h.enqueue(c, join(frames), h.cfg.SendQueue) {
		h.log.Info("live: dropping a slow connection", "member", c.actor.ID)
		h.remove(c, websocket.CloseTryAgainLater, "too slow", true)
	}
}

// ping queues a ping for every connection; their readers drop a client that
// answers none for two intervals.
func (h *Hub) ping() {
	for c := range h.conns {
		if !h.enqueue(c, pingWire, h.cfg.SendQueue) {
			h.remove(c, websocket.CloseTryAgainLater, "too slow", true)
		}
	}
}
