-- Browser sign-ins. The cookie carries a random id; only its SHA-256 is stored here.
-- principal_id is the owner today (issue 18 adds users). Times are milliseconds since the epoch.
CREATE TABLE auth_sessions (
  id_hash TEXT PRIMARY KEY,
  principal_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
