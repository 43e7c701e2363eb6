import { ApprovalsQuery, DecisionRequest, IdParams, type ApprovalListResponse, type InboxApproval } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { personOf } from '../auth/principal';
import { parseRequest } from '../http/parse';

const approvalsRoutes: FastifyPluginAsync = async (app) => {
  const approvals = app.approvals;

  app.get('/api/approvals', async (request): Promise<ApprovalListResponse> => {
    const q = parseRequest(ApprovalsQuery, request.query, 'query');
    // Step approvals and tool-call approvals share one inbox, newest first.
    const tool = q.executionId ? [] : app.toolApprovals.list({ status: q.status, sessionId: q.sessionId });
    const all: InboxApproval[] = [...approvals.list(q), ...tool];
    all.sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0));
    return { approvals: all.slice(0, q.limit) };
  });

  app.get('/api/approvals/:id', async (request): Promise<InboxApproval> => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    if (app.toolApprovals.isToolApproval(id)) return app.toolApprovals.get(id);
    return approvals.get(id);
  });

  // Decisions only by POST (link-preview bots that GET a URL must never approve anything), and only
  // by a person: `decidedBy` is who the credential says is calling, never a name from the body.
  app.post('/api/approvals/:id/decision', async (request): Promise<InboxApproval> => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(DecisionRequest, request.body, 'body');
    const decidedBy = personOf(request.principal, 'decide an approval');
    if (app.toolApprovals.isToolApproval(id)) {
      // Audited as `tool_approval.decided` while its event is written (audit/approval-entries.ts).
      return app.audit.actingFor(request.principal, () => app.toolApprovals.decide({ id, decision: body.decision, comment: body.comment, decidedBy }));
    }
    return approvals.decide({ id, decision: body.decision, comment: body.comment, decidedBy });
  });
};

export default approvalsRoutes;
