-- Connected services (MCP servers, Slack, GitHub). credentials holds an AES-256-GCM envelope, never plaintext.
CREATE TABLE integrations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  provider TEXT NOT NULL CHECK (provider IN ('mcp', 'slack', 'github')),
  config TEXT NOT NULL,
  credentials TEXT,
  credential_fields TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL CHECK (status IN ('pending', 'syncing', 'ready', 'degraded', 'error')),
  status_reason TEXT,
  checked_at TEXT,
  -- Operations last seen (MCP: the server's tools with their input schemas), as JSON.
  operations TEXT NOT NULL DEFAULT '[]',
  latest_sync_execution_id TEXT,
  last_sync_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- One row per (integration, template): the key that makes auto-provisioning idempotent.
CREATE TABLE integration_provisions (
  integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
  template TEXT NOT NULL,
  workflow_id TEXT NOT NULL REFERENCES workflows(id),
  trigger_key TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (integration_id, template)
);
CREATE INDEX provisions_by_workflow ON integration_provisions (workflow_id);

-- Messages synced from messaging integrations, grouped by channel and thread.
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  message_count INTEGER NOT NULL DEFAULT 0,
  last_message_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (integration_id, channel, thread_id)
);
CREATE INDEX conversations_by_status ON conversations (status, last_message_at);

CREATE TABLE conversation_messages (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  external_id TEXT NOT NULL,
  author TEXT,
  text TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (conversation_id, external_id)
) WITHOUT ROWID;
