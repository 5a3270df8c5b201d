package models

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// kith parses what people type into a search box itself and hands the engines
// only what it built from the parsed parts: words made of letters and digits,
// joined by kith's own operators. No character a person types reaches FTS5's
// or PostgreSQL's query syntax, so no input can cause a syntax error there or
// change what the query means.
//
// The syntax:
//
//	wrapping errors      every word must occur (in any order)
//	"error wrapping"     the words next to each other, in this order
//	wrap*                words beginning with wrap
//	in:go-guild          only in the space with that slug (several in: mean any of them)
//	by:42, by:ann        only by the member with that id, or with that name (ignoring case;
//	                     quote a name with spaces: by:"Ann Lee")
//	after:2024-05-01     created on that day (UTC) or later
//	before:2024-06-01    created before that day (UTC)
//	is:unanswered        questions that nobody but their author has answered
//
// A word of other characters (errors.Is, C++) is searched as the words of
// letters and digits in it, next to each other. An unknown prefix (foo:bar) is
// searched as words, like any other text.

// SearchQuery is a parsed search.
type SearchQuery struct {
	Terms      []SearchTerm
	Spaces     []string // slugs, from in:
	AuthorIDs  []int64  // from by:ID
	Authors    []string // names as typed, from by:NAME
	After      *time.Time
	Before     *time.Time
	Unanswered bool
}

// SearchTerm is one thing that must match: a word, or words next to each
// other, the last of them perhaps a prefix.
type SearchTerm struct {
	Words  []string // letters, digits and combining marks only; never empty
	Prefix bool     // the last word matches any word it begins
	// Text is the term as typed, without control characters, for an engine
	// that reads plain text with its own parser (PostgreSQL's phraseto_tsquery
	// keeps errors.Is one word, as it does in the posts).
	Text string
}

// hasPrefix reports whether a term of q ends in a prefix.
func (q *SearchQuery) hasPrefix() bool {
	return slices.ContainsFunc(q.Terms, func(t SearchTerm) bool { return t.Prefix })
}

// Filtered reports whether the query narrows its results to threads and
// posts (spaces have no author, and nothing in them is a question).
func (q *SearchQuery) Filtered() bool {
	return len(q.Spaces) > 0 || len(q.AuthorIDs) > 0 || len(q.Authors) > 0 || q.Unanswered
}

// maxSearchTerms bounds the work one search can ask of the engine.
const maxSearchTerms = 16

func badQuery(format string, args ...any) *Error {
	e := Errorf(CodeInvalidQuery, format, args...)
	e.Field = "q"
	return e
}

