package models

import (
	"html"
	"strings"

	"gorm.io/gorm"
)

// The two engines differ in how a document matches, how it scores and how its
// snippet is cut; searchEngine hides that from Search.
//
// SQLite: one FTS5 table, search_index, that triggers keep in step with
// threads, posts and spaces (migrations/sqlite/00005_search.sql). Its rowid
// is id*4+1 for a thread, +2 for a post, +3 for a space. Scores are bm25 with
// titles weighing ten times bodies; lower is better.
//
// PostgreSQL: a generated tsvector column on each table with a GIN index
// (migrations/postgres/00005_search.sql). Scores are ts_rank_cd (titles weigh
// most through setweight), negated so that lower is better on both.
type searchEngine struct {
	dialect Dialect
	fts     string // the FTS5 expression (SQLite)
	tsq     string // the tsquery expression (PostgreSQL) ...
	tsqArgs []any  // ... and its arguments
}

func (s *Store) searchEngine(q *SearchQuery) searchEngine {
	e := searchEngine{dialect: s.dialect, fts: q.ftsMatch()}
	e.tsq, e.tsqArgs = q.tsQuery()
	return e
}

// Markers that the engines put around each match in a snippet. They are
// control characters, which markSnippet turns into <mark> after escaping
// everything else.
const (
	markStart = "\x01"
	markEnd   = "\x02"
)

// from names the table of the kind, aliased as alias (joined to the index on SQLite).
func (e searchEngine) from(b *sqlBuilder, table, alias string) {
	if e.dialect == Postgres {
		b.add(table + " " + alias)
		return
	}
	// CROSS JOIN keeps the index as the outer loop whatever the statistics say:
	// the match narrows first, and each match finds its row by the id its
	// rowid encodes (reading the index's own kind and ref_id columns would
	// read each match's stored text). Posts are read through a covering
	// index: their rows hold the body and its HTML, often on overflow pages,
	// and a common word matches a quarter of a million of them.
	indexed := ""
	if table == "posts" {
		indexed = " INDEXED BY posts_search_cover"
	}
	b.add("search_index CROSS JOIN " + table + " " + alias + indexed + " ON " + alias + ".id = search_index.rowid / 4")
}

// kindCode is the kind's remainder in the index's rowid (id*4 + code).
var kindCode = map[string]int{ResultThread: 1, ResultPost: 2, ResultSpace: 3}

// match is the condition that a document of the kind matches.
func (e searchEngine) match(b *sqlBuilder, alias, kind string) {
	if e.dialect == Postgres {
		b.add(alias+".search_vector @@ "+e.tsq, e.tsqArgs...)
		return
	}
	b.add("search_index MATCH ? AND search_index.rowid % 4 = ?", e.fts, kindCode[kind])
}

// score is the document's relevance: lower is better.
func (e searchEngine) score(b *sqlBuilder, alias string) {
	if e.dialect == Postgres {
		// Normalisation 1 divides by 1 + the log of the length, so a long post
		// does not win by length alone.
		b.add("(-ts_rank_cd("+alias+".search_vector, "+e.tsq+", 1))::float8", e.tsqArgs...)
		return
	}
	b.add("bm25(search_index, 10.0, 1.0)")
}

// newest closes an arm (the table aliased alias, of kind order kind),
// keeping its newest n matches; after, when set, keeps only those that sort
// after it by new (created_at descending, then kind, then id descending).
func (e searchEngine) newest(b *sqlBuilder, alias string, kind, n int, after *searchCursor) {
	switch {
	case after == nil:
	case kind > after.Kind:
		b.add(" AND "+alias+".created_at <= ?", after.At)
	case kind == after.Kind:
		b.add(" AND ("+alias+".created_at < ? OR ("+alias+".created_at = ? AND "+alias+".id < ?))", after.At, after.At, after.ID)
	default:
		b.add(" AND "+alias+".created_at < ?", after.At)
	}
	if e.dialect == Postgres {
		b.add(" ORDER BY "+alias+".id DESC LIMIT ?) "+alias+"_newest", n)
		return
	}
	// The index hands out its matches newest first and the join keeps its
	// order, so SQLite stops after n readable matches.
	b.add(" ORDER BY search_index.rowid DESC LIMIT ?) "+alias+"_newest", n)
}

// docKey names a result: its kind and id.
type docKey struct {
	Type string
	ID   int64
}

// snippets cuts a snippet for each result of a page, with the engine's
// markers around the matches. It runs after paging, so only the page's
// documents are read again.
func (s *Store) snippets(db *gorm.DB, q *SearchQuery, rows []searchRow) (map[docKey]string, error) {
	out := map[docKey]string{}
	if len(rows) == 0 {
		return out, nil
	}
	ids := map[string][]int64{}
	for _, r := range rows {
		ids[r.Type] = append(ids[r.Type], r.ID)
	}
	type cut struct {
		ID      int64
		Snippet string
	}
	if s.dialect != Postgres {
		var docs []int64
		for _, r := range rows {
			docs = append(docs, r.ID*4+int64(kindCode[r.Type]))
		}
		var cuts []struct {
			Kind    string
			RefID   int64
			Snippet string
		}
		// A thread's snippet is its title; a post's, its text; a space's, its purpose.
		err := db.Raw("SELECT kind, ref_id, snippet(search_index, CASE kind WHEN 'thread' THEN 0 ELSE 1 END, ?, ?, ' … ', 24) AS snippet"+
			" FROM search_index WHERE search_index MATCH ? AND rowid IN ?", markStart, markEnd, q.ftsMatch(), docs).Scan(&cuts).Error
		if err != nil {
			return nil, err
		}
		for _, c := range cuts {
			out[docKey{c.Kind, c.RefID}] = c.Snippet
		}
		return out, nil
	}
	tsq, tsqArgs := q.tsQuery()
	const fragments = "MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \", "
	for _, k := range []struct{ kind, table, column, options string }{
		{ResultThread, "threads", "title", "HighlightAll=true, "},
		{ResultPost, "posts", "body", fragments},
		{ResultSpace, "spaces", "purpose", fragments},
	} {
		if len(ids[k.kind]) == 0 {
			continue
		}
		var cuts []cut
		args := append(append([]any{}, tsqArgs...), k.options+"StartSel="+markStart+", StopSel="+markEnd, ids[k.kind])
		err := db.Raw("SELECT id, ts_headline('english', "+k.column+", "+tsq+", ?) AS snippet FROM "+k.table+" WHERE id IN ?", args...).Scan(&cuts).Error
		if err != nil {
			return nil, err
		}
		for _, c := range cuts {
			out[docKey{k.kind, c.ID}] = c.Snippet
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
