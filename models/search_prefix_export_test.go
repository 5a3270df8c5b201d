package models

import "context"

// SetSearchPrefixTermsForTest sets how many words of the posts index a prefix
// may be searched as; 0 leaves every prefix to FTS5.
func (s *Store) SetSearchPrefixTermsForTest(n int) { s.limits.SearchPrefixTerms = n }

// PostFTSForTest is the FTS5 expression that the posts index is asked for a
// search (SQLite).
func (s *Store) PostFTSForTest(ctx context.Context, query string) (string, error) {
	q, err := ParseQuery(query, s.limits.MaxSearchChars)
	if err != nil {
		return "", err
	}
	e, err := s.searchEngine(s.db(ctx), q)
	return e.postFTS, err
}
