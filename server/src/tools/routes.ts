import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseRequest } from '../http/parse';

const CallRequest = z.object({
  name: z.string().min(1).max(200),
  arguments: z.unknown().optional(),
  sessionId: z.string().min(1).max(100).optional(),
  /** Set by a runner's agent step: the call happens inside that execution (workflow context). */
  context: z.object({ executionId: z.string().min(1).max(100), stepId: z.string().max(64).optional() }).optional(),
});

const toolsRoutes: FastifyPluginAsync = async (app) => {
  const registry = app.services.tools;

  app.get('/api/tools', async (request) => {
    const q = parseRequest(z.object({ context: z.enum(['workflow']).optional() }), request.query, 'query');
    return { tools: registry.list({ workflowContext: q.context === 'workflow' }) };
  });

  app.post('/api/tools/call', async (request, reply) => {
    const body = parseRequest(CallRequest, request.body, 'body');
    if (body.context) app.services.executions.get(body.context.executionId); // 404 for an unknown execution
    const controller = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableEnded) controller.abort();
    });
    const result = await registry.call(body.name, body.arguments, {
      actor: body.context ? 'workflow' : 'user',
      sessionId: body.sessionId,
      executionId: body.context?.executionId,
      stepId: body.context?.stepId,
      signal: controller.signal,
    });
    return { ok: true, result: result ?? null };
  });
};

export default toolsRoutes;
