-- `Idempotency-Key` on the POSTs that create something (server/src/http/idempotency.ts): the first
-- answer, written in the transaction that made what it reports, so a retry gets that answer again.
-- `owner` is who sent the key (`user:<id>`): one person's key never answers another's request.
-- `fingerprint` is the request the key was first used for (route, parameters, body), `route` its
-- route pattern for the message that refuses the key for another request. Forgotten after a day
-- (retention), as a key is meant for the retries of one request.
CREATE TABLE idempotency_keys (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (owner, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
