-- A one-time approval of an agent step's tool ask is used by the first call it lets through. That
-- was recorded in `closed_at`, which otherwise says when a pending approval closed undecided: the
-- use gets its own column, and the uses recorded so far move there.
ALTER TABLE tool_approvals ADD COLUMN used_at TEXT;
UPDATE tool_approvals SET used_at = closed_at, closed_at = NULL
  WHERE status = 'approved' AND ask_key IS NOT NULL AND closed_at IS NOT NULL;

-- The repository a git workspace whose URL is a template resolved to, per step instance: the first
-- URL its runner was given the integration's credential for. Later requests of the same instance
-- (a retry, a new lease rebuilding the clone) get the credential for that repository only.
CREATE TABLE execution_git_repos (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  step_id TEXT NOT NULL,
  iteration_path TEXT NOT NULL DEFAULT '',
  integration TEXT NOT NULL,
  url TEXT NOT NULL,
  bound_at TEXT NOT NULL,
  PRIMARY KEY (execution_id, step_id, iteration_path, integration)
);
