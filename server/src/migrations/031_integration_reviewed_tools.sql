-- An MCP integration's reviewed tool list: what its server listed when an admin last saved it
-- (create or PATCH), the baseline later listings are held to (providers/mcp.ts `heldToReview`).
-- NULL: the next listing becomes it. Existing integrations take the tools last listed.
ALTER TABLE integrations ADD COLUMN reviewed_operations TEXT;
UPDATE integrations SET reviewed_operations = operations WHERE provider = 'mcp' AND operations <> '[]';
