package models

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// The payloads of events, in the contract's JSON shapes. An event's frame is
// the same for every subscriber of its topic, so it carries everything a
// reader needs to show the change without asking again, and nothing a
// subscriber of that topic may not read.

// AuthorRef names the author of a post or thread; nil when their account is gone.
type AuthorRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func authorRef(id *int64, name string) *AuthorRef {
	if id == nil {
		return nil
	}
	return &AuthorRef{ID: *id, Name: name}
}

// PostPayload is a post as the API and live updates show it.
type PostPayload struct {
	ID            int64      `json:"id"`
	ThreadID      int64      `json:"thread_id"`
	Author        *AuthorRef `json:"author"`
	ReplyToPostID *int64     `json:"reply_to_post_id"`
	Body          string     `json:"body"`
	HTML          string     `json:"html"`
	CreatedAt     time.Time  `json:"created_at"`
	EditedAt      *time.Time `json:"edited_at"`
	Hidden        bool       `json:"hidden"`
}

// PayloadOf shapes a post for the API and for events. A hidden post carries
// no text.
func PayloadOf(p *Post, authorName string) PostPayload {
	out := PostPayload{
		ID: p.ID, ThreadID: p.ThreadID, Author: authorRef(p.AuthorID, authorName), ReplyToPostID: p.ReplyToPostID,
		Body: p.Body, HTML: p.HTML, CreatedAt: p.CreatedAt, EditedAt: p.EditedAt, Hidden: p.HiddenAt != nil,
	}
	if out.Hidden {
		out.Body, out.HTML = "", ""
	}
	return out
}

type threadActivity struct {
	ID           int64      `json:"id"`
	Title        string     `json:"title"`
	Kind         string     `json:"kind"`
	Author       *AuthorRef `json:"author"`
	PostCount    int        `json:"post_count"`
	LastPostedAt time.Time  `json:"last_posted_at"`
}

type notificationPayload struct {
	ID        int64           `json:"id"`
	Kind      string          `json:"kind"`
	Read      bool            `json:"read"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// emitNotification brings a new notification to its person's open pages.
func emitNotification(tx *gorm.DB, n *Notification) error {
	return emit(tx, MemberTopic(n.MemberID), EventNotification, notificationPayload{
		ID: n.ID, Kind: n.Kind, CreatedAt: n.CreatedAt, Data: json.RawMessage(n.Data),
	})
}

// emitMembershipEnded tells the person's open pages, and the live hub, that a
// membership ended: the hub ends their subscriptions to the space at once.
func emitMembershipEnded(tx *gorm.DB, memberID int64, sp *Space, how string) error {
	return emit(tx, MemberTopic(memberID), EventMembershipEnded, map[string]any{
		"space": map[string]any{"id": sp.ID, "slug": sp.Slug, "name": sp.Name}, "how": how,
	})
}
