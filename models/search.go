package models

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SearchRequest is one search by one person.
type SearchRequest struct {
	Query string // in kith's syntax (see ParseQuery)
	Space string // a space's slug chosen beside the query (the page's select); an in: in the query wins
	Sort  string // SortRelevance (the default) or SortNew
	Page
}

// Orders of search results.
const (
	SortRelevance = "relevance" // best match first; titles and names weigh more than bodies
	SortNew       = "new"       // newest first
)

// Kinds of search result.
const (
	ResultThread = "thread"
	ResultPost   = "post"
	ResultSpace  = "space"
)

// SearchResult is one thing found: a thread (by its title), a post (by its
// text) or a space (by its name and purpose).
type SearchResult struct {
	Type       string
	ID         int64  // the thread's, post's or space's id
	ThreadID   int64  // the thread of a thread or post; 0 for a space
	Title      string // the thread's title, or the space's name
	Question   bool   // the thread is a question
	SpaceSlug  string
	SpaceName  string
	AuthorID   *int64 // nil for spaces, and where the author's account is gone
	AuthorName string
	CreatedAt  time.Time
	// Snippet is HTML: the matching text, escaped, with the matches in <mark>.
	// Nothing else in it is markup.
	Snippet string
	// ThreadCursor, for a post past the first page of its thread, is the
	// cursor of the thread's page that begins with the post ("" otherwise).
	ThreadCursor string
}

// searchRow is a result as the query returns it, with its ordering keys.
type searchRow struct {
	Type       string
	KindOrder  int
	ID         int64
	ThreadID   int64
	Title      string
	ThreadKind string
	SpaceSlug  string
	SpaceName  string
	AuthorID   *int64
	AuthorName *string
	CreatedAt  time.Time
	Score      float64
}

// Search finds the threads, posts and spaces that match a query among what
// the actor may read at this moment: threads and posts of the spaces they may
// read (readableSpaceIDs, canRead in SQL), never a hidden post, and the spaces
// they may see (visibleSpaces, canSee in SQL). Those rules are part of the one
// query that ranks and pages, so a page is never short, and no result is
// skipped or repeated across pages. A membership that ends ends what it let
// the person find in the same moment.
func (s *Store) Search(ctx context.Context, a Actor, r SearchRequest) ([]SearchResult, string, error) {
	if err := s.requireReader(a); err != nil {
		return nil, "", err
	}
	q, err := ParseQuery(r.Query, s.limits.MaxSearchChars)
	if err != nil {
		return nil, "", err
	}
	if slug := strings.ToLower(strings.TrimSpace(r.Space)); slug != "" && len(q.Spaces) == 0 {
		if !validSlug(slug) {
			return nil, "", invalid("space", "No space has the short name %q.", r.Space)
		}
		q.Spaces = []string{slug}
	}
	if r.Sort == "" {
		r.Sort = SortRelevance
	}
	if r.Sort != SortRelevance && r.Sort != SortNew {
		return nil, "", invalid("sort", "Sort by relevance or new.")
	}
	c, err := decodeSearchCursor(r.Cursor, r.Sort)
	if err != nil {
		return nil, "", err
	}
	limit := s.limits.pageSize(r.Limit)
	db := s.db(ctx)
	b := &sqlBuilder{}
	var after *searchCursor
	if r.Sort == SortNew {
		after = c
	}
	e, err := s.searchEngine(db, q)
	if err != nil {
		return nil, "", err
	}
	b.add("SELECT * FROM (")
	s.searchArms(b, db, e, a, q, max(s.limits.SearchCandidates, limit+1), after)
	b.add(") r")
	if c != nil {
		if r.Sort == SortNew {
			b.add(" WHERE (r.created_at < ? OR (r.created_at = ? AND (r.kind_order > ? OR (r.kind_order = ? AND r.id < ?))))",
				c.At, c.At, c.Kind, c.Kind, c.ID)
		} else {
			b.add(" WHERE (r.score > ? OR (r.score = ? AND (r.kind_order > ? OR (r.kind_order = ? AND r.id > ?))))",
				c.Score, c.Score, c.Kind, c.Kind, c.ID)
		}
	}
	if r.Sort == SortNew {
		b.add(" ORDER BY r.created_at DESC, r.kind_order, r.id DESC")
	} else {
		b.add(" ORDER BY r.score, r.kind_order, r.id")
	}
	b.add(" LIMIT ?", limit+1)
	var rows []searchRow
	if err := db.Raw(b.sql.String(), b.args...).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = encodeSearchCursor(searchCursor{Sort: r.Sort, Score: last.Score, At: last.CreatedAt, Kind: last.KindOrder, ID: last.ID})
	}
	if rows, err = s.searchDetails(db, rows); err != nil {
		return nil, "", err
	}
	snippets, err := s.snippets(db, e, q, rows)
	if err != nil {
		return nil, "", err
	}
	cursors, err := s.threadCursors(db, rows)
	if err != nil {
		return nil, "", err
	}
	out := make([]SearchResult, len(rows))
	for i, row := range rows {
		out[i] = SearchResult{
			Type: row.Type, ID: row.ID, ThreadID: row.ThreadID, Title: row.Title, Question: row.ThreadKind == Question,
			SpaceSlug: row.SpaceSlug, SpaceName: row.SpaceName, AuthorID: row.AuthorID, CreatedAt: row.CreatedAt,
			Snippet: markSnippet(snippets[docKey{row.Type, row.ID}]), ThreadCursor: cursors[row.ID],
		}
		if row.AuthorName != nil {
			out[i].AuthorName = *row.AuthorName
		}
	}
	return out, next, nil
}

