-- Single sign-ons between the redirect to the provider and its return (auth/oidc/pending-sign-ins.ts).
-- In the database, not in one process's memory: behind a load balancer the provider's return may
-- reach another server, and a restart no longer sends everyone back to the start. Keyed by the
-- SHA-256 of `state`, so the table alone cannot answer a callback.
CREATE TABLE oidc_pending_sign_ins (
  state_hash TEXT PRIMARY KEY,
  entry TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX oidc_pending_sign_ins_by_expiry ON oidc_pending_sign_ins (expires_at);
