import { WORKFLOWS_TOPIC, diffDefinitions } from '@weft/shared';
import { validateDefinition } from './validate-definition';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import type { WorkflowsService } from './workflows-service';
import { filters } from '../db/filters';

type ProposalRow = {
  id: string;
  workflow_id: string;
  base_version: number;
  definition: string;
  diff: string;
  summary: string | null;
  status: 'open' | 'accepted' | 'rejected' | 'applied';
  proposed_by: string;
  session_id: string | null;
  created_at: string;
  reviewed_by: string | null;
  reviewed_at: string | null;
  review_comment: string | null;
  applied_version: number | null;
};

const toProposal = (r: ProposalRow) => ({
  id: r.id,
  workflowId: r.workflow_id,
  baseVersion: r.base_version,
  definition: JSON.parse(r.definition) as unknown,
  diff: JSON.parse(r.diff) as unknown[],
  summary: r.summary,
  status: r.status,
  proposedBy: r.proposed_by,
  sessionId: r.session_id,
  createdAt: r.created_at,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at,
  reviewComment: r.review_comment,
  appliedVersion: r.applied_version,
});
export type Proposal = ReturnType<typeof toProposal>;

/** An agent proposes, a person reviews (accept or reject), applying an accepted one makes a new version. */
export function createProposalsService({ db, journal, clock, workflows }: { db: Db; journal: Journal; clock: Clock; workflows: WorkflowsService }) {
  const s = {
    insert: db.prepare(
      `INSERT INTO workflow_proposals (id, workflow_id, base_version, definition, diff, summary, status, proposed_by, session_id, created_at)
       VALUES (@id, @workflowId, @baseVersion, @definition, @diff, @summary, 'open', @proposedBy, @sessionId, @now)`,
    ),
    get: db.prepare<[string], ProposalRow>('SELECT * FROM workflow_proposals WHERE id = ?'),
    review: db.prepare("UPDATE workflow_proposals SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ? WHERE id = ? AND status = 'open'"),
    applied: db.prepare("UPDATE workflow_proposals SET status = 'applied', applied_version = ? WHERE id = ? AND status = 'accepted'"),
  };
  /** Told of every change, inside its transaction: a fix follows its proposal's review and apply (fixes-service). */
  const listeners: ((proposal: Proposal) => void)[] = [];
  const publish = (row: ProposalRow) => {
    const proposal = toProposal(row);
    journal.append(WORKFLOWS_TOPIC, 'proposal.updated', proposal);
    for (const listener of listeners) listener(proposal);
  };
  const require = (id: string) => {
    const row = s.get.get(id);
    if (!row) throw notFound(`proposal ${id}`);
    return row;
  };

  return {
    /**
     * `listener` is called with each proposal made, reviewed or applied, inside that change's
     * transaction (so what it writes commits with it). Services built later hook in here, as the
     * fixes do, without this one importing them.
     */
    onChanged(listener: (proposal: Proposal) => void): void {
      listeners.push(listener);
    },
    propose({
      workflowId,
      definition,
      summary,
      proposedBy,
      sessionId,
      baseVersion,
    }: {
      workflowId: string;
      definition: unknown;
      summary?: string | undefined;
      proposedBy: string;
      sessionId?: string | undefined;
      /**
       * The version the proposer changed (default: the latest). A proposer that read an older
       * version names it, so applying answers 409 `version_conflict` instead of reverting what was saved since.
       */
      baseVersion?: number | undefined;
    }) {
      const current = baseVersion === undefined ? workflows.get(workflowId) : workflows.getVersion(workflowId, baseVersion);
      const v = validateDefinition(definition);
      if (!v.ok) throw new AppError(422, 'invalid_definition', `definition: ${v.errors[0]!.path}: ${v.errors[0]!.message}`, { errors: v.errors });
      const id = newId('prop');
      journal.transaction(() => {
        s.insert.run({
          id,
          workflowId,
          baseVersion: current.version,
          definition: JSON.stringify(v.definition),
          diff: JSON.stringify(diffDefinitions(current.definition, v.definition)),
          summary: summary ?? null,
          proposedBy,
          sessionId: sessionId ?? null,
          now: clock.now().toISOString(),
        });
        publish(s.get.get(id)!);
      });
      return toProposal(s.get.get(id)!);
    },
    list({ workflowId, status }: { workflowId?: string | undefined; status?: ProposalRow['status'] | undefined }) {
      const f = filters();
      f.add(workflowId, 'workflow_id = ?', workflowId);
      f.add(status, 'status = ?', status);
      return db
        .prepare<unknown[], ProposalRow>(`SELECT * FROM workflow_proposals ${f.where()} ORDER BY created_at DESC LIMIT 200`)
        .all(...f.params)
        .map(toProposal);
    },
    get: (id: string) => toProposal(require(id)),
    review({ id, decision, reviewer, comment }: { id: string; decision: 'accept' | 'reject'; reviewer: string; comment?: string | undefined }) {
      return journal.transaction(() => {
        const row = require(id);
        const target = decision === 'accept' ? 'accepted' : 'rejected';
        if (row.status !== 'open') {
          if (row.status === target) return toProposal(row);
          throw new AppError(409, 'proposal_reviewed', `proposal ${id} is already ${row.status}`);
        }
        s.review.run(target, reviewer, clock.now().toISOString(), comment ?? null, id);
        publish(s.get.get(id)!);
        return toProposal(s.get.get(id)!);
      });
    },
    /**
     * Applying makes a new version on top of the one the proposal was made against (409 if it moved
     * on), saved by the person applying it (`savedBy`).
     */
    apply({ id, savedBy }: { id: string; savedBy: string | null }) {
      return journal.transaction(() => {
        const row = require(id);
        if (row.status === 'applied') return { proposal: toProposal(row), workflow: workflows.getVersion(row.workflow_id, row.applied_version!) };
        if (row.status !== 'accepted') throw new AppError(409, 'proposal_not_accepted', `proposal ${id} is ${row.status}; accept it first`);
        const updated = workflows.update({ id: row.workflow_id, definition: JSON.parse(row.definition), baseVersion: row.base_version, savedBy });
        s.applied.run(updated.version, id);
        publish(s.get.get(id)!);
        return { proposal: toProposal(s.get.get(id)!), workflow: updated };
      });
    },
  };
}

export type ProposalsService = ReturnType<typeof createProposalsService>;
