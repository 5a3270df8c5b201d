package models

import "gorm.io/gorm"

// indexQueuedPosts adds the posts that SQLite's insert trigger queued to the
// search index, as the last writes of the transaction: FTS5 turns what it
// holds in memory into a segment on disk at every savepoint it sees, so
// indexing at the end, after every operation's savepoint, makes one segment
// of a group of posts instead of one each (migrations/sqlite/00009). The
// vocabulary of the index, which prefixes are looked up in, gains their
// words at the same time.
// PostgreSQL's index is a generated column, and has no queue.
func (s *Store) indexQueuedPosts(tx *gorm.DB, buf *eventBuffer) error {
	if s.dialect != SQLite || !buf.queuedPosts {
		return nil
	}
	w := plain(tx)
	if err := w.exec(`INSERT INTO search_posts (rowid, body)
		SELECT p.id, p.body FROM search_posts_queue q JOIN posts p ON p.id = q.id`); err != nil {
		return err
	}
	// The index's vocabulary (for prefixes) gains their words: one
	// aggregate tokenizes them all and yields each stem once.
	if err := w.exec(`INSERT OR IGNORE INTO search_post_terms (stem, word) SELECT key, value
		FROM json_each((SELECT kith_fts_terms(p.body) FROM search_posts_queue q JOIN posts p ON p.id = q.id))`); err != nil {
		return err
	}
	return w.exec(`DELETE FROM search_posts_queue`)
}
