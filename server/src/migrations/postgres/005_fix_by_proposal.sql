-- Twin of SQLite 026_fix_by_proposal.sql: the fixes of a proposal, looked up on each of its changes.
CREATE INDEX execution_fixes_by_proposal ON execution_fixes (proposal_id) WHERE proposal_id IS NOT NULL;
