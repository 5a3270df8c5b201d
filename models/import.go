package models

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"gorm.io/gorm"
)

// This file writes history in bulk: accounts and the threads and posts of
// the past, with the times they happened. It is how `kith seed` fills a
// database for measurement. It makes no memberships: people join spaces only
// through JoinSpace (or by accepting an invitation, or by a request a steward
// approves), in bulk too through Batch. Imported posts are checked against
// the same rule as new ones: their authors are members of the space.
// Imported history emits no live events and no notifications; it happened
// before anyone was listening.

// ImportedAccount is one person to create an account for.
type ImportedAccount struct {
	Email     string
	Name      string
	CreatedAt time.Time
}

// ImportAccounts creates password accounts in one transaction, all with the
// same password (hashed once), and returns their ids in order. Emails and
// names are checked as at sign-up.
func (s *Store) ImportAccounts(ctx context.Context, password string, people []ImportedAccount) ([]int64, error) {
	members := make([]Member, len(people))
	for i, p := range people {
		in := NewAccount{Email: p.Email, Name: p.Name, Password: password}
		if err := s.validateAccount(&in); err != nil {
			return nil, fmt.Errorf("account %d (%s): %w", i, p.Email, err)
		}
		members[i] = Member{Email: in.Email, Name: in.Name, CreatedAt: p.CreatedAt.UTC()}
	}
	hash, err := s.hasher.hash(password)
	if err != nil {
		return nil, err
	}
	for i := range members {
		members[i].PasswordHash = hash
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.CreateInBatches(&members, 500).Error; err != nil {
			return err
		}
		entries := make([]AuditEntry, len(members))
		for i, m := range members {
			entries[i] = AuditEntry{ActorID: &m.ID, SubjectID: &m.ID, Action: "account.imported", CreatedAt: m.CreatedAt}
		}
		return tx.CreateInBatches(entries, 500).Error
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	return ids, nil
}

// ImportedThread is a thread of the past: its opening post is Posts[0].
type ImportedThread struct {
	SpaceID int64
	Title   string
	Kind    string
	Posts   []ImportedPost
}

// ImportedPost is one post of an imported thread.
type ImportedPost struct {
	AuthorID  int64
	Body      string // markdown
	CreatedAt time.Time
	ReplyTo   int     // index of an earlier post of the thread it answers; -1 for none
	Mentions  []int64 // members the body mentions
}

// ImportThreads writes threads with their posts, renders every body as new
// posts are rendered (on all CPUs), records the interactions their replies
// and mentions make, and keeps the threads' and spaces' counters. It checks,
// as CreatePost does, that every author is a member of the space. One
// transaction per call: callers batch a few thousand posts at a time. It
// returns the threads' ids in order.
func (s *Store) ImportThreads(ctx context.Context, threads []ImportedThread) ([]int64, error) {
	var bodies []*string
	base := make([]int, len(threads)) // where each thread's bodies start in bodies
	for i, t := range threads {
		base[i] = len(bodies)
		if len(t.Posts) == 0 {
			return nil, invalid("posts", "An imported thread needs its opening post.")
		}
		if err := checkText("title", "The title", t.Title, 1, s.limits.MaxTitleChars); err != nil {
			return nil, err
		}
		for i := range t.Posts {
			bodies = append(bodies, &t.Posts[i].Body)
		}
	}
	html, err := s.renderAll(bodies)
	if err != nil {
		return nil, err
	}
	rows := make([]Thread, len(threads))
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := checkAuthors(tx, threads); err != nil {
			return err
		}
		perSpace := map[int64]int{}
		for i, t := range threads {
			first := t.Posts[0]
			kind := t.Kind
			if kind == "" {
				kind = Discussion
			}
			author := first.AuthorID
			rows[i] = Thread{SpaceID: t.SpaceID, AuthorID: &author, Title: t.Title, Kind: kind,
				PostCount: len(t.Posts), LastPostedAt: t.Posts[len(t.Posts)-1].CreatedAt.UTC(), CreatedAt: first.CreatedAt.UTC()}
			perSpace[t.SpaceID]++
		}
		if err := tx.CreateInBatches(&rows, 500).Error; err != nil {
			return err
		}
		// Posts go in rounds, the k-th post of every thread at once, so
		// that the post a reply answers already has its id.
		ids := make([][]int64, len(threads))
		for round := 0; ; round++ {
			var batch []Post
			var owner []int
			for i, t := range threads {
				if round >= len(t.Posts) {
					continue
				}
				p := t.Posts[round]
				author := p.AuthorID
				post := Post{ThreadID: rows[i].ID, SpaceID: t.SpaceID, AuthorID: &author, Body: p.Body,
					HTML: html[base[i]+round], CreatedAt: p.CreatedAt.UTC()}
				if p.ReplyTo >= 0 && p.ReplyTo < round {
					post.ReplyToPostID = &ids[i][p.ReplyTo]
				}
				batch = append(batch, post)
				owner = append(owner, i)
			}
			if len(batch) == 0 {
				break
			}
			if err := tx.CreateInBatches(&batch, 500).Error; err != nil {
				return err
			}
			indexAtEnd(tx)
			for j, p := range batch {
				ids[owner[j]] = append(ids[owner[j]], p.ID)
			}
		}
		var interactions []Interaction
		for i, t := range threads {
			for j, p := range t.Posts {
				id := ids[i][j]
				to := t.Posts[0].AuthorID
				if p.ReplyTo >= 0 && p.ReplyTo < j {
					to = t.Posts[p.ReplyTo].AuthorID
				}
				if j > 0 && to != p.AuthorID {
					interactions = append(interactions, Interaction{SpaceID: t.SpaceID, FromID: p.AuthorID, ToID: to,
						Kind: InteractionReply, PostID: &id, CreatedAt: p.CreatedAt.UTC()})
				}
				for _, m := range p.Mentions {
					if m != p.AuthorID {
						interactions = append(interactions, Interaction{SpaceID: t.SpaceID, FromID: p.AuthorID, ToID: m,
							Kind: InteractionMention, PostID: &id, CreatedAt: p.CreatedAt.UTC()})
					}
				}
			}
			last := ids[i][len(ids[i])-1]
			if err := tx.Model(&Thread{}).Where("id = ?", rows[i].ID).Update("last_post_id", last).Error; err != nil {
				return err
			}
		}
		if len(interactions) > 0 {
			if err := tx.CreateInBatches(&interactions, 500).Error; err != nil {
				return err
			}
		}
		for space, n := range perSpace {
			if err := tx.Model(&Space{}).Where("id = ?", space).UpdateColumn("thread_count", gorm.Expr("thread_count + ?", n)).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// checkAuthors refuses threads whose authors or mentioned people are not
// members of the space.
func checkAuthors(tx *gorm.DB, threads []ImportedThread) error {
	want := map[int64]map[int64]bool{}
	for _, t := range threads {
		if want[t.SpaceID] == nil {
			want[t.SpaceID] = map[int64]bool{}
		}
		for _, p := range t.Posts {
			want[t.SpaceID][p.AuthorID] = true
			for _, m := range p.Mentions {
				want[t.SpaceID][m] = true
			}
		}
	}
	for space, people := range want {
		ids := make([]int64, 0, len(people))
		for id := range people {
			ids = append(ids, id)
		}
		var n int64
		for start := 0; start < len(ids); start += 500 {
			part := ids[start:min(start+500, len(ids))]
			var c int64
			if err := tx.Model(&Membership{}).Where("space_id = ? AND member_id IN ?", space, part).Count(&c).Error; err != nil {
				return err
			}
			n += c
		}
		if int(n) != len(ids) {
			return Errorf(CodeNotMember, "Every author of an imported post, and everyone it mentions, must be a member of its space (space %d).", space)
		}
	}
	return nil
}

// renderAll renders markdown bodies on every CPU, in order.
func (s *Store) renderAll(bodies []*string) ([]string, error) {
	out := make([]string, len(bodies))
	errs := make([]error, len(bodies))
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = s.renderBody(*bodies[i])
			}
		})
	}
	for i := range bodies {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("post %d: %w", i, err)
		}
	}
	return out, nil
}

// SettleImport readies the store for people after a bulk import. On SQLite
// each search index is merged into one segment: an import leaves segments
// of its own batches' sizes, and FTS5 merges them later inside whichever
// person's write comes along when they are due (on 10,000 seeded posts, the
// fourteenth write took 35 ms where the others took under one). On
// PostgreSQL the database is vacuumed and analyzed: the GIN indexes' pending
// entries are put in place and the planner learns the tables' sizes.
func (s *Store) SettleImport(ctx context.Context) error {
	if s.dialect == Postgres {
		return s.write.WithContext(ctx).Exec("VACUUM ANALYZE").Error
	}
	for _, k := range searchKinds {
		// 'optimize' is FTS5's command to merge every segment into one.
		if err := s.write.WithContext(ctx).Exec("INSERT INTO " + k.fts + " (" + k.fts + ") VALUES ('optimize')").Error; err != nil {
			return fmt.Errorf("merging %s: %w", k.fts, err)
		}
	}
	return nil
}
