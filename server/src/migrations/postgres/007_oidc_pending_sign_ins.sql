-- Twin of SQLite 028_oidc_pending_sign_ins.sql: sign-ins waiting for the provider's return, shared by every server.
CREATE TABLE oidc_pending_sign_ins (
  state_hash TEXT COLLATE "C" PRIMARY KEY,
  entry TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_pending_sign_ins_by_expiry ON oidc_pending_sign_ins (expires_at);
