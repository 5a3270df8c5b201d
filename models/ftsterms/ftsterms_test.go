package ftsterms_test

import (
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"kith/models/ftsterms"
)

var docs = []string{
	"Deployed the new build; deploying again tomorrow after the deployment review.",
	"Un café crème à Zürich: CAFÉ, cafe, Café.",
	"error budgets and an error budget, with errors",
	"Running runners run; the runner ran. 42 4242 x",
	"ÆSIR Ærø straße STRASSE Ωmega ωmega",
	"a an the i o u y",
	"",
}

func open(t *testing.T) *sql.DB {
	t.Helper()
	if err := ftsterms.Register(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", t.TempDir()+"/terms.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, q := range []string{
		`CREATE VIRTUAL TABLE f USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab(f, row)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range docs {
		if _, err := db.Exec(`INSERT INTO f(body) VALUES (?)`, d); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func terms(t *testing.T, db *sql.DB, query string, args ...any) map[string]string {
	t.Helper()
	var out string
	if err := db.QueryRow(query, args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return m
}

// kith_fts_terms finds exactly the tokens FTS5 indexes, and each token's word
// is found by a query for that word in exactly the rows that hold the token.
func TestTermsAreTheIndexTokens(t *testing.T) {
	db := open(t)
	got := terms(t, db, `SELECT kith_fts_terms(body) FROM f`)
	rows, err := db.Query(`SELECT term, doc FROM v`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for rows.Next() {
		var term string
		var n int
		if err := rows.Scan(&term, &n); err != nil {
			t.Fatal(err)
		}
		want[term] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("kith_fts_terms has %d tokens, the index %d: %v", len(got), len(want), got)
	}
	for stem, word := range got {
		n, ok := want[stem]
		if !ok {
			t.Errorf("token %q (%q) is not in the index", stem, word)
			continue
		}
		var found int
		if err := db.QueryRow(`SELECT count(*) FROM f WHERE f MATCH ?`, `"`+word+`"`).Scan(&found); err != nil {
			t.Fatal(err)
		}
		if found != n {
			t.Errorf("%q (token %q) matches %d rows; the token is in %d", word, stem, found, n)
		}
	}
	if got["deploi"] != "Deployed" {
		t.Errorf("deploi's word is %q, not Deployed", got["deploi"])
	}
	// One text alone, and none.
	if one := terms(t, db, `SELECT kith_fts_terms('Zoë zoe ZOË')`); len(one) != 1 || one["zoe"] != "Zoë" {
		t.Errorf("one text: %v", one)
	}
	if none := terms(t, db, `SELECT kith_fts_terms(body) FROM f WHERE 0`); len(none) != 0 {
		t.Errorf("no text: %v", none)
	}
}

// A prefix's token range over the vocabulary, written as an OR of the words,
// finds exactly what FTS5's own prefix finds.
func TestPrefixIsFTS5Prefix(t *testing.T) {
	db := open(t)
	vocab := terms(t, db, `SELECT kith_fts_terms(body) FROM f`)
	for _, typed := range []string{"deploy", "Deploy", "deployment", "run", "running", "caf", "CAFÉ", "zur", "Zü", "err", "error", "budg", "4", "42", "æ", "str", "stra", "ω", "x", "the"} {
		var stem sql.NullString
		if err := db.QueryRow(`SELECT kith_fts_prefix(?)`, typed).Scan(&stem); err != nil {
			t.Fatal(err)
		}
		if !stem.Valid {
			t.Errorf("%q: no token", typed)
			continue
		}
		var words []string
		for s, w := range vocab {
			if strings.HasPrefix(s, stem.String) {
				words = append(words, `"`+w+`"`)
			}
		}
		native := ids(t, db, `"`+typed+`"*`)
		var expanded []int64
		if len(words) > 0 {
			expanded = ids(t, db, "("+strings.Join(words, " OR ")+")")
		}
		if !slices.Equal(native, expanded) {
			t.Errorf("%q (token %q): native prefix finds %v, its words %v find %v", typed, stem.String, native, words, expanded)
		}
	}
	for _, typed := range []string{"", "   ", "two words", "!!"} {
		var stem sql.NullString
		if err := db.QueryRow(`SELECT kith_fts_prefix(?)`, typed).Scan(&stem); err != nil {
			t.Fatal(err)
		}
		if stem.Valid {
			t.Errorf("%q: token %q, want none", typed, stem.String)
		}
	}
}

func ids(t *testing.T, db *sql.DB, match string) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid`, match)
	if err != nil {
		t.Fatalf("%s: %v", match, err)
	}
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
