-- +goose Up
-- Space lists (the home page, /spaces, the API) are ordered by lower(name),
-- id and read a page at a time. Without this index every list read and
-- sorted every space the reader may see, whatever the page: at 200 spaces
-- that was 130 us of a home page's SQLite time, and it grows with the
-- instance. With it the list walks the index in order and stops at the page.
CREATE INDEX spaces_by_name ON spaces (lower(name), id);

-- +goose Down
DROP INDEX spaces_by_name;
