-- Schedules and webhooks that start workflows. Times in *_at INTEGER columns are epoch ms.
CREATE TABLE triggers (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  workflow_id TEXT NOT NULL REFERENCES workflows(id),
  type TEXT NOT NULL CHECK (type IN ('schedule', 'webhook')),
  enabled INTEGER NOT NULL,
  inputs TEXT,
  schedule TEXT,
  webhook_path TEXT UNIQUE,
  webhook_secret TEXT,
  webhook_rate_limit INTEGER,
  -- Scheduler cursor: every tick at or before cursor_at has been handled; next_run_at is the first one after it.
  cursor_at INTEGER,
  next_run_at INTEGER,
  -- Overlap bookkeeping: the latest started execution, and the one held behind it (overlap "queue").
  running_execution_id TEXT,
  held_execution_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX triggers_due ON triggers (next_run_at) WHERE next_run_at IS NOT NULL;
CREATE INDEX triggers_holding ON triggers (held_execution_id) WHERE held_execution_id IS NOT NULL;
CREATE INDEX triggers_by_workflow ON triggers (workflow_id);

-- Every fire: ord orders pages, id is the public handle.
CREATE TABLE trigger_deliveries (
  ord INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  trigger_id TEXT NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
  trigger_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('schedule', 'catch_up', 'webhook', 'manual')),
  scheduled_for INTEGER,
  received_at TEXT NOT NULL,
  execution_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('started', 'skipped', 'rejected', 'failed')),
  reason TEXT,
  latency_ms INTEGER NOT NULL,
  -- X-Weft-Delivery of a started webhook delivery: the same id again starts nothing.
  delivery_key TEXT
);
-- Exactly once per tick: two schedulers (or a restart) inserting the same tick conflict here.
CREATE UNIQUE INDEX deliveries_one_per_tick ON trigger_deliveries (trigger_id, scheduled_for) WHERE scheduled_for IS NOT NULL;
CREATE UNIQUE INDEX deliveries_by_key ON trigger_deliveries (trigger_id, delivery_key) WHERE delivery_key IS NOT NULL;
CREATE INDEX deliveries_by_trigger ON trigger_deliveries (trigger_id, ord);
