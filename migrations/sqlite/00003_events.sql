-- +goose Up
-- Events are data: each domain operation writes its events in the same
-- transaction as its change. seq counts per topic, in commit order (the
-- topic's counter row stays locked until commit). The table is also the
-- backlog that reconnecting clients replay from; it is pruned by age and count.
CREATE TABLE topic_seqs (
    topic TEXT    PRIMARY KEY,
    seq   INTEGER NOT NULL
);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    topic      TEXT     NOT NULL,
    seq        INTEGER  NOT NULL,
    kind       TEXT     NOT NULL,
    payload    TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE (topic, seq)
);
CREATE INDEX events_created ON events(created_at);

-- +goose Down
DROP TABLE events;
DROP TABLE topic_seqs;
