import { ApprovalsQuery, DecisionRequest, IdParams } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';

const approvalsRoutes: FastifyPluginAsync = async (app) => {
  const approvals = app.services.approvals;

  app.get('/api/approvals', async (request) => {
    const q = parseRequest(ApprovalsQuery, request.query, 'query');
    return { approvals: approvals.list(q) };
  });

  app.get('/api/approvals/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return approvals.get(id);
  });

  // Decisions only by POST: link-preview bots that GET a URL must never approve anything.
  app.post('/api/approvals/:id/decision', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(DecisionRequest, request.body, 'body');
    return approvals.decide({ id, decision: body.decision, comment: body.comment, decidedBy: body.decidedBy ?? 'owner' });
  });
};

export default approvalsRoutes;
