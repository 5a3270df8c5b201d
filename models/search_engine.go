package models

import (
	"html"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// The two engines differ in how a document matches, how it scores and how its
// snippet is cut; searchEngine hides that from Search.
//
// SQLite: one FTS5 table per kind (search_threads, search_posts,
// search_spaces) whose rowid is the document's id, kept in step with their
// tables by triggers (migrations/sqlite/00007_search_per_kind.sql). Scores
// are bm25, with titles and names weighing ten times bodies; lower is better.
//
// PostgreSQL: a generated tsvector column on each table with a GIN index
// (migrations/postgres/00005_search.sql). Scores are ts_rank_cd (titles weigh
// most through setweight), negated so that lower is better on both.
type searchEngine struct {
	dialect Dialect
	fts     string // the FTS5 expression of threads and spaces (SQLite) ...
	postFTS string // ... and of posts, with prefixes written as their words where it can (search_prefix.go)
	// postPrefix: postFTS still holds a prefix that FTS5 answers itself.
	postPrefix bool
	postDF     []any  // how many posts hold each phrase of postFTS, in its order
	tsq        string // the tsquery expression (PostgreSQL) ...
	tsqArgs    []any  // ... and its arguments
}

func (s *Store) searchEngine(db *gorm.DB, q *SearchQuery) (searchEngine, error) {
	e := searchEngine{dialect: s.dialect, fts: q.ftsMatch()}
	e.tsq, e.tsqArgs = q.tsQuery()
	if s.dialect == Postgres {
		return e, nil
	}
	terms, native, err := s.postPhrases(db, q)
	if err != nil {
		return e, err
	}
	e.postFTS, e.postPrefix = ftsExpression(terms), native
	e.postDF, err = s.postFrequencies(db, slices.Concat(terms...))
	return e, err
}

// postFrequencies returns how many posts the posts index holds each phrase
// in, for kith_bm25 (package bm25): from postDF while the count is younger
// than its TTL, else counted, all the phrases not kept in one statement. The
// counts are of the index, as bm25()'s were; only the order of results
// reads them.
func (s *Store) postFrequencies(db *gorm.DB, phrases []string) ([]any, error) {
	out := make([]any, len(phrases))
	b := &sqlBuilder{}
	for i, phrase := range phrases {
		if n, ok := s.postDF.Get(phrase, 0); ok {
			out[i] = n
			continue
		}
		if len(b.args) > 0 {
			b.add(" UNION ALL ")
		}
		b.add("SELECT ? AS term, count(*) AS posts FROM search_posts WHERE search_posts MATCH ?", i, phrase)
	}
	if len(b.args) == 0 {
		return out, nil
	}
	var counted []struct{ Term, Posts int64 }
	if err := db.Raw(b.sql.String(), b.args...).Scan(&counted).Error; err != nil {
		return nil, err
	}
	for _, c := range counted {
		out[c.Term] = c.Posts
		s.postDF.Add(phrases[c.Term], 0, c.Posts)
	}
	return out, nil
}

// searchKind is one kind of document search finds.
type searchKind struct {
	name         string // ResultThread, ResultPost or ResultSpace
	table, alias string // its table, and the table's alias in the search query
	order        int    // kind_order: threads, then posts, then spaces
	fts          string // its FTS5 index (SQLite)
	bm25         string // its score there (see titleBand); posts score by kith_bm25
	snippetCol   int    // the index's column a snippet is cut from
	text         string // the column a snippet is cut from (PostgreSQL) ...
	headline     string // ... and ts_headline's options
}

// titleBand is far beyond any bm25 score (a few tens per word), so a title or
// name match always sorts before a post.
const titleBand = "1000000.0"

const fragments = "MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \", "

// A thread is found by its title, a post by its text and a space by its name
// and purpose; a space's snippet is its purpose.
//
// On SQLite each kind has an index of its own, and bm25 scores from different
// indexes are not on one scale (each weighs a word by how rare it is in its
// own index, and a word in most of a few titles weighs nothing). So titles
// and names weigh more than bodies by rank: threads and spaces score in a band
// of their own (titleBand) before every post, each group in bm25 order, and a
// space's name weighs ten times its purpose.
var (
	threadKind = searchKind{name: ResultThread, table: "threads", alias: "t", order: 1,
		fts: "search_threads", bm25: "bm25(search_threads) - " + titleBand, text: "title", headline: "HighlightAll=true, "}
	postKind = searchKind{name: ResultPost, table: "posts", alias: "p", order: 2,
		fts: "search_posts", text: "body", headline: fragments}
	spaceKind = searchKind{name: ResultSpace, table: "spaces", alias: "sp", order: 3,
		fts: "search_spaces", bm25: "bm25(search_spaces, 10.0, 1.0) - " + titleBand, snippetCol: 1, text: "purpose", headline: fragments}
	searchKinds = []searchKind{threadKind, postKind, spaceKind}
)

// Markers that the engines put around each match in a snippet. They are
// control characters, which markSnippet turns into <mark> after escaping
// everything else.
const (
	markStart = "\x01"
	markEnd   = "\x02"
)

// arm opens the SELECT of kind k: what ranks and pages a result (kind, its
// order among kinds, id, time, score), from the kind's table and index.
// newest closes it.
func (e searchEngine) arm(b *sqlBuilder, k searchKind) {
	x := k.alias
	b.add("SELECT * FROM (SELECT '" + k.name + "' AS type, " + strconv.Itoa(k.order) + " AS kind_order, " +
		x + ".id AS id, " + x + ".created_at AS created_at, ")
	e.score(b, k)
	b.add(" AS score FROM ")
	e.from(b, k)
}

// from names the kind's table (joined to its index on SQLite).
func (e searchEngine) from(b *sqlBuilder, k searchKind) {
	if e.dialect == Postgres {
		b.add(k.table + " " + k.alias)
		return
	}
	// CROSS JOIN keeps the index as the outer loop whatever the statistics say:
	// the match narrows first, and each match finds its row by id. Posts are
	// read through a covering index: their rows hold the body and its HTML,
	// often on overflow pages, and a common word matches a quarter of a
	// million of them.
	indexed := ""
	if k.table == "posts" {
		indexed = " INDEXED BY posts_search_cover"
	}
	b.add(k.fts + " CROSS JOIN " + k.table + " " + k.alias + indexed + " ON " + k.alias + ".id = " + k.fts + ".rowid")
}

// match is the condition that a document of the kind matches.
func (e searchEngine) match(b *sqlBuilder, k searchKind) {
	if e.dialect == Postgres {
		b.add(k.alias+".search_vector @@ "+e.tsq, e.tsqArgs...)
		return
	}
	b.add(k.fts+" MATCH ?", e.ftsOf(k))
}

// ftsOf is the FTS5 expression for the index of kind k (SQLite), and whether
// a prefix that FTS5 answers itself is left in it.
func (e searchEngine) ftsOf(k searchKind) string {
	if k.name == ResultPost {
		return e.postFTS
	}
	return e.fts
}

// nativePrefix reports whether the expression for kind k holds a prefix that
// FTS5 answers itself.
func (e searchEngine) nativePrefix(k searchKind, q *SearchQuery) bool {
	if k.name == ResultPost {
		return e.postPrefix
	}
	return q.hasPrefix()
}

// score is the document's relevance: lower is better.
func (e searchEngine) score(b *sqlBuilder, k searchKind) {
	if e.dialect == Postgres {
		// Normalisation 1 divides by 1 + the log of the length, so a long post
		// does not win by length alone.
		b.add("(-ts_rank_cd("+k.alias+".search_vector, "+e.tsq+", 1))::float8", e.tsqArgs...)
		return
	}
	if k.bm25 != "" {
		b.add(k.bm25)
		return
	}
	// bm25 with the counts kept: scoring the newest thousand posts that hold
	// a common word no longer starts by reading all of them.
	b.add("kith_bm25("+k.fts+strings.Repeat(", ?", len(e.postDF))+")", e.postDF...)
}

// newest closes an arm of kind k, keeping its newest n matches; after, when
// set, keeps only those that sort after it by new (created_at descending,
// then kind, then id descending).
func (e searchEngine) newest(b *sqlBuilder, k searchKind, n int, after *searchCursor) {
	x := k.alias
	switch {
	case after == nil:
	case k.order > after.Kind:
		b.add(" AND "+x+".created_at <= ?", after.At)
	case k.order == after.Kind:
		b.add(" AND ("+x+".created_at < ? OR ("+x+".created_at = ? AND "+x+".id < ?))", after.At, after.At, after.ID)
	default:
		b.add(" AND "+x+".created_at < ?", after.At)
	}
	if e.dialect == Postgres {
		b.add(" ORDER BY "+x+".id DESC LIMIT ?) "+x+"_newest", n)
		return
	}
	// The index hands out its matches newest first and the join keeps its
	// order, so SQLite stops after n readable matches.
	b.add(" ORDER BY "+k.fts+".rowid DESC LIMIT ?) "+x+"_newest", n)
}

// docKey names a result: its kind and id.
type docKey struct {
	Type string
	ID   int64
}

// snippets cuts a snippet for each result of a page, with the engine's
// markers around the matches: one statement per kind on the page. It runs
// after paging, so only the page's documents are read again.
func (s *Store) snippets(db *gorm.DB, e searchEngine, q *SearchQuery, rows []searchRow) (map[docKey]string, error) {
	out := map[docKey]string{}
	ids := map[string][]int64{}
	for _, r := range rows {
		ids[r.Type] = append(ids[r.Type], r.ID)
	}
	tsq, tsqArgs := q.tsQuery()
	for _, k := range searchKinds {
		if len(ids[k.name]) == 0 {
			continue
		}
		var cuts []struct {
			ID      int64
			Snippet string
		}
		var err error
		if s.dialect == Postgres {
			args := append(append([]any{}, tsqArgs...), k.headline+"StartSel="+markStart+", StopSel="+markEnd, ids[k.name])
			err = db.Raw("SELECT id, ts_headline('english', "+k.text+", "+tsq+", ?) AS snippet FROM "+k.table+" WHERE id IN ?", args...).Scan(&cuts).Error
		} else {
			b := &sqlBuilder{}
			b.add("SELECT rowid AS id, snippet("+k.fts+", "+strconv.Itoa(k.snippetCol)+", ?, ?, ' … ', 24) AS snippet FROM "+k.fts+
				" WHERE "+k.fts+" MATCH ?", markStart, markEnd, e.ftsOf(k))
			if e.nativePrefix(k, q) {
				// FTS5 merges every list a prefix covers each time it looks a
				// match up, so "rowid IN" would merge them once per result (a
				// common prefix: 25 ms each). One lookup over the results' span
				// merges them once; the unary + keeps IN from being the lookup.
				lo, hi := slices.Min(ids[k.name]), slices.Max(ids[k.name])
				b.add(" AND rowid BETWEEN ? AND ? AND +rowid IN ?", lo, hi, ids[k.name])
			} else {
				b.add(" AND rowid IN ?", ids[k.name])
			}
			err = db.Raw(b.sql.String(), b.args...).Scan(&cuts).Error
		}
		if err != nil {
			return nil, err
		}
		for _, c := range cuts {
			out[docKey{k.name, c.ID}] = c.Snippet
		}
	}
	return out, nil
}

// markSnippet turns an engine's snippet into safe HTML: every character is
// escaped, and only the markers become <mark> and </mark>, always balanced.
// Other control characters are dropped.
func markSnippet(raw string) string {
	var b strings.Builder
	open := false
	start := 0
	flush := func(end int) {
		b.WriteString(html.EscapeString(raw[start:end]))
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c >= 0x20 || c == '\n' || c == '\t' {
			continue
		}
		flush(i)
		start = i + 1
		switch {
		case c == markStart[0] && !open:
			b.WriteString("<mark>")
			open = true
		case c == markEnd[0] && open:
			b.WriteString("</mark>")
			open = false
		}
	}
	flush(len(raw))
	if open {
		b.WriteString("</mark>")
	}
	return b.String()
}
