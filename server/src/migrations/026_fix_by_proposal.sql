-- A fix follows its proposal: every change of a workflow proposal looks up the fixes that made it
-- (fixes-service.ts `byProposal`). Most fixes have none.
CREATE INDEX execution_fixes_by_proposal ON execution_fixes (proposal_id) WHERE proposal_id IS NOT NULL;
