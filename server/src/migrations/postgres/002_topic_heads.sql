-- The journal's per-topic head (journal/sequences-postgres.ts): the last seq allocated on each topic,
-- advanced by an upsert that locks the row until COMMIT, so concurrent servers never share a seq.
-- PostgreSQL-only: SQLite's single writer reads MAX(seq) under its write lock instead.
CREATE TABLE topic_heads (
  topic TEXT COLLATE "C" PRIMARY KEY,
  seq BIGINT NOT NULL
);

INSERT INTO topic_heads (topic, seq) SELECT topic, MAX(seq) FROM events GROUP BY topic;
