package live

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"kith/models"
)

// conn is one websocket. Its reader runs in a goroutine of its own; frames
// for it are written by a flusher goroutine that exists only while there is
// something to write, so an idle socket costs one small goroutine and its
// buffers. Only the hub queues frames and only the hub closes it.
type conn struct {
	ws    *websocket.Conn
	actor models.Actor

	mu       sync.Mutex
	queue    [][]*websocket.PreparedMessage // batches not yet written; a nil batch is a ping
	flushing bool                           // a flusher goroutine is running
	closing  bool                           // write the close frame once the queue is empty
	dead     bool                           // a write failed or the socket was closed: write nothing more

	// Set by the hub with closing; read by the flusher after.
	closeCode int
	closeText string

	// Owned by the hub goroutine.
	subs map[string]*sub
	gone bool
}

// clientOp is what a client sends.
type clientOp struct {
	Op    string `json:"op"`
	Topic string `json:"topic"`
	Since *int64 `json:"since"`
}

// SameOrigin reports whether a browser's websocket comes from the instance
// itself: its Origin names the base URL's host or the host it asked for.
// Clients that send no Origin are not browsers and carry no ambient
// credentials from another site.
func SameOrigin(r *http.Request, baseURL string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if b, err := url.Parse(baseURL); err == nil && b.Host != "" && strings.EqualFold(u.Host, b.Host) {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}

// Serve upgrades the request to a websocket for actor a and serves it until
// it closes. The caller has authenticated the request and checked its Origin.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, a models.Actor) {
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	c := &conn{ws: ws, actor: a, subs: map[string]*sub{}}
	if !h.call(func() { h.register(c) }) {
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}
	// The reader gets a goroutine of its own, and the HTTP handler returns:
	// the hijacked connection lives on, while the handler's deep stack, the
	// request and the router's context are freed (see BenchmarkLiveFanout).
	go func() {
		h.readLoop(c)
		h.do(func() { h.remove(c, websocket.CloseNormalClosure, "", false) })
	}()
}

// enqueue queues a batch of frames (nil: a ping) for c and starts a flusher
// if none is running. It reports false when c already holds limit batches:
// the caller drops a connection that slow. Called only by the hub.
func (h *Hub) enqueue(c *conn, batch []*websocket.PreparedMessage, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead || c.closing {
		return true
	}
	if len(c.queue) >= limit {
		return false
	}
	c.queue = append(c.queue, batch)
	h.startFlush(c)
	return true
}

// closeWhenFlushed makes the flusher send a close frame with code after what
// is queued, and close the socket. Called only by the hub.
func (h *Hub) closeWhenFlushed(c *conn, code int, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing, c.closeCode, c.closeText = true, code, text
	h.startFlush(c)
}

// startFlush starts c's flusher unless one runs. c.mu is held.
func (h *Hub) startFlush(c *conn) {
	if c.flushing || c.dead {
		return
	}
	c.flushing = true
	h.writers.Add(1)
	go h.flush(c)
}

// flush writes c's queue until it is empty, then ends; after a close was
// asked for, it writes the close frame and closes the socket. A failed write
// closes the socket, which ends the reader and so the connection.
func (h *Hub) flush(c *conn) {
	defer h.writers.Done()
	for {
		c.mu.Lock()
		batches := c.queue
		c.queue = nil
		if len(batches) == 0 {
			c.flushing = false
			closing := c.closing && !c.dead
			c.dead = c.dead || c.closing
			c.mu.Unlock()
			if closing {
				_ = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(c.closeCode, c.closeText), time.Now().Add(h.cfg.WriteTimeout))
				_ = c.ws.Close()
			}
			return
		}
		c.mu.Unlock()
		if err := h.write(c, batches); err != nil {
			c.mu.Lock()
			c.dead, c.flushing, c.queue = true, false, nil
			c.mu.Unlock()
			_ = c.ws.Close()
			return
		}
	}
}