// threadCursors finds, for each post of a page of results that is not on the
// first page of its thread, the cursor of a thread page that begins with it:
// the one after the post's predecessor in the thread.
func (s *Store) threadCursors(db *gorm.DB, rows []searchRow) (map[int64]string, error) {
	var ids []int64
	for _, r := range rows {
		if r.Type == ResultPost {
			ids = append(ids, r.ID)
		}
	}
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []struct {
		ID         int64
		Earlier    int
		PreviousID int64
	}
	err := db.Raw("SELECT p.id, (SELECT COUNT(*) FROM posts e WHERE e.thread_id = p.thread_id AND e.id < p.id) AS earlier,"+
		" (SELECT MAX(e.id) FROM posts e WHERE e.thread_id = p.thread_id AND e.id < p.id) AS previous_id FROM posts p WHERE p.id IN ?", ids).
		Scan(&found).Error
	if err != nil {
		return nil, err
	}
	for _, f := range found {
		if f.Earlier >= s.limits.ThreadPageSize && f.PreviousID > 0 {
			out[f.ID] = encodeCursor(cursor{ID: f.PreviousID})
		}
	}
	return out, nil
}

// searchArms writes one SELECT per kind of document, joined by UNION ALL:
// each matches with the engine's index and keeps only what a reads. An arm
// returns what ranks and pages a result (its kind, id, time and score);
// searchDetails reads what a page shows for its results alone. Each arm
// keeps the newest SearchCandidates of its matches (newest by id, which is
// the order things are written in): scoring a word that a quarter of a
// million posts hold costs a second, and the newest few hundred are where a
// forum's readers look. Sorted by new, a page after the first moves the
// window back to where the previous page ended (after), so every match can
// still be reached page by page.
func (s *Store) searchArms(b *sqlBuilder, db *gorm.DB, e searchEngine, a Actor, q *SearchQuery, n int, after *searchCursor) {
	// The joins that only filters read are made only when a filter is there.
	spaces := func(x string) {
		if len(q.Spaces) > 0 {
			b.add(" JOIN spaces sp ON sp.id = " + x + ".space_id")
		}
	}
	// Threads, by their titles.
	e.arm(b, threadKind)
	spaces("t")
	b.add(" WHERE ")
	e.match(b, threadKind)
	b.add(" AND t.space_id IN (?)", s.readableSpaceIDs(db, a))
	contentFilters(b, q, "t")
	e.newest(b, threadKind, n, after)

	// Posts, by their markdown; hidden posts never.
	b.add(" UNION ALL ")
	e.arm(b, postKind)
	if q.Unanswered {
		b.add(" JOIN threads t ON t.id = p.thread_id")
	}
	spaces("p")
	b.add(" WHERE ")
	e.match(b, postKind)
	b.add(" AND p.hidden_at IS NULL AND p.space_id IN (?)", s.readableSpaceIDs(db, a))
	contentFilters(b, q, "p")
	e.newest(b, postKind, n, after)

	// Spaces, by name and purpose, so people find communities to join. A
	// filter on where, by whom or what kind narrows to threads and posts.
	if q.Filtered() {
		return
	}
	b.add(" UNION ALL ")
	e.arm(b, spaceKind)
	b.add(" WHERE ")
	e.match(b, spaceKind)
	b.add(" AND sp.id IN (?)", s.visibleSpaces(db, a).Select("id"))
	dateFilters(b, q, "sp")
	e.newest(b, spaceKind, n, after)
}

