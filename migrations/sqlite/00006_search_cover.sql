-- +goose Up
-- Search joins each match to its post for the post's space, thread, author,
-- time and visibility. Read from the table, each such row brings its body and
-- HTML along (often on overflow pages); read from this covering index it does
-- not. A common word matches hundreds of thousands of posts at a million.
CREATE INDEX posts_search_cover ON posts(id, thread_id, space_id, author_id, created_at, hidden_at);

-- +goose Down
DROP INDEX posts_search_cover;
