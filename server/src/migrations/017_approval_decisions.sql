-- Approver rules (issue 18 §3): a step approval records how many distinct approvals it needs and
-- whether its run's starter or its version's saver may approve; every person's decision is a row
-- here (a step needing two approvals has two), with who, when and why. `approvals.approvers` now
-- holds the rule `{ users?, roles? }` as JSON (older rows hold a list of names: read as `users`).
ALTER TABLE approvals ADD COLUMN min_approvals INTEGER NOT NULL DEFAULT 1;
ALTER TABLE approvals ADD COLUMN allow_self_approval INTEGER NOT NULL DEFAULT 0;

CREATE TABLE approval_decisions (
  id TEXT PRIMARY KEY,
  approval_id TEXT NOT NULL REFERENCES approvals(id),
  principal_id TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
  comment TEXT,
  decided_at TEXT NOT NULL,
  UNIQUE (approval_id, principal_id)
);
CREATE INDEX approval_decisions_by_approval ON approval_decisions (approval_id, decided_at);
