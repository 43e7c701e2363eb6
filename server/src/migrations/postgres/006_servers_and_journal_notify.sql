-- Twin of SQLite 027_servers.sql: the servers on this database and the server holding each held
-- tool call (cluster/server-liveness.ts), and the person who decided it.
CREATE TABLE servers (
  id TEXT COLLATE "C" PRIMARY KEY,
  host TEXT COLLATE "C" NOT NULL,
  pid BIGINT NOT NULL,
  started_at TEXT COLLATE "C" NOT NULL,
  seen_at BIGINT NOT NULL
);

ALTER TABLE tool_approvals ADD COLUMN held_by TEXT COLLATE "C";
ALTER TABLE tool_approvals ADD COLUMN decided_by_id TEXT COLLATE "C";
CREATE INDEX tool_approvals_held_pending ON tool_approvals (held_by) WHERE status = 'pending' AND ask_key IS NULL;

-- PostgreSQL-only: cross-server journal fan-out (cluster/journal-follower.ts). Each statement that
-- inserts events notifies channel `weft_journal` with, per topic it wrote, [topic, min seq, max seq]
-- (a JSON array of such triples, split so that each payload stays under 8000 bytes). A NOTIFY is
-- delivered at COMMIT only, so a rolled-back write tells nobody; listeners read the events by seq
-- from this table, never from the notification.
CREATE FUNCTION weft_journal_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload TEXT := '';
  item TEXT;
BEGIN
  FOR item IN SELECT json_build_array(topic, MIN(seq), MAX(seq))::text FROM weft_new_events GROUP BY topic LOOP
    IF payload <> '' AND octet_length(payload) + octet_length(item) + 3 > 7900 THEN
      PERFORM pg_notify('weft_journal', '[' || payload || ']');
      payload := '';
    END IF;
    payload := CASE WHEN payload = '' THEN item ELSE payload || ',' || item END;
  END LOOP;
  IF payload <> '' THEN
    PERFORM pg_notify('weft_journal', '[' || payload || ']');
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER events_notify AFTER INSERT ON events
  REFERENCING NEW TABLE AS weft_new_events
  FOR EACH STATEMENT EXECUTE FUNCTION weft_journal_notify();
