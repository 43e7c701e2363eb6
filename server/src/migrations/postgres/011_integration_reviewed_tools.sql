-- The twin of SQLite's 031: an MCP integration's reviewed tool list (NULL: the next listing becomes it).
ALTER TABLE integrations ADD COLUMN reviewed_operations TEXT COLLATE "C";
UPDATE integrations SET reviewed_operations = operations WHERE provider = 'mcp' AND operations <> '[]';
