import { ApprovalsQuery, DecisionRequest, IdParams } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { personOf } from '../auth/principal';
import { parseRequest } from '../http/parse';

const approvalsRoutes: FastifyPluginAsync = async (app) => {
  const approvals = app.services.approvals;

  app.get('/api/approvals', async (request) => {
    const q = parseRequest(ApprovalsQuery, request.query, 'query');
    // Step approvals and tool-call approvals share one inbox, newest first.
    const tool = q.executionId ? [] : app.services.toolApprovals.list({ status: q.status, sessionId: q.sessionId });
    const all = [...approvals.list(q).map((a) => ({ kind: 'step' as const, ...a })), ...tool];
    all.sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0));
    return { approvals: all.slice(0, q.limit) };
  });

  app.get('/api/approvals/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    if (app.services.toolApprovals.isToolApproval(id)) return app.services.toolApprovals.get(id);
    return { kind: 'step' as const, ...approvals.get(id) };
  });

  // Decisions only by POST (link-preview bots that GET a URL must never approve anything), and only
  // by a person: `decidedBy` is who the credential says is calling, never a name from the body.
  app.post('/api/approvals/:id/decision', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(DecisionRequest, request.body, 'body');
    const decidedBy = personOf(request.principal, 'decide an approval');
    if (app.services.toolApprovals.isToolApproval(id)) return app.services.toolApprovals.decide({ id, decision: body.decision, comment: body.comment, decidedBy });
    return { kind: 'step' as const, ...approvals.decide({ id, decision: body.decision, comment: body.comment, decidedBy }) };
  });
};

export default approvalsRoutes;