func (h *Hub) write(c *conn, batches [][]*websocket.PreparedMessage) error {
	deadline := time.Now().Add(h.cfg.WriteTimeout)
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	for _, batch := range batches {
		if batch == nil {
			if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				return err
			}
			continue
		}
		for _, pm := range batch {
			if err := c.ws.WritePreparedMessage(pm); err != nil {
				return err
			}
		}
	}
	return nil
}

// readLoop reads the client's ops until the socket fails or closes. A client
// that answers no ping for two intervals is dropped.
func (h *Hub) readLoop(c *conn) {
	wait := 2 * h.cfg.PingInterval
	c.ws.SetReadLimit(h.cfg.MaxMessageBytes)
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(wait)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		alive()
		var op clientOp
		if err := json.Unmarshal(data, &op); err != nil {
			h.reply(c, errorFrame("", models.CodeInvalid, "Send {\"op\":\"subscribe\",\"topic\":...} or {\"op\":\"unsubscribe\",\"topic\":...}."))
			continue
		}
		switch op.Op {
		case "subscribe":
			h.subscribe(c, op.Topic, op.Since)
		case "unsubscribe":
			name := op.Topic
			h.do(func() {
				if s := c.subs[name]; s != nil {
					h.detach(s)
				}
			})
		default:
			h.reply(c, errorFrame(op.Topic, models.CodeInvalid, "Unknown op; use subscribe or unsubscribe."))
		}
	}
}

// reply queues a frame for c from outside the hub goroutine.
func (h *Hub) reply(c *conn, pm *websocket.PreparedMessage) {
	h.do(func() { h.send(c, []*websocket.PreparedMessage{pm}) })
}

// subscribe registers the subscription with the hub first, so that it
// collects every event released from then on, then authorizes it and reads
// the backlog. Whatever the backlog and the live stream both hold is sent
// once: the hub drops live events at or below the last replayed seq.
func (h *Hub) subscribe(c *conn, name string, since *int64) {
	stored := name
	if name == "me" {
		if !c.actor.SignedIn() {
			h.reply(c, errorFrame(name, models.CodeUnauthorized, "Sign in to follow your own notifications."))
			return
		}
		stored = models.MemberTopic(c.actor.ID)
	} else if !strings.HasPrefix(name, "thread:") && !strings.HasPrefix(name, "space:") {
		h.reply(c, errorFrame(name, models.CodeInvalid, "Subscribe to thread:ID, space:SLUG or me."))
		return
	}
	var s *sub
	if !h.call(func() { s = h.beginSub(c, name, stored) }) || s == nil {
		return
	}
	// The database work runs in a goroutine of its own so that the reader's
	// stack, which lives as long as the socket, stays small. A later
	// unsubscribe or resubscribe makes finish a no-op.
	go func() {
		r := h.authorizeAndReplay(c.actor, name, stored, since)
		h.do(func() { h.finish(s, r) })
	}()
}

func (h *Hub) authorizeAndReplay(a models.Actor, name, stored string, since *int64) settled {
	sub, err := h.store.CanSubscribe(h.ctx, a, name)
	if err != nil {
		return settled{err: err}
	}
	if sub.Topic != stored {
		return settled{err: models.Errorf(models.CodeInvalid, "Name the topic as thread:ID or space:SLUG.")}
	}
	r := settled{spaceID: sub.SpaceID}
	if since != nil && *since >= 0 {
		events, ok, err := h.store.EventsSince(h.ctx, stored, *since, h.cfg.ReplayLimit)
		if err != nil {
			return settled{err: err}
		}
		if ok && len(events) > 0 {
			r.replay = make([]*websocket.PreparedMessage, len(events))
			for i, e := range events {
				r.replay[i] = eventFrame(publicName(stored), e)
			}
			r.last = events[len(events)-1].Seq
			return r
		}
		latest, err := h.store.LatestSeq(h.ctx, stored)
		if err != nil {
			return settled{err: err}
		}
		// Nothing to replay: fine when since is the latest; a since older than
		// the backlog, or one from the future, needs a fresh start.
		r.resync, r.last = !ok || *since != latest, latest
		return r
	}
	latest, err := h.store.LatestSeq(h.ctx, stored)
	if err != nil {
		return settled{err: err}
	}
	r.last = latest
	return r
}
