import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { ExecutionsService } from '../executions/executions-service';
import type { Clock } from '../workflows/workflows-service';

const CallRequest = z.object({
  name: z.string().min(1).max(200),
  arguments: z.unknown().optional(),
  sessionId: z.string().min(1).max(100).optional(),
  /** Set by a runner's agent or tool step: the call happens inside that execution (workflow context). */
  context: z
    .object({
      executionId: z.string().min(1).max(100),
      stepId: z.string().max(64).optional(),
      /** With the runner credential: the calling runner and its lease attempt on the execution. */
      runnerId: z.string().min(1).max(100).optional(),
      leaseAttempt: z.number().int().min(1).optional(),
    })
    .optional(),
});
type CallRequest = z.infer<typeof CallRequest>;

/**
 * The runner credential is shared by every runner, so it alone proves nothing about an execution:
 * the caller must name a lease the journal says it holds right now (same runner id, same attempt,
 * not expired). A runner that lost its lease, or names someone else's execution, is refused.
 */
function checkRunnerCall({ body, executions, clock }: { body: CallRequest; executions: ExecutionsService; clock: Clock }): { sessionId: string | undefined } {
  const context = body.context;
  if (!context) throw new AppError(403, 'execution_context_required', 'context: the runner credential calls tools only inside an execution it holds (context.executionId, runnerId, leaseAttempt)');
  if (context.runnerId === undefined || context.leaseAttempt === undefined) {
    throw new AppError(403, 'lease_not_held', 'context.runnerId and context.leaseAttempt are required with the runner credential');
  }
  const row = executions.repo.get(context.executionId);
  const held = row !== null && row.lease_runner_id === context.runnerId && row.lease_attempt === context.leaseAttempt && (row.lease_expires_at ?? 0) >= clock.now().getTime();
  if (!held) throw new AppError(403, 'lease_not_held', `context.executionId: runner ${context.runnerId} holds no current lease (attempt ${context.leaseAttempt}) on execution ${context.executionId}`);
  // The execution's chat, not one the caller names: a runner reaches no other conversation.
  return { sessionId: row.session_id ?? undefined };
}

const toolsRoutes: FastifyPluginAsync = async (app) => {
  const registry = app.services.tools;

  app.get('/api/tools', async (request) => {
    const q = parseRequest(z.object({ context: z.enum(['workflow']).optional() }), request.query, 'query');
    return { tools: registry.list({ workflowContext: q.context === 'workflow' }) };
  });

  app.post('/api/tools/call', async (request, reply) => {
    const body = parseRequest(CallRequest, request.body, 'body');
    const principal = request.principal as Principal;
    let sessionId = body.sessionId;
    if (principal.type === 'runner') {
      ({ sessionId } = checkRunnerCall({ body, executions: app.services.executions, clock: app.services.clock }));
    } else if (body.context) {
      app.services.executions.get(body.context.executionId); // 404 for an unknown execution
    }
    const controller = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableEnded) controller.abort();
    });
    const result = await registry.call(body.name, body.arguments, {
      actor: body.context ? 'workflow' : 'user',
      sessionId,
      executionId: body.context?.executionId,
      stepId: body.context?.stepId,
      signal: controller.signal,
    });
    return { ok: true, result: result ?? null };
  });
};

export default toolsRoutes;
