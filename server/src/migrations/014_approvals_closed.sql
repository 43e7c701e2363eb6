-- A pending approval whose run ended (or whose call went away) is `closed`, with why: it replaces
-- `canceled`, which said neither why nor for which run. SQLite cannot change a CHECK in place, so
-- both approval tables are rebuilt; old `canceled` rows become `closed` with the reason they had.
CREATE TABLE approvals_new (
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
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'closed')),
  requested_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  decision TEXT,
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT,
  closed_reason TEXT,
  closed_message TEXT,
  closed_at TEXT,
  UNIQUE (execution_id, step_id, iteration_path, step_attempt)
);
INSERT INTO approvals_new (id, execution_id, workflow_id, step_id, iteration_path, step_attempt, message, approvers, on_deny, on_timeout, status,
                           requested_at, expires_at, decision, decided_by, decided_at, comment, closed_reason, closed_message, closed_at)
  SELECT a.id, a.execution_id, a.workflow_id, a.step_id, a.iteration_path, a.step_attempt, a.message, a.approvers, a.on_deny, a.on_timeout,
         CASE a.status WHEN 'canceled' THEN 'closed' ELSE a.status END,
         a.requested_at, a.expires_at, a.decision, a.decided_by, a.decided_at, a.comment,
         CASE WHEN a.status = 'canceled' THEN 'execution_canceled' END,
         CASE WHEN a.status = 'canceled' THEN 'The run was canceled before anyone decided.' END,
         CASE WHEN a.status = 'canceled' THEN COALESCE((SELECT e.finished_at FROM executions e WHERE e.id = a.execution_id), a.requested_at) END
  FROM approvals a;
DROP TABLE approvals;
ALTER TABLE approvals_new RENAME TO approvals;
CREATE INDEX approvals_pending ON approvals (status, expires_at);

CREATE TABLE tool_approvals_new (
  id TEXT PRIMARY KEY,
  session_id TEXT,
  tool TEXT NOT NULL,
  arguments TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'closed')),
  requested_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  decision TEXT,
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT,
  closed_reason TEXT,
  closed_message TEXT,
  closed_at TEXT
);
INSERT INTO tool_approvals_new (id, session_id, tool, arguments, message, status, requested_at, expires_at, decision, decided_by, decided_at, comment,
                                closed_reason, closed_message, closed_at)
  SELECT id, session_id, tool, arguments, message, CASE status WHEN 'canceled' THEN 'closed' ELSE status END, requested_at, expires_at,
         CASE WHEN status = 'canceled' THEN NULL ELSE decision END,
         CASE WHEN status = 'canceled' THEN NULL ELSE decided_by END,
         CASE WHEN status = 'canceled' THEN NULL ELSE decided_at END,
         comment,
         CASE WHEN status = 'canceled' THEN 'call_canceled' END,
         CASE WHEN status = 'canceled' THEN 'The request that asked for it was canceled before anyone decided.' END,
         CASE WHEN status = 'canceled' THEN COALESCE(decided_at, requested_at) END
  FROM tool_approvals;
DROP TABLE tool_approvals;
ALTER TABLE tool_approvals_new RENAME TO tool_approvals;
