package live

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"kith/models"
)

// conn is one websocket. Its reader runs in a goroutine of its own; frames
// for it are queued by the hub and written by a flusher (see writer.go), so
// an idle socket costs one small goroutine and its buffers. Only the hub
// queues frames and only the hub closes it.
type conn struct {
	ws    *websocket.Conn
	out   *nowWriter // writes to the socket that must not wait; nil if it has no system socket
	actor models.Actor

	mu       sync.Mutex
	queue    []wire // batches of frames not yet written
	rest     wire   // the unwritten end of a batch the socket took only part of
	flushing bool   // a flusher owns the writes
	closing  bool   // the close frame is queued: queue nothing after it
	dead     bool   // a write failed or the socket was closed: write nothing more

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
	if sc, ok := ws.NetConn().(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.out = newNowWriter(rc)
		}
	}
	if !h.call(func() { h.register(c) }) {
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}
	// The reader gets a goroutine of its own, and the HTTP handler returns:
	// the hijacked connection lives on, while the handler's deep stack, the
	// request and the router's context are freed.
	go func() {
		code := h.readLoop(c)
		h.do(func() { h.remove(c, code, "", false) })
	}()
}

// enqueue queues a batch of frames for c and has a flusher write it. It
// reports false when c already holds limit batches: the caller drops a
// connection that slow. Called only by the hub.
func (h *Hub) enqueue(c *conn, batch wire, limit int) bool {
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

// closeWhenFlushed queues a close frame with code after what is queued; the
// socket is closed once it is written. Called only by the hub.
func (h *Hub) closeWhenFlushed(c *conn, code int, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead || c.closing {
		return
	}
	c.queue = append(c.queue, closeWire(code, text))
	c.closing = true
	h.startFlush(c)
}

// readLoop reads the client's ops until the socket fails or closes, and
// returns the code to close with: the client's own, echoed, when it closed.
// A client that answers no ping for two intervals is dropped.
func (h *Hub) readLoop(c *conn) (closeCode int) {
	closeCode = websocket.CloseNormalClosure
	wait := 2 * h.cfg.PingInterval
	c.ws.SetReadLimit(h.cfg.MaxMessageBytes)
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(wait)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	// Pongs and the answer to a close go through the queue like every other
	// frame (gorilla's default handlers would write them past it); the hub
	// answers a close once the reader ends.
	c.ws.SetPingHandler(func(data string) error { alive(); h.reply(c, pongWire(data)); return nil })
	c.ws.SetCloseHandler(func(code int, _ string) error { closeCode = code; return nil })
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return closeCode
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
func (h *Hub) reply(c *conn, w wire) {
	h.do(func() { h.send(c, w) })
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
			r.replay = make([]wire, len(events))
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