// searchDetails fills in what a page of results shows: titles, places and
// authors, in one statement for the page. A result whose row went away
// between the two reads is left out.
func (s *Store) searchDetails(db *gorm.DB, rows []searchRow) ([]searchRow, error) {
	if len(rows) == 0 {
		return rows, nil
	}
	ids := map[string][]int64{}
	for _, r := range rows {
		ids[r.Type] = append(ids[r.Type], r.ID)
	}
	var details []searchRow
	err := db.Raw("SELECT 'thread' AS type, t.id AS id, t.id AS thread_id, t.title AS title, t.kind AS thread_kind,"+
		" sp.slug AS space_slug, sp.name AS space_name, t.author_id AS author_id, m.name AS author_name"+
		" FROM threads t JOIN spaces sp ON sp.id = t.space_id LEFT JOIN members m ON m.id = t.author_id WHERE t.id IN ?"+
		" UNION ALL SELECT 'post', p.id, p.thread_id, t.title, t.kind, sp.slug, sp.name, p.author_id, m.name"+
		" FROM posts p JOIN threads t ON t.id = p.thread_id JOIN spaces sp ON sp.id = p.space_id LEFT JOIN members m ON m.id = p.author_id WHERE p.id IN ?"+
		" UNION ALL SELECT 'space', sp.id, 0, sp.name, '', sp.slug, sp.name, NULL, NULL FROM spaces sp WHERE sp.id IN ?",
		ids[ResultThread], ids[ResultPost], ids[ResultSpace]).Scan(&details).Error
	if err != nil {
		return nil, err
	}
	found := make(map[docKey]searchRow, len(details))
	for _, d := range details {
		found[docKey{d.Type, d.ID}] = d
	}
	out := rows[:0]
	for _, r := range rows {
		d, ok := found[docKey{r.Type, r.ID}]
		if !ok {
			continue
		}
		r.ThreadID, r.Title, r.ThreadKind, r.SpaceSlug, r.SpaceName, r.AuthorID, r.AuthorName =
			d.ThreadID, d.Title, d.ThreadKind, d.SpaceSlug, d.SpaceName, d.AuthorID, d.AuthorName
		out = append(out, r)
	}
	return out, nil
}

// contentFilters narrows threads or posts (the table aliased x; its thread t,
// its space sp) by the query's filters.
func contentFilters(b *sqlBuilder, q *SearchQuery, x string) {
	if len(q.Spaces) > 0 {
		b.add(" AND sp.slug IN ?", q.Spaces)
	}
	if len(q.AuthorIDs) > 0 || len(q.Authors) > 0 {
		// A name matches ignoring case, or exactly as typed: SQLite's lower()
		// folds ASCII letters only, so "by:Zoë" finds Zoë there too.
		// (GORM writes an empty list as (NULL), which matches nothing.)
		lowered := make([]string, len(q.Authors))
		for i, n := range q.Authors {
			lowered[i] = strings.ToLower(n)
		}
		b.add(" AND ("+x+".author_id IN ? OR "+x+".author_id IN (SELECT id FROM members WHERE lower(name) IN ? OR name IN ?))",
			q.AuthorIDs, lowered, q.Authors)
	}
	if q.Unanswered {
		// kith has no accepted answers yet: a question counts as answered once
		// someone other than its author has replied (in a post still shown).
		b.add(" AND t.kind = 'question' AND NOT EXISTS (SELECT 1 FROM posts r WHERE r.thread_id = t.id AND r.hidden_at IS NULL" +
			" AND COALESCE(r.author_id, 0) <> COALESCE(t.author_id, 0))")
	}
	dateFilters(b, q, x)
}

func dateFilters(b *sqlBuilder, q *SearchQuery, x string) {
	if q.After != nil {
		b.add(" AND "+x+".created_at >= ?", *q.After)
	}
	if q.Before != nil {
		b.add(" AND "+x+".created_at < ?", *q.Before)
	}
}

// sqlBuilder collects SQL text and its bind arguments in the same order.
// Everything a person typed arrives as an argument, never as text.
type sqlBuilder struct {
	sql  strings.Builder
	args []any
}

func (b *sqlBuilder) add(sql string, args ...any) {
	b.sql.WriteString(sql)
	b.args = append(b.args, args...)
}

// searchCursor names the last result of a page by the keys its order sorts by.
type searchCursor struct {
	Sort  string    `json:"o"`
	Score float64   `json:"s,omitempty"`
	At    time.Time `json:"t"`
	Kind  int       `json:"k"`
	ID    int64     `json:"i"`
}

func encodeSearchCursor(c searchCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSearchCursor(s, sort string) (*searchCursor, error) {
	if s == "" {
		return nil, nil //nolint:nilnil // no cursor: the first page
	}
	var c searchCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 || c.Kind < 1 || c.Kind > 3 || c.Sort != sort {
		return nil, invalid("cursor", "That cursor is not one this search gave out.")
	}
	return &c, nil
}
