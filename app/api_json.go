package app

import (
	"time"

	"kith/models"
)

// The JSON shapes of the contract. Handlers build these from domain values;
// nothing else is serialised, so no internal field leaks into the API.

type memberJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

type meJSON struct {
	memberJSON
	Email string `json:"email"`
	Admin bool   `json:"admin"`
}

func memberOut(m *models.Member) memberJSON {
	return memberJSON{ID: m.ID, Name: m.Name, CreatedAt: m.CreatedAt}
}

type purposeJSON struct {
	Text    string `json:"text"`
	Version int    `json:"version"`
}

type spaceJSON struct {
	ID             int64         `json:"id"`
	Slug           string        `json:"slug"`
	Name           string        `json:"name"`
	Visibility     string        `json:"visibility"`
	Purpose        purposeJSON   `json:"purpose"`
	MemberCount    int           `json:"member_count"`
	ThreadCount    int           `json:"thread_count"`
	IsMember       bool          `json:"is_member"`
	IsSteward      bool          `json:"is_steward"`
	RequestPending bool          `json:"request_pending"`
	CreatedAt      time.Time     `json:"created_at"`
	ArchivedAt     *time.Time    `json:"archived_at"`
	Predecessor    *spaceRefJSON `json:"predecessor"` // the space this one succeeds, where the caller may see it
	Successor      *spaceRefJSON `json:"successor"`   // the space that succeeds this one, likewise
}

func spaceOut(v *models.SpaceView) spaceJSON {
	return spaceJSON{
		ID: v.ID, Slug: v.Slug, Name: v.Name, Visibility: string(v.Visibility),
		Purpose:     purposeJSON{Text: v.Purpose, Version: v.PurposeVersion},
		MemberCount: v.MemberCount, ThreadCount: v.ThreadCount,
		IsMember: v.IsMember(), IsSteward: v.IsSteward(), RequestPending: v.RequestPending,
		CreatedAt: v.CreatedAt, ArchivedAt: v.ArchivedAt,
		Predecessor: spaceRefOut(v.Predecessor), Successor: spaceRefOut(v.Successor),
	}
}

func spaceRefOut(r *models.SpaceRef) *spaceRefJSON {
	if r == nil {
		return nil
	}
	return &spaceRefJSON{Slug: r.Slug, Name: r.Name}
}

type spaceRefJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type membershipJSON struct {
	Space                  string    `json:"space"`
	MemberID               int64     `json:"member_id"`
	AffirmedPurposeVersion int       `json:"affirmed_purpose_version"`
	Steward                bool      `json:"steward"`
	JoinedAt               time.Time `json:"joined_at"`
}

func membershipOut(slug string, m *models.Membership) membershipJSON {
	return membershipJSON{Space: slug, MemberID: m.MemberID, AffirmedPurposeVersion: m.AffirmedVersion, Steward: m.Steward, JoinedAt: m.JoinedAt}
}

type joinRequestJSON struct {
	ID                     int64     `json:"id"`
	Space                  string    `json:"space"`
	MemberID               int64     `json:"member_id"`
	Status                 string    `json:"status"`
	Note                   string    `json:"note"`
	AffirmedPurposeVersion int       `json:"affirmed_purpose_version"`
	CreatedAt              time.Time `json:"created_at"`
}

type memberListingJSON struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	JoinedAt time.Time `json:"joined_at"`
	Steward  bool      `json:"steward"`
}

type authorJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func authorOut(id *int64, name string) *authorJSON {
	if id == nil {
		return nil // the author's account is gone
	}
	return &authorJSON{ID: *id, Name: name}
}

type threadJSON struct {
	ID           int64        `json:"id"`
	Space        spaceRefJSON `json:"space"`
	Title        string       `json:"title"`
	Kind         string       `json:"kind"`
	Author       *authorJSON  `json:"author"`
	PostCount    int          `json:"post_count"`
	Locked       bool         `json:"locked"`
	CreatedAt    time.Time    `json:"created_at"`
	LastPostedAt time.Time    `json:"last_posted_at"`
}

func threadOut(t *models.Thread, space spaceRefJSON, authorName string) threadJSON {
	return threadJSON{
		ID: t.ID, Space: space, Title: t.Title, Kind: t.Kind, Author: authorOut(t.AuthorID, authorName),
		PostCount: t.PostCount, Locked: t.Locked, CreatedAt: t.CreatedAt, LastPostedAt: t.LastPostedAt,
	}
}

// Posts are shaped by models.PayloadOf, the same shape live events carry.

type revisionJSON struct {
	ID        int64     `json:"id"`
	Body      string    `json:"body"`
	HTML      string    `json:"html"`
	CreatedAt time.Time `json:"created_at"`
}
