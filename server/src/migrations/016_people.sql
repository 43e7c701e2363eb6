-- People (issue 18). The owner row exists from the first start (id 'owner', the principal id the
-- access token and earlier browser sessions already used); others are invited. Times are ms.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL,
  -- scrypt$N$r$p$salt$hash (see server/src/people/passwords.ts); NULL until a password is set.
  password_hash TEXT,
  -- The OpenID Connect `iss|sub` this person signs in as, when single sign-on is used.
  oidc_subject TEXT UNIQUE,
  disabled_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_sign_in_at INTEGER
);

INSERT INTO users (id, name, email, role, created_at, updated_at)
  VALUES ('owner', 'owner', NULL, 'owner', CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000);

-- One-time invite links: only the code's SHA-256 is kept.
CREATE TABLE user_invites (
  code_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;

-- Personal access tokens: only the token's SHA-256 is kept; scopes is a JSON array.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  expires_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Browser sessions get a public id (listing and revoking never show the cookie's value).
ALTER TABLE auth_sessions ADD COLUMN public_id TEXT;
ALTER TABLE auth_sessions ADD COLUMN user_agent TEXT;
CREATE INDEX auth_sessions_principal ON auth_sessions (principal_id);

-- The audit trail. Append-only through the API; pruned only by the retention setting.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_id TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id, id);

-- Ownership: who started a run (`startedBy`), who saved a version, whose chat a session is.
-- NULL on rows from before people existed: read as the owner for sessions, unknown for runs.
ALTER TABLE executions ADD COLUMN started_by_kind TEXT;
ALTER TABLE executions ADD COLUMN started_by_id TEXT;
ALTER TABLE workflow_versions ADD COLUMN saved_by TEXT;
ALTER TABLE sessions ADD COLUMN owner_id TEXT;
CREATE INDEX sessions_owner ON sessions (owner_id);
