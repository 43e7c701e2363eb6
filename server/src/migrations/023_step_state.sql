-- Resumable agent steps (issue 20): the latest `step.checkpoint` of each step instance (the agent's
-- conversation after its last tool round), kept until the instance finishes, and the latest
-- `workspace.snapshot` per workspace key of an execution (its diff rebuilds a git workspace on a new
-- lease). Both are written in the transaction of the runner's event batch, handed back in the grant,
-- never sent to browsers, and deleted with their execution by retention.
CREATE TABLE step_checkpoints (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  step_id TEXT NOT NULL,
  iteration_path TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (execution_id, step_id, iteration_path)
);

CREATE TABLE execution_workspaces (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  key TEXT NOT NULL,
  base_commit TEXT,
  changed_files TEXT NOT NULL,
  diff TEXT,
  step_id TEXT NOT NULL,
  iteration_path TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (execution_id, key)
);