// ParseQuery reads a search in kith's syntax. maxChars bounds its length.
func ParseQuery(text string, maxChars int) (*SearchQuery, error) {
	if !utf8.ValidString(text) {
		return nil, badQuery("The search is not valid text.")
	}
	if n := utf8.RuneCountInString(text); n > maxChars {
		return nil, badQuery("Search with at most %d characters; this search has %d.", maxChars, n)
	}
	q := &SearchQuery{}
	p := parser{in: []rune(text)}
	filters, ignored := 0, 0
	for {
		p.skipSpace()
		if p.done() {
			break
		}
		if p.peek() == '"' {
			p.next()
			phrase := p.until(func(r rune) bool { return r == '"' })
			p.next() // the closing quote; a missing one closes at the end
			prefix := p.stars()
			if !q.addTerm(phrase, prefix) {
				ignored++
			}
			continue
		}
		word := p.until(func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
		op, value, isOp := strings.Cut(word, ":")
		op = strings.ToLower(op)
		if isOp && isSearchOperator(op) {
			if value == "" && p.peek() == '"' {
				p.next()
				value = p.until(func(r rune) bool { return r == '"' })
				p.next()
			}
			if err := q.addFilter(op, strings.TrimSpace(value)); err != nil {
				return nil, err
			}
			filters++
			continue
		}
		prefix := strings.HasSuffix(word, "*")
		if !q.addTerm(strings.TrimRight(word, "*"), prefix) {
			ignored++
		}
	}
	if len(q.Terms) > maxSearchTerms {
		return nil, badQuery("Search with at most %d words and phrases; this search has %d.", maxSearchTerms, len(q.Terms))
	}
	if len(q.Terms) == 0 {
		switch {
		case filters > 0:
			return nil, badQuery("Add a word to search for: filters such as in: and by: narrow a search but do not make one.")
		case ignored > 0:
			return nil, badQuery("Search for words or numbers: punctuation alone matches nothing.")
		}
		return nil, badQuery("Type something to search for.")
	}
	return q, nil
}

func isSearchOperator(op string) bool {
	switch op {
	case "in", "by", "after", "before", "is":
		return true
	}
	return false
}

// addTerm adds the words of text as one term; it reports false when text has
// no letters or digits, which then matches nothing and is left out.
func (q *SearchQuery) addTerm(text string, prefix bool) bool {
	var words []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) && !unicode.IsMark(r) }) {
		if strings.IndexFunc(w, isWordRune) >= 0 { // a combining mark alone is no word
			words = append(words, strings.ToLower(w))
		}
	}
	if len(words) == 0 {
		return false
	}
	plain := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, text)
	q.Terms = append(q.Terms, SearchTerm{Words: words, Prefix: prefix, Text: plain})
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func (q *SearchQuery) addFilter(op, value string) error {
	switch op {
	case "in":
		slug := strings.ToLower(value)
		if slug == "" {
			return badQuery("in: needs the short name of a space, as in in:go-guild.")
		}
		if !validSlug(slug) {
			return badQuery("in:%s names no space: a space's short name has lower-case letters, digits and dashes.", value)
		}
		q.Spaces = append(q.Spaces, slug)
	case "by":
		if value == "" {
			return badQuery(`by: needs a member's name or id, as in by:ann or by:"Ann Lee".`)
		}
		if id, err := strconv.ParseInt(value, 10, 64); err == nil && id > 0 {
			q.AuthorIDs = append(q.AuthorIDs, id)
		} else {
			q.Authors = append(q.Authors, value)
		}
	case "after", "before":
		day, err := time.Parse(time.DateOnly, value)
		if err != nil {
			return badQuery("%s: needs a date written YYYY-MM-DD, as in %s:2024-05-01.", op, op)
		}
		if op == "after" {
			q.After = &day
		} else {
			q.Before = &day
		}
	case "is":
		if strings.ToLower(value) != "unanswered" {
			return badQuery("is: knows one value, unanswered (questions nobody but their author has answered).")
		}
		q.Unanswered = true
	}
	return nil
}

func validSlug(s string) bool {
	if len(s) > maxSlugLen {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// ftsMatch is the query as an FTS5 expression: each term a quoted phrase (a
// star after it for a prefix), all of them required. The words hold letters
// and digits (and their marks) only; quotes are doubled all the same.
func (q *SearchQuery) ftsMatch() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		parts[i] = t.ftsPhrase()
	}
	return strings.Join(parts, " ")
}

// ftsPhrase is the term as one FTS5 phrase: its words quoted, with * after a
// prefix.
func (t SearchTerm) ftsPhrase() string {
	s := `"` + strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`) + `"`
	if t.Prefix {
		s += "*"
	}
	return s
}

// tsQuery is the query as a PostgreSQL tsquery expression with its bind
// arguments: each term a phraseto_tsquery of its plain text (which takes any
// text, so no input is syntax to it), or for a prefix a to_tsquery of its
// words joined by <-> with :* after the last; the terms joined by &&. The
// words of a prefix hold letters, digits and marks only, so no operator in
// to_tsquery's text came from a person either.
func (q *SearchQuery) tsQuery() (string, []any) {
	parts := make([]string, len(q.Terms))
	args := make([]any, len(q.Terms))
	for i, t := range q.Terms {
		if t.Prefix {
			parts[i] = "to_tsquery('english', ?)"
			args[i] = strings.Join(t.Words, " <-> ") + ":*"
		} else {
			parts[i] = "phraseto_tsquery('english', ?)"
			args[i] = t.Text
		}
	}
	return "(" + strings.Join(parts, " && ") + ")", args
}

// parser walks the runes of a query.
type parser struct {
	in  []rune
	pos int
}

func (p *parser) done() bool { return p.pos >= len(p.in) }

func (p *parser) peek() rune {
	if p.done() {
		return 0
	}
	return p.in[p.pos]
}

func (p *parser) next() {
	if !p.done() {
		p.pos++
	}
}

func (p *parser) skipSpace() {
	for !p.done() && unicode.IsSpace(p.peek()) {
		p.pos++
	}
}

// until reads up to (not including) the first rune that stop accepts.
func (p *parser) until(stop func(rune) bool) string {
	start := p.pos
	for !p.done() && !stop(p.peek()) {
		p.pos++
	}
	return string(p.in[start:p.pos])
}

// stars reads the stars right after a closed phrase: a prefix.
func (p *parser) stars() bool {
	found := false
	for p.peek() == '*' {
		p.next()
		found = true
	}
	return found
}
