package models

import (
	"context"
	"strconv"
	"strings"
)

// Subscription is what a live subscription depends on, as CanSubscribe
// authorized it.
type Subscription struct {
	Topic   string // the stored topic: "thread:42", "space:go-guild" or "member:7"
	SpaceID int64  // the space whose readers may hold it; 0 for a person's own topic
}

// CanSubscribe authorizes a live subscription to a topic as the client names
// it ("thread:ID", "space:SLUG" or "me") with the rules of reading: a thread
// or space is followed by those who may read the space, and "me" is the
// signed-in actor's own topic. Errors are those of the matching reads
// (unauthorized, not_found, not_a_member), or invalid_input for a name that
// is no topic.
func (s *Store) CanSubscribe(ctx context.Context, a Actor, topic string) (Subscription, error) {
	if topic == "me" {
		if !a.SignedIn() {
			return Subscription{}, errSignInRequired
		}
		return Subscription{Topic: MemberTopic(a.ID)}, nil
	}
	if rest, ok := strings.CutPrefix(topic, "thread:"); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != rest {
			return Subscription{}, invalid("topic", "A thread topic is thread:ID, with the thread's number.")
		}
		t, err := s.ThreadByID(ctx, a, id)
		if err != nil {
			return Subscription{}, err
		}
		return Subscription{Topic: ThreadTopic(t.ID), SpaceID: t.Space.ID}, nil
	}
	if slug, ok := strings.CutPrefix(topic, "space:"); ok && slug != "" {
		sp, err := s.readableSpace(s.db(ctx), a, slug, "Join %s to follow it live.")
		if err != nil {
			return Subscription{}, err
		}
		if sp.Slug != slug {
			return Subscription{}, errSpaceNotFound
		}
		return Subscription{Topic: SpaceTopic(sp.Slug), SpaceID: sp.ID}, nil
	}
	return Subscription{}, invalid("topic", "Subscribe to thread:ID, space:SLUG or me.")
}

// LatestSeq returns the last sequence number given out on a topic, 0 when
// it has had no events.
func (s *Store) LatestSeq(ctx context.Context, topic string) (int64, error) {
	var latest int64
	err := s.db(ctx).Raw("SELECT coalesce(max(seq), 0) FROM topic_seqs WHERE topic = ?", topic).Scan(&latest).Error
	return latest, err
}
