-- The server process writing an assistant's reply while it streams (`servers.id`, cluster/server-liveness.ts),
-- NULL once it ends and for a run's messages (an agent turn belongs to its execution, which any server
-- may carry on). A reply whose writer is gone never ends by itself: a starting server, and with several
-- servers each live one every few seconds, finishes it as interrupted (chat/interrupted-replies.ts).
ALTER TABLE messages ADD COLUMN streamed_by TEXT;
-- The replies still streaming, looked at every few seconds for a gone writer (few rows, in a table that keeps every message).
CREATE INDEX messages_streaming_replies ON messages (streamed_by) WHERE status = 'streaming' AND execution_id IS NULL;
