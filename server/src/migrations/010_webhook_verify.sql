-- Webhook signature schemes. Hooks that had a secret were signed the old way (body only, no
-- timestamp): they move to "weft", so an old sender gets a 401 naming X-Weft-Timestamp instead of
-- staying replayable forever. Hooks without a secret were unsigned and say so now: "none".
ALTER TABLE triggers ADD COLUMN webhook_verify TEXT CHECK (webhook_verify IN ('weft', 'github', 'stripe', 'slack', 'none'));
UPDATE triggers SET webhook_verify = CASE WHEN webhook_secret IS NULL THEN 'none' ELSE 'weft' END WHERE type = 'webhook';
ALTER TABLE triggers ADD COLUMN webhook_allow_browser INTEGER NOT NULL DEFAULT 0;
ALTER TABLE triggers ADD COLUMN webhook_respond_output INTEGER NOT NULL DEFAULT 0;

-- A started webhook delivery keeps the digest of the signature that proved it: the same signature
-- again is the same delivery. (delivery_key stays the sender's own id: X-Weft-Delivery,
-- X-GitHub-Delivery, the Stripe event id.)
ALTER TABLE trigger_deliveries ADD COLUMN replay_key TEXT;
CREATE UNIQUE INDEX deliveries_by_replay_key ON trigger_deliveries (trigger_id, replay_key) WHERE replay_key IS NOT NULL;

-- Webhook calls that started nothing and that anyone can send in bulk (refusals, replays): one
-- counter per trigger, minute (epoch ms of its start) and reason, never a row per request.
CREATE TABLE trigger_delivery_counts (
  trigger_id TEXT NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
  minute INTEGER NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('rejected', 'skipped')),
  count INTEGER NOT NULL,
  PRIMARY KEY (trigger_id, minute, reason)
) WITHOUT ROWID;
