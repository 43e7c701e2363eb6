-- Twin of SQLite's 024_execution_fixes.sql: fixes of failed runs (issue 22 §3).
CREATE TABLE execution_fixes (
  id TEXT COLLATE "C" PRIMARY KEY,
  execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions(id),
  workflow_id TEXT COLLATE "C" NOT NULL,
  workflow_version BIGINT NOT NULL,
  session_id TEXT COLLATE "C",
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('diagnosing', 'diagnosed', 'proposed', 'applied', 'rerun')),
  provider TEXT COLLATE "C" NOT NULL,
  context TEXT COLLATE "C" NOT NULL,
  diagnosis TEXT COLLATE "C",
  summary TEXT COLLATE "C",
  proposal_id TEXT COLLATE "C",
  applied_version BIGINT,
  rerun_from_step_id TEXT COLLATE "C",
  rerun_execution_id TEXT COLLATE "C",
  error TEXT COLLATE "C",
  created_by TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX execution_fixes_by_execution ON execution_fixes (execution_id, created_at);
CREATE INDEX execution_fixes_by_rerun ON execution_fixes (rerun_execution_id) WHERE rerun_execution_id IS NOT NULL;
CREATE INDEX execution_fixes_by_version ON execution_fixes (workflow_id, applied_version) WHERE applied_version IS NOT NULL;
