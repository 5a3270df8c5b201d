package bm25_test

import (
	"database/sql"
	"math"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"kith/models/bm25"
)

// kith_bm25, given the true counts, scores every row exactly as bm25() does:
// words, several words, a phrase and a prefix.
func TestKithBm25IsBm25(t *testing.T) {
	if err := bm25.Register(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", t.TempDir()+"/bm25.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE VIRTUAL TABLE f USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')`,
		`INSERT INTO f(body) VALUES ('error wrapping in go'), ('an error budget is an error'), ('nothing here'),
			('wrapping paper'), ('error budget and latency budget, with errors wrapped twice over a long line of text')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		match  string
		phrase []string // each phrase of match alone
	}{
		{`"error"`, []string{`"error"`}},
		{`"error" "budget"`, []string{`"error"`, `"budget"`}},
		{`"error budget"`, []string{`"error budget"`}},
		{`"wrap"*`, []string{`"wrap"*`}},
		{`"wrap"* "error"`, []string{`"wrap"*`, `"error"`}},
		// A prefix written as its words (models/search_prefix.go): each
		// word is a phrase with a count of its own.
		{`("wrapping" OR "wrapped") AND "error"`, []string{`"wrapping"`, `"wrapped"`, `"error"`}},
	} {
		args := []any{}
		call := "kith_bm25(f"
		for _, p := range c.phrase {
			var n int64
			if err := db.QueryRow(`SELECT count(*) FROM f WHERE f MATCH ?`, p).Scan(&n); err != nil {
				t.Fatal(err)
			}
			call += ", ?"
			args = append(args, n)
		}
		args = append(args, c.match)
		rows, err := db.Query(`SELECT rowid, bm25(f), `+call+`) FROM f WHERE f MATCH ?`, args...)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for rows.Next() {
			var id int64
			var want, got float64
			if err := rows.Scan(&id, &want, &got); err != nil {
				t.Fatal(err)
			}
			seen++
			if math.Abs(want-got) > 1e-12 {
				t.Errorf("%s, row %d: bm25 %v, kith_bm25 %v", c.match, id, want, got)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if seen == 0 {
			t.Errorf("%s matched nothing", c.match)
		}
	}
	// A count for each phrase, or an error.
	if _, err := db.Exec(`SELECT kith_bm25(f, 1) FROM f WHERE f MATCH '"error" "budget"'`); err == nil {
		t.Error("kith_bm25 took one count for two phrases")
	}
}
