-- Twin of SQLite 025_ask_use_and_git_repos.sql: a one-time approval's use in its own column, and
-- the repository a templated git workspace resolved to, per step instance.
ALTER TABLE tool_approvals ADD COLUMN used_at TEXT COLLATE "C";
UPDATE tool_approvals SET used_at = closed_at, closed_at = NULL
  WHERE status = 'approved' AND ask_key IS NOT NULL AND closed_at IS NOT NULL;

CREATE TABLE execution_git_repos (
  execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions(id),
  step_id TEXT COLLATE "C" NOT NULL,
  iteration_path TEXT COLLATE "C" NOT NULL DEFAULT '',
  integration TEXT COLLATE "C" NOT NULL,
  url TEXT COLLATE "C" NOT NULL,
  bound_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (execution_id, step_id, iteration_path, integration)
);
