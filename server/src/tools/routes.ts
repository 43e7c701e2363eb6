import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { ToolContext } from './tool';

const CallRequest = z.object({
  name: z.string().min(1).max(200),
  arguments: z.unknown().optional(),
  sessionId: z.string().min(1).max(100).optional(),
  /** Set by a runner's `tool` and `agent_prompt` steps: the call happens inside that execution (workflow context). */
  context: z.object({ executionId: z.string().min(1).max(100), stepId: z.string().max(64).optional() }).optional(),
});
type CallRequest = z.infer<typeof CallRequest>;

const toolsRoutes: FastifyPluginAsync = async (app) => {
  const registry = app.services.tools;

  /**
   * Who is calling, from the server's side: a call in an execution's context, or any call with the
   * runner credential, is a workflow's (whatever credential it holds); otherwise the signed-in person.
   */
  function callerOf(request: FastifyRequest, body: CallRequest): Pick<ToolContext, 'actor' | 'person' | 'sessionId' | 'executionId' | 'stepId'> {
    const principal = request.principal;
    if (body.context || principal?.type !== 'user') {
      if (!body.context) throw new AppError(403, 'tool_denied', 'context: a runner calls tools only inside an execution ({ executionId })');
      const execution = app.services.executions.get(body.context.executionId); // 404 for an unknown execution
      // A workflow's tool approvals go to its own chat, not to one the caller names.
      return { actor: 'workflow', sessionId: execution.sessionId ?? undefined, executionId: execution.id, stepId: body.context.stepId };
    }
    return { actor: 'user', person: principal.name, sessionId: body.sessionId };
  }

  app.get('/api/tools', async (request) => {
    const q = parseRequest(z.object({ context: z.enum(['workflow']).optional() }), request.query, 'query');
    return { tools: registry.list({ workflowContext: q.context === 'workflow' }) };
  });

  app.post('/api/tools/call', async (request, reply) => {
    const body = parseRequest(CallRequest, request.body, 'body');
    const caller = callerOf(request, body);
    const controller = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableEnded) controller.abort();
    });
    const result = await registry.call(body.name, body.arguments, { ...caller, signal: controller.signal });
    return { ok: true, result: result ?? null };
  });
};

export default toolsRoutes;
