-- Runner event idempotency as one cursor per (execution, lease attempt) instead of a row per event:
-- events arrive in seq order (a gap is refused), so the highest stored seq is all a resend needs.
CREATE TABLE runner_cursors (
  execution_id TEXT NOT NULL,
  lease_attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (execution_id, lease_attempt)
) WITHOUT ROWID;

INSERT INTO runner_cursors (execution_id, lease_attempt, seq)
  SELECT execution_id, lease_attempt, MAX(seq) FROM runner_events GROUP BY execution_id, lease_attempt;

DROP TABLE runner_events;
