package models

// What the tests of package models_test reach inside for.

// FTSMatch is the FTS5 expression that a parsed query becomes.
func FTSMatch(q *SearchQuery) string { return q.ftsMatch() }

// TSQuery is the PostgreSQL tsquery expression that a parsed query becomes, with its arguments.
func TSQuery(q *SearchQuery) (string, []any) { return q.tsQuery() }

// MarkSnippet is the HTML that a snippet with the engines' markers becomes.
func MarkSnippet(raw string) string { return markSnippet(raw) }
