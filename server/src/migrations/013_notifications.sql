-- The Notifications inbox: a notify step's message for a run without a chat session.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  level TEXT NOT NULL,
  created_at TEXT NOT NULL,
  read_at TEXT
);
CREATE INDEX notifications_unread ON notifications (id) WHERE read_at IS NULL;

-- One row per notify step instance (its message key): a resend or a retry answers with the first
-- delivery's destinations instead of posting again.
CREATE TABLE notify_deliveries (
  execution_id TEXT NOT NULL,
  key TEXT NOT NULL,
  delivered TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (execution_id, key)
);
