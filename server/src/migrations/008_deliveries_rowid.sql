-- Deliveries keep `ord` as the rowid without AUTOINCREMENT: every fire wrote sqlite_sequence too.
-- New rows still get max(ord) + 1, so each trigger's deliveries stay in arrival order.
CREATE TABLE trigger_deliveries_new (
  ord INTEGER PRIMARY KEY,
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
INSERT INTO trigger_deliveries_new (ord, id, trigger_id, trigger_key, kind, scheduled_for, received_at, execution_id, status, reason, latency_ms, delivery_key)
  SELECT ord, id, trigger_id, trigger_key, kind, scheduled_for, received_at, execution_id, status, reason, latency_ms, delivery_key FROM trigger_deliveries;
DROP TABLE trigger_deliveries;
ALTER TABLE trigger_deliveries_new RENAME TO trigger_deliveries;
DELETE FROM sqlite_sequence WHERE name = 'trigger_deliveries';

-- Exactly once per tick: two schedulers (or a restart) inserting the same tick conflict here.
CREATE UNIQUE INDEX deliveries_one_per_tick ON trigger_deliveries (trigger_id, scheduled_for) WHERE scheduled_for IS NOT NULL;
CREATE UNIQUE INDEX deliveries_by_key ON trigger_deliveries (trigger_id, delivery_key) WHERE delivery_key IS NOT NULL;
CREATE INDEX deliveries_by_trigger ON trigger_deliveries (trigger_id, ord);
