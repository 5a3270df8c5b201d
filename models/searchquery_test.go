package models_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	_ "github.com/mattn/go-sqlite3" // the FTS5 engine that the fuzz target checks expressions against

	"kith/models"
)

func TestParseQuery(t *testing.T) {
	day := func(s string) *time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return &d
	}
	for _, c := range []struct {
		in   string
		fts  string
		want models.SearchQuery // Terms are checked through fts
	}{
		{in: "wrapping errors", fts: `"wrapping" "errors"`},
		{in: `"Error Wrapping" wrap*`, fts: `"error wrapping" "wrap"*`},
		{in: `"error wrap"* x`, fts: `"error wrap"* "x"`},
		{in: `errors.Is C++`, fts: `"errors is" "c"`},
		{in: `NEAR(a b) OR title:x`, fts: `"near a" "b" "or" "title x"`},
		{in: `"unterminated phrase`, fts: `"unterminated phrase"`},
		{in: `x in:Go-Guild in:rust`, fts: `"x"`, want: models.SearchQuery{Spaces: []string{"go-guild", "rust"}}},
		{in: `x by:42 by:"Ann Lee" BY:bob`, fts: `"x"`, want: models.SearchQuery{AuthorIDs: []int64{42}, Authors: []string{"Ann Lee", "bob"}}},
		{in: `x after:2024-05-01 before:2024-06-01 is:Unanswered`, fts: `"x"`, want: models.SearchQuery{After: day("2024-05-01"), Before: day("2024-06-01"), Unanswered: true}},
		{in: `foo:bar !!! "" x`, fts: `"foo bar" "x"`},
	} {
		q, err := models.ParseQuery(c.in, 256)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := models.FTSMatch(q); got != c.fts {
			t.Errorf("%q: FTS5 %s, want %s", c.in, got, c.fts)
		}
		q.Terms = nil
		if fmt.Sprint(*q) != fmt.Sprint(c.want) {
			t.Errorf("%q: filters %+v, want %+v", c.in, *q, c.want)
		}
	}
	q, _ := models.ParseQuery(`errors.Is fmt.Err*`, 256)
	expr, args := models.TSQuery(q)
	if expr != "(phraseto_tsquery('english', ?) && to_tsquery('english', ?))" || fmt.Sprint(args) != "[errors.Is fmt <-> err:*]" {
		t.Errorf("tsquery %s %v", expr, args)
	}
}

func TestMarkSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"a \x01b\x02 c":                  "a <mark>b</mark> c",
		"<i>\x01x&y\x02</i>":             "&lt;i&gt;<mark>x&amp;y</mark>&lt;/i&gt;",
		"\x02stray\x01open":              "stray<mark>open</mark>",
		"\x01a\x01b\x02\x02\x03\x00 \"'": "<mark>ab</mark> &#34;&#39;",
	} {
		if got := models.MarkSnippet(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// FuzzParseQuery: whatever people type, the parser does not panic, refuses
// only with invalid_query, and what it builds is an expression that a real
// FTS5 table accepts (the error a bad MATCH would raise is the one thing a
// person must never be able to cause), and a tsquery built only from bind
// arguments whose to_tsquery text holds words, <-> and :*.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"wrapping errors", `"error wrapping"`, "wrap*", `"error wrap"*`, "in:go-guild x", `by:"Ann Lee" x`, "by:42 x",
		"after:2024-05-01 before:2024-06-01 x", "is:unanswered x", `NEAR(a b)`, `a OR b NOT c AND`, `title:x`, `"`,
		`""`, `"*"`, "*", "***a***", `x"y"z`, "e\u0301", "\u0301", "日本語", "x²", "١٢٣", `\ ' ( ) { } ^ - + : <-> ! | &`,
		"\x00x", "x\x01y", "\xff", "ǅ", "ﬁ", "İstanbul", "ß*", "\u200bx", "x\u00ady",
	} {
		f.Add(s)
	}
	db, err := sql.Open("sqlite3", "file::memory:?cache=shared")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(title, body, kind UNINDEXED, ref_id UNINDEXED,
		tokenize = 'porter unicode61 remove_diacritics 2')`); err != nil {
		f.Fatalf("FTS5 is missing (build with -tags sqlite_fts5): %v", err)
	}
	if _, err := db.Exec(`INSERT INTO search_index (title, body, kind, ref_id) VALUES ('Error wrapping', 'errors.Is and NEAR things', 'post', 1)`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := models.ParseQuery(in, 256)
		if err != nil {
			if models.ErrorCode(err) != models.CodeInvalidQuery {
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if len(q.Terms) == 0 {
			t.Fatalf("%q: parsed without terms", in)
		}
		expr := models.FTSMatch(q)
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM search_index WHERE search_index MATCH ?`, expr).Scan(&n); err != nil {
			t.Fatalf("%q: FTS5 refuses %s: %v", in, expr, err)
		}
		if _, err := db.Exec(`SELECT snippet(search_index, 1, char(1), char(2), '…', 24), bm25(search_index, 10.0, 1.0) FROM search_index WHERE search_index MATCH ?`, expr); err != nil {
			t.Fatalf("%q: snippet of %s: %v", in, expr, err)
		}
		tsq, args := models.TSQuery(q)
		if strings.Count(tsq, "?") != len(args) || strings.ContainsAny(tsq, "\"\\") {
			t.Fatalf("%q: tsquery %s %v", in, tsq, args)
		}
		for i, term := range q.Terms {
			a := args[i].(string)
			if strings.IndexFunc(term.Text, unicode.IsControl) >= 0 {
				t.Fatalf("%q: term text %q holds a control character", in, term.Text)
			}
			if !term.Prefix {
				continue
			}
			words := strings.TrimSuffix(strings.ReplaceAll(a, " <-> ", " "), ":*")
			if strings.IndexFunc(words, func(r rune) bool {
				return r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
			}) >= 0 {
				t.Fatalf("%q: to_tsquery text %q holds more than words", in, a)
			}
		}
	})
}
