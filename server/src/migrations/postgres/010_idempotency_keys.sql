-- The twin of SQLite's 030: the first answer to a request sent with an `Idempotency-Key`.
CREATE TABLE idempotency_keys (
  owner TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT COLLATE "C" NOT NULL,
  route TEXT COLLATE "C" NOT NULL,
  status BIGINT NOT NULL,
  response TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
