-- Fixes of failed runs (issue 22 §3): the deterministic context (JSON, from the journal and the
-- stored definition), the model's diagnosis, the proposal it made, the version applying it made and
-- the latest re-run. A fix belongs to its run: retention deletes it with the run. The re-run's own
-- status is read from `executions` when a fix is read (it may have been pruned since: then null).
CREATE TABLE execution_fixes (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions(id),
  workflow_id TEXT NOT NULL,
  workflow_version INTEGER NOT NULL,
  session_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('diagnosing', 'diagnosed', 'proposed', 'applied', 'rerun')),
  provider TEXT NOT NULL,
  context TEXT NOT NULL,
  diagnosis TEXT,
  summary TEXT,
  proposal_id TEXT,
  applied_version INTEGER,
  rerun_from_step_id TEXT,
  rerun_execution_id TEXT,
  error TEXT,
  created_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX execution_fixes_by_execution ON execution_fixes (execution_id, created_at);
CREATE INDEX execution_fixes_by_rerun ON execution_fixes (rerun_execution_id) WHERE rerun_execution_id IS NOT NULL;
CREATE INDEX execution_fixes_by_version ON execution_fixes (workflow_id, applied_version) WHERE applied_version IS NOT NULL;
