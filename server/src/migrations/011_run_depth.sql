-- How deep in a chain of runs an execution is: 0 when a person, a trigger or the assistant started
-- it; its parent's depth + 1 when a workflow started it (run_workflow in workflow context).
ALTER TABLE executions ADD COLUMN run_depth INTEGER NOT NULL DEFAULT 0;
