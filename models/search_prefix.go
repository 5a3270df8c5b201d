package models

import (
	"strings"

	"gorm.io/gorm"
)

// FTS5 answers a prefix (deploy*) by merging the list of every token of the
// index that begins with it before it yields its first match, whatever the
// LIMIT: at a million posts `deploy*` covers 326,000 of them and cost 25-40 ms
// at each lookup. An OR of the words themselves FTS5 walks lazily, newest
// first, and stops after the newest few hundred (about 1 ms). So on the posts
// index a prefix that covers at most SearchPrefixTerms tokens of the index's
// vocabulary (search_post_terms, migrations/sqlite/00008) is written as an OR
// of their words: ("Deployed" OR "deploy"), or ("error budget" OR "error
// budgets") for a phrase that ends in one. It finds the same posts: each word
// is tokenized back to exactly its token, and the prefix's range of tokens is
// taken from the prefix as FTS5 tokenizes it (package ftsterms). A prefix
// that covers more tokens, or none, stays FTS5's own: slower, never wrong.
// Thread titles and spaces are small indexes and keep FTS5's prefixes.

// maxPostPhrases bounds the phrases of one posts expression: kith_bm25 takes
// a count for each (KITH_MAX_PHRASES in models/bm25/bm25.c).
const maxPostPhrases = 1024

// postPhrases writes each term of q as the phrases the posts index is asked
// for: its own phrase, or the phrases its prefix expands to. It reports
// whether a native prefix is left among them.
func (s *Store) postPhrases(db *gorm.DB, q *SearchQuery) ([][]string, bool, error) {
	out := make([][]string, len(q.Terms))
	total := len(q.Terms)
	native := false
	for i, t := range q.Terms {
		out[i] = []string{t.ftsPhrase()}
		if !t.Prefix {
			continue
		}
		max := min(s.limits.SearchPrefixTerms, maxPostPhrases-total)
		words, err := s.prefixWords(db, t.Words[len(t.Words)-1], max)
		if err != nil {
			return nil, false, err
		}
		if len(words) == 0 {
			native = true
			continue
		}
		lead := strings.Join(t.Words[:len(t.Words)-1], " ")
		phrases := make([]string, len(words))
		for j, w := range words {
			if lead != "" {
				w = lead + " " + w
			}
			phrases[j] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		}
		out[i] = phrases
		total += len(phrases) - 1
	}
	return out, native, nil
}

// prefixWords returns a word for each token of the posts index that begins
// with the token of prefix, when there are from 1 to max of them; none when
// FTS5 should answer the prefix itself. Tokens are UTF-8 and the range is of
// bytes: U+10FFFF, a noncharacter that no token holds, sorts after every
// character that may follow the prefix.
func (s *Store) prefixWords(db *gorm.DB, prefix string, max int) ([]string, error) {
	if max <= 0 {
		return nil, nil
	}
	var words []string
	err := db.Raw("SELECT word FROM search_post_terms WHERE stem >= kith_fts_prefix(?) AND stem < kith_fts_prefix(?) || char(1114111)"+
		" ORDER BY stem LIMIT ?", prefix, prefix, max+1).Scan(&words).Error
	if err != nil || len(words) > max {
		return nil, err
	}
	return words, nil
}

// ftsExpression joins the phrases of each term, as postPhrases wrote them,
// into one FTS5 expression: every term required, any phrase of a term.
// FTS5 reads phrases side by side as AND, but not a group in parentheses.
func ftsExpression(terms [][]string) string {
	parts := make([]string, len(terms))
	for i, phrases := range terms {
		if len(phrases) == 1 {
			parts[i] = phrases[0]
		} else {
			parts[i] = "(" + strings.Join(phrases, " OR ") + ")"
		}
	}
	return strings.Join(parts, " AND ")
}
