-- A one-time approval of an agent step's tool ask is used by the first call it lets through. That
-- was recorded in `closed_at`, which otherwise says when a pending approval closed undecided: the
-- use gets its own column, and the uses recorded so far move there.
ALTER TABLE tool_approvals ADD COLUMN used_at TEXT;
UPDATE tool_approvals SET used_at = closed_at, closed_at = NULL
  WHERE status = 'approved' AND ask_key IS NOT NULL AND closed_at IS NOT NULL;
