package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Post is one message in a thread. Body is the author's markdown; HTML is its
// sanitised rendering, stored beside it.
type Post struct {
	ID            int64
	ThreadID      int64
	SpaceID       int64
	AuthorID      *int64
	ReplyToPostID *int64
	Body          string
	HTML          string `gorm:"column:html"`
	CreatedAt     time.Time
	EditedAt      *time.Time
	HiddenAt      *time.Time
}

// PostRevision keeps a post's earlier text each time it is edited.
type PostRevision struct {
	ID        int64
	PostID    int64
	EditorID  *int64
	Body      string
	HTML      string `gorm:"column:html"`
	CreatedAt time.Time
}

// PostView is a post with the names a reader sees beside it.
type PostView struct {
	Post              `gorm:"embedded"`
	AuthorName        string
	ReplyToAuthorID   *int64
	ReplyToAuthorName string
}

// Interaction records one member addressing another in a space: a reply,
// mention, quote or acknowledgement. Health figures are computed from them.
type Interaction struct {
	ID        int64
	SpaceID   int64
	FromID    int64
	ToID      int64
	Kind      string
	PostID    *int64
	CreatedAt time.Time
}

// Interaction kinds.
const (
	InteractionReply   = "reply"
	InteractionMention = "mention"
)

func (s *Store) renderBody(body string) (string, error) {
	if strings.TrimSpace(body) == "" {
		return "", invalid("body", "Write something first.")
	}
	if err := checkText("body", "The post", body, 1, s.limits.MaxPostChars); err != nil {
		return "", err
	}
	return s.md.render(body)
}

// NewPost is a reply to a thread, optionally to one post in it.
type NewPost struct {
	Body          string
	ReplyToPostID *int64
}

