import { ApprovalsQuery, DecisionRequest, IdParams, type ApprovalListResponse, type InboxApproval } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { userOf } from '../auth/principal';
import { parseRequest } from '../http/parse';

const approvalsRoutes: FastifyPluginAsync = async (app) => {
  const approvals = app.approvals;
  const viewerOf = (request: FastifyRequest, action: string) => approvals.viewerOf(userOf(request.principal, action));
  /** A tool call has no approver rule: whoever holds `approve` may decide it while it waits. */
  const withToolMayDecide = (a: InboxApproval, mayApprove: boolean): InboxApproval =>
    a.kind === 'tool'
      ? { ...a, mayDecide: a.status === 'pending' && mayApprove, ...(mayApprove ? {} : { whyNot: 'Your role or token does not allow deciding approvals.' }) }
      : a;

  app.get('/api/approvals', async (request): Promise<ApprovalListResponse> => {
    const q = parseRequest(ApprovalsQuery, request.query, 'query');
    const viewer = viewerOf(request, 'list approvals');
    const mayApprove = viewer.scopes.includes('approve');
    // Step approvals and tool-call approvals share one inbox: what this person may decide first, then newest first.
    const tool = q.executionId ? [] : app.toolApprovals.list({ status: q.status, sessionId: q.sessionId });
    const all: InboxApproval[] = [...approvals.list(q, viewer), ...tool.map((a) => withToolMayDecide(a, mayApprove))];
    all.sort(
      (a, b) => Number(b.mayDecide === true) - Number(a.mayDecide === true) || (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0),
    );
    return { approvals: all.slice(0, q.limit) };
  });

  app.get('/api/approvals/:id', async (request): Promise<InboxApproval> => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const viewer = viewerOf(request, 'see an approval');
    if (app.toolApprovals.isToolApproval(id)) return withToolMayDecide(app.toolApprovals.get(id), viewer.scopes.includes('approve'));
    return approvals.get(id, viewer);
  });

  // Decisions only by POST (link-preview bots that GET a URL must never approve anything), and only
  // by a person: who decides is who the credential says is calling, never a name from the body.
  app.post('/api/approvals/:id/decision', async (request): Promise<InboxApproval> => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(DecisionRequest, request.body, 'body');
    const person = viewerOf(request, 'decide an approval');
    if (app.toolApprovals.isToolApproval(id)) {
      // Audited as `tool_approval.decided` while its event is written (audit/approval-entries.ts).
      return app.audit.actingFor(request.principal, () =>
        app.toolApprovals.decide({ id, decision: body.decision, comment: body.comment, decidedBy: person.name, decidedById: person.id }),
      );
    }
    return approvals.decide({ id, decision: body.decision, comment: body.comment, person });
  });
};

export default approvalsRoutes;
