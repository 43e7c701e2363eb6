-- The name of the person a run was started by (or for, through the assistant), as it was then:
-- run pages and lists say "by Ana" to everyone, not an id only the owner can look up.
ALTER TABLE executions ADD COLUMN started_by_name TEXT;
