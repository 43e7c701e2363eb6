-- Changes an agent proposes to a workflow; a human accepts or rejects, applying makes a new version.
CREATE TABLE workflow_proposals (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL REFERENCES workflows(id),
  base_version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  diff TEXT NOT NULL,
  summary TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected', 'applied')),
  proposed_by TEXT NOT NULL,
  session_id TEXT,
  created_at TEXT NOT NULL,
  reviewed_by TEXT,
  reviewed_at TEXT,
  review_comment TEXT,
  applied_version INTEGER
);
CREATE INDEX proposals_by_workflow ON workflow_proposals (workflow_id, status);

-- A destructive tool called by an agent waits for a person, like an approval step.
CREATE TABLE tool_approvals (
  id TEXT PRIMARY KEY,
  session_id TEXT,
  tool TEXT NOT NULL,
  arguments TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'canceled')),
  requested_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  decision TEXT,
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT
);
