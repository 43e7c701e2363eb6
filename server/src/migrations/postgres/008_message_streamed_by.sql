-- Twin of SQLite 029_message_streamed_by.sql: the server writing each assistant's reply while it streams.
ALTER TABLE messages ADD COLUMN streamed_by TEXT COLLATE "C";
CREATE INDEX messages_streaming_replies ON messages (streamed_by) WHERE status = 'streaming' AND execution_id IS NULL;
