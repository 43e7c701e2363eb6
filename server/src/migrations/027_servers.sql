-- Server processes on this database (cluster/server-liveness.ts): a row per running server,
-- refreshed every second (on PostgreSQL, where several servers share the database) and deleted when
-- it stops. A held tool call records the server whose HTTP request waits for it (`held_by`), so a
-- starting server expires only the calls of servers that are gone, never those of a live one.
-- `decided_by_id`: the person who decided a held call, for the server whose request waits for it
-- (another server may take the decision; the call then acts as that person).
CREATE TABLE servers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  -- Milliseconds since the epoch (wall clock), compared with the other servers' own clocks.
  seen_at INTEGER NOT NULL
);

ALTER TABLE tool_approvals ADD COLUMN held_by TEXT;
ALTER TABLE tool_approvals ADD COLUMN decided_by_id TEXT;
-- The held calls still pending, looked at every few seconds for a gone holder (few rows, in a table that keeps every call).
CREATE INDEX tool_approvals_held_pending ON tool_approvals (held_by) WHERE status = 'pending' AND ask_key IS NULL;
