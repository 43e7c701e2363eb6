-- Agent asks (issue 20): an agent step's tool call its policy says a person must decide, or its
-- question (`agent:ask_user`), is a tool approval bound to its execution and step. The runner names
-- it by `ask_key` (unique within the execution) so a resend or a resumed step re-attaches to it; such
-- rows survive a restart (only the assistant's own in-memory calls expire then) and close with the run.
-- `approvers` is the step's approver rule (JSON, from the stored definition); `scope` is set on approval.
ALTER TABLE tool_approvals ADD COLUMN execution_id TEXT;
ALTER TABLE tool_approvals ADD COLUMN workflow_id TEXT;
ALTER TABLE tool_approvals ADD COLUMN step_id TEXT;
ALTER TABLE tool_approvals ADD COLUMN iteration_path TEXT NOT NULL DEFAULT '';
ALTER TABLE tool_approvals ADD COLUMN ask_key TEXT;
ALTER TABLE tool_approvals ADD COLUMN ask TEXT CHECK (ask IN ('tool', 'question'));
ALTER TABLE tool_approvals ADD COLUMN preview TEXT;
ALTER TABLE tool_approvals ADD COLUMN scope TEXT CHECK (scope IN ('once', 'step'));
ALTER TABLE tool_approvals ADD COLUMN approvers TEXT;
CREATE UNIQUE INDEX tool_approvals_ask_key ON tool_approvals (execution_id, ask_key) WHERE ask_key IS NOT NULL;
CREATE INDEX tool_approvals_by_execution ON tool_approvals (execution_id, status) WHERE execution_id IS NOT NULL;
