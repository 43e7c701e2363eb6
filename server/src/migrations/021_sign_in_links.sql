-- One-time sign-in links (the printed link, `pnpm weft sign-in-link`): only the code's SHA-256.
-- Their own table, not unclaimed rows of auth_sessions: a link is not a session, and signing out
-- everywhere or counting sessions must not see it.
CREATE TABLE sign_in_links (
  code_hash TEXT PRIMARY KEY,
  principal_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sign_in_links_expiry ON sign_in_links (expires_at);

DELETE FROM auth_sessions WHERE principal_id LIKE 'sign-in-link:%';
