-- Retention (issue 19 §3). A compacted journal topic keeps its last event (so seqs go on from it)
-- and records here how far its history was removed: a replay from before `pruned_through` is
-- answered `topic_pruned` instead of silently skipping the events that are gone.
CREATE TABLE journal_floors (
  topic TEXT PRIMARY KEY,
  pruned_through INTEGER NOT NULL,
  pruned_at TEXT NOT NULL
) WITHOUT ROWID;

-- A step attempt's streamed output (stdout/stderr chunks, as JSON), folded in from its `step.log`
-- events when the run's topic is compacted: the run page reads it from here afterwards.
ALTER TABLE step_runs ADD COLUMN log TEXT;

-- One row: the newest execution id retention deleted (ids sort by time: a missing id at or before
-- it was pruned, not mistyped) and the last run's report, as JSON.
CREATE TABLE retention_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pruned_through_id TEXT,
  last_run TEXT,
  totals TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO retention_state (id) VALUES (1);

-- Finished runs in id (= creation) order: what retention walks, oldest first.
CREATE INDEX executions_finished ON executions (id) WHERE status IN ('succeeded', 'failed', 'canceled', 'denied');
-- Rows keyed by execution that had no index on it: each pruned run deletes them by id.
CREATE INDEX deliveries_by_execution ON trigger_deliveries (execution_id) WHERE execution_id IS NOT NULL;
CREATE INDEX notifications_by_execution ON notifications (execution_id);
