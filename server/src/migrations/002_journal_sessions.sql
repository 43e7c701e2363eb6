-- Append-only event journal: seq is per topic, strictly increasing, no gaps (allocated inside the writing transaction).
CREATE TABLE events (
  topic TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (topic, seq)
) WITHOUT ROWID;

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_activity_at TEXT NOT NULL
);

-- Executions in their first form (the back-pointer target); the engine migration adds the rest.
CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL REFERENCES workflows(id),
  workflow_version INTEGER NOT NULL,
  session_id TEXT REFERENCES sessions(id),
  status TEXT NOT NULL,
  inputs TEXT NOT NULL DEFAULT '{}',
  trigger TEXT NOT NULL DEFAULT '{"type":"manual"}',
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  error TEXT
);
CREATE INDEX executions_by_session ON executions (session_id);

-- ord gives a total order for pagination; id is the public handle.
CREATE TABLE messages (
  ord INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  parts TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('streaming', 'complete', 'canceled', 'error')),
  delta_seq INTEGER NOT NULL DEFAULT 0,
  meta TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  execution_id TEXT REFERENCES executions(id),
  step_id TEXT,
  iteration_path TEXT,
  attempt INTEGER
);
CREATE INDEX messages_by_session ON messages (session_id, ord);
CREATE INDEX messages_by_execution ON messages (execution_id, step_id);
