-- Leases: lease_attempt is the fencing token, bumped on every grant.
ALTER TABLE executions ADD COLUMN lease_runner_id TEXT;
ALTER TABLE executions ADD COLUMN lease_attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE executions ADD COLUMN wake_at INTEGER;
ALTER TABLE executions ADD COLUMN output TEXT;
ALTER TABLE executions ADD COLUMN rerun_of TEXT;
ALTER TABLE executions ADD COLUMN updated_at TEXT;
CREATE INDEX executions_by_status ON executions (status, created_at);
CREATE INDEX executions_by_workflow ON executions (workflow_id, id);
CREATE INDEX executions_leased ON executions (lease_expires_at) WHERE lease_runner_id IS NOT NULL;
CREATE INDEX executions_waking ON executions (wake_at) WHERE wake_at IS NOT NULL;

-- One row per step attempt (attempt 0: skipped without running).
CREATE TABLE step_runs (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  step_id TEXT NOT NULL,
  iteration_path TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  input TEXT,
  output TEXT,
  error TEXT,
  retry_in_ms INTEGER,
  lease_attempt INTEGER,
  reused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, step_id, iteration_path, attempt)
);

-- Idempotency record of every runner event: a resend of (execution, lease attempt, seq) is a no-op.
CREATE TABLE runner_events (
  execution_id TEXT NOT NULL,
  lease_attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (execution_id, lease_attempt, seq)
) WITHOUT ROWID;

CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions(id),
  workflow_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  iteration_path TEXT NOT NULL DEFAULT '',
  step_attempt INTEGER NOT NULL,
  message TEXT NOT NULL,
  approvers TEXT NOT NULL DEFAULT '[]',
  on_deny TEXT NOT NULL,
  on_timeout TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'canceled')),
  requested_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  decision TEXT,
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT,
  UNIQUE (execution_id, step_id, iteration_path, step_attempt)
);
CREATE INDEX approvals_pending ON approvals (status, expires_at);

-- Runner-chosen message keys -> chat message ids, so a resent `message` event finds its message.
CREATE TABLE message_keys (
  execution_id TEXT NOT NULL,
  key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  PRIMARY KEY (execution_id, key)
) WITHOUT ROWID;
