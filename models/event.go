package models

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Event is one change that live clients hear of. Operations write their
// events in the transaction that makes the change; they are handed to the
// publisher only after it commits, so no event announces a change that rolled
// back and no committed change goes unannounced.
type Event struct {
	ID        int64
	Topic     string // "thread:42", "space:go-guild" or "member:7" (a person's own "me")
	Seq       int64  // grows by one per topic, in commit order
	Kind      string // "post.created", "membership.ended" ...
	Payload   string // JSON: what a subscriber of the topic may read, and no more
	CreatedAt time.Time
}

// Event kinds.
const (
	EventPostCreated       = "post.created"
	EventPostEdited        = "post.edited"
	EventThreadCreated     = "thread.created"
	EventThreadUpdated     = "thread.updated"
	EventNotification      = "notification.created"
	EventInvitation        = "invitation.created"
	EventPurposeChanged    = "purpose.changed"
	EventMembershipEnded   = "membership.ended"
	EventMembershipStarted = "membership.started"
)

// Topic names.
func ThreadTopic(id int64) string   { return "thread:" + strconv.FormatInt(id, 10) }
func SpaceTopic(slug string) string { return "space:" + slug }
func MemberTopic(id int64) string   { return "member:" + strconv.FormatInt(id, 10) }

// Publisher receives committed events, in commit order per topic. The app's
// live hub is one; it must not block.
type Publisher func(events []Event)

// SetPublisher sets who hears of committed events. Call it before serving.
func (s *Store) SetPublisher(p Publisher) { s.publish = p }

type eventsKey struct{}

// eventBuffer collects a transaction's events until it commits.
type eventBuffer struct {
	pending []Event
	written []Event
	// queuedPosts: the transaction inserted posts, which SQLite's trigger
	// queued for the search index at its end (indexQueuedPosts).
	queuedPosts bool
}

// emit records an event in the transaction's buffer. Payloads are the
// contract's JSON shapes.
func emit(tx *gorm.DB, topic, kind string, payload any) error {
	buf, _ := tx.Statement.Context.Value(eventsKey{}).(*eventBuffer)
	if buf == nil {
		return nil // a transaction outside s.tx; nothing listens
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	buf.pending = append(buf.pending, Event{Topic: topic, Kind: kind, Payload: string(b)})
	return nil
}

// flush numbers and stores the buffered events as the transaction's last
// statements. Counters are taken in topic order, so that two transactions
// touching the same topics never wait on each other in a cycle.
func (buf *eventBuffer) flush(tx *gorm.DB, now time.Time) error {
	if len(buf.pending) == 0 {
		return nil
	}
	topics := map[string][]int{}
	for i, e := range buf.pending {
		topics[e.Topic] = append(topics[e.Topic], i)
	}
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, topic := range names {
		idx := topics[topic]
		var last int64
		err := tx.Raw(`INSERT INTO topic_seqs (topic, seq) VALUES (?, ?)
			ON CONFLICT (topic) DO UPDATE SET seq = topic_seqs.seq + ? RETURNING seq`,
			topic, len(idx), len(idx)).Scan(&last).Error
		if err != nil {
			return err
		}
		for k, i := range idx {
			buf.pending[i].Seq = last - int64(len(idx)-1-k)
			buf.pending[i].CreatedAt = now
		}
	}
	if err := tx.Create(&buf.pending).Error; err != nil {
		return err
	}
	buf.written, buf.pending = buf.pending, nil
	return nil
}

// EventsSince returns a topic's events after seq, oldest first, at most
// limit of them, and whether the backlog still holds everything after seq
// (false: the client missed more than is kept and must reload).
func (s *Store) EventsSince(ctx context.Context, topic string, seq int64, limit int) ([]Event, bool, error) {
	var out []Event
	err := s.db(ctx).Where("topic = ? AND seq > ?", topic, seq).Order("seq").Limit(limit + 1).Find(&out).Error
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return nil, false, nil
	}
	if len(out) > 0 && out[0].Seq != seq+1 {
		return nil, false, nil // the events right after seq were pruned
	}
	if len(out) == 0 && seq > 0 {
		// Nothing kept after seq: fine if seq is the topic's latest.
		var latest int64
		if err := s.db(ctx).Raw("SELECT coalesce(max(seq), 0) FROM topic_seqs WHERE topic = ?", topic).Scan(&latest).Error; err != nil {
			return nil, false, err
		}
		return nil, seq >= latest, nil
	}
	return out, true, nil
}

// EventsByID returns the events with the given ids, for an instance that
// heard of them from another (PostgreSQL NOTIFY carries ids, not bodies).
func (s *Store) EventsByID(ctx context.Context, ids []int64) ([]Event, error) {
	var out []Event
	err := s.db(ctx).Where("id IN ?", ids).Order("topic, seq").Find(&out).Error
	return out, err
}

// PruneEvents deletes events older than maxAge, and the oldest beyond
// maxCount per topic, keeping the replay backlog bounded.
func (s *Store) PruneEvents(ctx context.Context, maxAge time.Duration, maxPerTopic int) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("created_at < ?", s.clock().Add(-maxAge)).Delete(&Event{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		res = tx.Exec(`DELETE FROM events WHERE id IN (
			SELECT e.id FROM events e JOIN topic_seqs t ON t.topic = e.topic WHERE e.seq <= t.seq - ?)`, maxPerTopic)
		n += res.RowsAffected
		return res.Error
	})
	return n, err
}

// EventsChannel is the PostgreSQL channel on which instances announce the ids
// of the events they commit. NOTIFY inside a transaction is delivered at
// commit and dropped on rollback, exactly as events must be.
const EventsChannel = "kith_events"

// notifyCommitted announces events to the other instances, by id (a NOTIFY
// payload holds under 8,000 bytes, so long lists are split).
func notifyCommitted(tx *gorm.DB, events []Event) error {
	const maxPayload = 7000
	var b []byte
	send := func() error {
		if len(b) == 0 {
			return nil
		}
		err := tx.Exec("SELECT pg_notify(?, ?)", EventsChannel, string(b)).Error
		b = b[:0]
		return err
	}
	for _, e := range events {
		if len(b) > maxPayload {
			if err := send(); err != nil {
				return err
			}
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, e.ID, 10)
	}
	return send()
}