// CreatePost adds a reply to a thread. Only members of the thread's space may
// reply. A reply to another member's post (or, without one, to another
// member's thread) records an interaction from the author to that member.
func (s *Store) CreatePost(ctx context.Context, a Actor, threadID int64, in NewPost) (*Post, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	html, err := s.renderBody(in.Body)
	if err != nil {
		return nil, err
	}
	var p *Post
	err = s.tx(ctx, func(tx *gorm.DB) error {
		w := plain(tx)
		pl, err := readThreadPlace(w, a, threadID)
		if err != nil {
			return err
		}
		t, sp, m, toMember := &pl.thread, &pl.space, pl.membership, pl.authorIsMember
		if !s.canRead(a, sp, m) {
			return errThreadNotFound
		}
		if err := s.checkPost(a, sp, m); err != nil {
			return err
		}
		if t.Locked {
			return Errorf(CodeLocked, "This thread is locked.")
		}
		to := t.AuthorID // a reply without a target answers the thread's author
		if in.ReplyToPostID != nil {
			var target sql.NullInt64
			err := w.row(`SELECT p.author_id, EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = p.space_id AND m.member_id = p.author_id)
				FROM posts p WHERE p.id = ? AND p.thread_id = ?`, *in.ReplyToPostID, t.ID).Scan(&target, &toMember)
			if errors.Is(err, sql.ErrNoRows) {
				return invalid("reply_to_post_id", "The post you reply to is not in this thread.")
			}
			if err != nil {
				return err
			}
			to = nullInt(target)
		}
		now := s.clock()
		p = &Post{ThreadID: t.ID, SpaceID: sp.ID, AuthorID: &a.ID, ReplyToPostID: in.ReplyToPostID, Body: in.Body, HTML: html, CreatedAt: now}
		if err := insertPost(tx, p); err != nil {
			return err
		}
		if err := w.exec(`UPDATE threads SET post_count = post_count + 1, last_post_id = ?, last_posted_at = ? WHERE id = ?`,
			p.ID, now, t.ID); err != nil {
			return err
		}
		t.PostCount++
		if err := emit(tx, ThreadTopic(t.ID), EventPostCreated, PayloadOf(p, a.Name)); err != nil {
			return err
		}
		if err := emit(tx, SpaceTopic(sp.Slug), EventThreadUpdated, threadActivity{
			ID: t.ID, Title: t.Title, Kind: t.Kind, PostCount: t.PostCount, LastPostedAt: now,
		}); err != nil {
			return err
		}
		if to == nil || *to == a.ID {
			return nil
		}
		if err := w.exec(`INSERT INTO interactions (space_id, from_id, to_id, kind, post_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			sp.ID, a.ID, *to, InteractionReply, p.ID, now); err != nil {
			return err
		}
		// The person replied to hears of it while they belong to the space.
		if !toMember {
			return nil
		}
		return notify(tx, *to, NoticeReply, sp, NoticeData{
			"thread_id": t.ID, "post_id": p.ID, "title": t.Title, "from": map[string]any{"id": a.ID, "name": a.Name},
		}, now)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// insertPost writes a new post inside the caller's transaction, and has the
// transaction add it to the search index at its end. It is the one place a
// post is inserted, but for imports (ImportThreads), which insert thousands
// at once and call indexAtEnd themselves.
func insertPost(tx *gorm.DB, p *Post) error {
	var err error
	p.ID, err = plain(tx).insert(`INSERT INTO posts (thread_id, space_id, author_id, reply_to_post_id, body, html, created_at, hidden_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ThreadID, p.SpaceID, p.AuthorID, p.ReplyToPostID, p.Body, p.HTML, p.CreatedAt, p.HiddenAt)
	if err == nil {
		indexAtEnd(tx)
	}
	return err
}

// indexAtEnd has tx's transaction add the posts it inserted to the search
// index at its end (see indexQueuedPosts). Whatever inserts posts calls it:
// SQLite's trigger only queues them.
func indexAtEnd(tx *gorm.DB) {
	if buf, _ := tx.Statement.Context.Value(eventsKey{}).(*eventBuffer); buf != nil {
		buf.queuedPosts = true
	}
}

// EditPost replaces a post's text, keeping the earlier text as a revision.
// Its author may edit it while a member of the space, and so may its stewards.
func (s *Store) EditPost(ctx context.Context, a Actor, postID int64, body string) (*Post, error) {
	if !a.SignedIn() {
		return nil, errSignInRequired
	}
	html, err := s.renderBody(body)
	if err != nil {
		return nil, err
	}
	var p Post
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&p, postID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errPostNotFound
			}
			return err
		}
		sp, m, err := loadSpace(tx, a, "id = ?", p.SpaceID)
		if err != nil {
			return err
		}
		if !s.canRead(a, sp, m) {
			return errPostNotFound
		}
		if !canEdit(a, &p, m) {
			return Errorf(CodeForbidden, "Only the author of a post, or a steward of its space, may edit it.")
		}
		if sp.ArchivedAt != nil {
			return Errorf(CodeArchived, "%s is archived.", sp.Name)
		}
		if body == p.Body {
			return nil // nothing changed; no revision to keep
		}
		now := s.clock()
		rev := &PostRevision{PostID: p.ID, EditorID: &a.ID, Body: p.Body, HTML: p.HTML, CreatedAt: now}
		if err := tx.Create(rev).Error; err != nil {
			return err
		}
		p.Body, p.HTML, p.EditedAt = body, html, &now
		if err := tx.Model(&p).Updates(map[string]any{"body": body, "html": html, "edited_at": now}).Error; err != nil {
			return err
		}
		var author string
		if p.AuthorID != nil {
			if err := tx.Model(&Member{}).Where("id = ?", *p.AuthorID).Pluck("name", &author).Error; err != nil {
				return err
			}
		}
		return emit(tx, ThreadTopic(p.ThreadID), EventPostEdited, PayloadOf(&p, author))
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ReadThread returns a thread the actor may read and one page of its posts,
// oldest first.
func (s *Store) ReadThread(ctx context.Context, a Actor, threadID int64, pg Page) (*ThreadView, []PostView, string, error) {
	c, err := decodeCursor(pg.Cursor)
	if err != nil {
		return nil, nil, "", err
	}
	// ThreadByID reads the thread's stamp with it, before the posts, so that
	// a page kept under the stamp holds at least what it says (see postPages).
	t, err := s.ThreadByID(ctx, a, threadID)
	if err != nil {
		return nil, nil, "", err
	}
	stamp := t.LiveSeq
	limit := pg.Limit
	if limit <= 0 {
		limit = s.limits.ThreadPageSize
	}
	limit = s.limits.pageSize(limit)
	key := postPageKey{thread: threadID, after: c.ID, limit: limit + 1}
	out, ok := s.postPages.get(key, stamp)
	if !ok {
		if out, err = s.threadPosts(ctx, threadID, c.ID, limit+1); err != nil {
			return nil, nil, "", err
		}
		s.postPages.add(key, stamp, out)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(cursor{ID: out[limit-1].ID})
	}
	return t, out, next, nil
}

// threadPosts reads up to limit posts of a thread after the post afterID,
// oldest first. It is the hottest read kith has (every thread page and
// thread API call).
func (s *Store) threadPosts(ctx context.Context, threadID, afterID int64, limit int) ([]PostView, error) {
	return s.postViews(ctx, "posts.thread_id = ? AND posts.id > ? ORDER BY posts.id LIMIT ?", threadID, afterID, limit)
}

// postViewQuery reads posts with their authors' names and, for replies, the
// name of the author replied to. It names the columns of Post, so that reads
// do not carry the search index's tsvector column along on PostgreSQL.
const postViewQuery = `SELECT posts.id, posts.thread_id, posts.space_id, posts.author_id, posts.reply_to_post_id,
	posts.body, posts.html, posts.created_at, posts.edited_at, posts.hidden_at,
	members.name, parent.author_id, parent_author.name
	FROM posts
	LEFT JOIN members ON members.id = posts.author_id
	LEFT JOIN posts parent ON parent.id = posts.reply_to_post_id
	LEFT JOIN members parent_author ON parent_author.id = parent.author_id
	WHERE `

// postViews runs postViewQuery with the condition (and order and limit)
// where, and scans the rows by hand rather than by reflection.
func (s *Store) postViews(ctx context.Context, where string, args ...any) ([]PostView, error) {
	rows, err := s.db(ctx).Raw(postViewQuery+where, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PostView{}
	for rows.Next() {
		var p PostView
		var author, replyAuthor, replyTo sql.NullInt64
		var edited, hidden sql.NullTime
		var name, replyName sql.NullString
		if err := rows.Scan(&p.ID, &p.ThreadID, &p.SpaceID, &author, &replyTo, &p.Body, &p.HTML, &p.CreatedAt,
			&edited, &hidden, &name, &replyAuthor, &replyName); err != nil {
			return nil, err
		}
		p.AuthorID, p.ReplyToPostID, p.ReplyToAuthorID = nullInt(author), nullInt(replyTo), nullInt(replyAuthor)
		p.CreatedAt, p.EditedAt, p.HiddenAt = p.CreatedAt.UTC(), nullTime(edited), nullTime(hidden)
		p.AuthorName, p.ReplyToAuthorName = name.String, replyName.String
		out = append(out, p)
	}
	return out, rows.Err()
}

func nullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func nullTime(v sql.NullTime) *time.Time {
	if !v.Valid {
		return nil
	}
	t := v.Time.UTC()
	return &t
}

// PostByID returns one post the actor may read, with whether they may edit it.
func (s *Store) PostByID(ctx context.Context, a Actor, id int64) (*PostView, bool, error) {
	if err := s.requireReader(a); err != nil {
		return nil, false, err
	}
	db := s.db(ctx)
	found, err := s.postViews(ctx, "posts.id = ?", id)
	if err != nil {
		return nil, false, err
	}
	if len(found) == 0 {
		return nil, false, errPostNotFound
	}
	p := found[0]
	sp, m, err := loadSpace(db, a, "id = ?", p.SpaceID)
	if err != nil {
		return nil, false, err
	}
	if !s.canRead(a, sp, m) {
		return nil, false, errPostNotFound
	}
	return &p, canEdit(a, &p.Post, m), nil
}

// PostHistory returns a post and its earlier revisions, newest first.
func (s *Store) PostHistory(ctx context.Context, a Actor, id int64) (*PostView, []PostRevision, error) {
	p, _, err := s.PostByID(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	var revs []PostRevision
	err = s.db(ctx).Where("post_id = ?", id).Order("id DESC").Find(&revs).Error
	return p, revs, err
}
