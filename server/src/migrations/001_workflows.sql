CREATE TABLE workflows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  latest_version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);

CREATE TABLE workflow_versions (
  workflow_id TEXT NOT NULL REFERENCES workflows(id),
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('create', 'update', 'rollback')),
  rolled_back_from INTEGER,
  created_at TEXT NOT NULL,
  PRIMARY KEY (workflow_id, version)
);

CREATE INDEX workflows_live ON workflows (deleted_at, updated_at);
