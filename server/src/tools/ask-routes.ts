import { ToolAskRequest, type ToolAskResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { abortOnClose } from '../http/abort-on-close';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import { assertLeaseHeld } from './lease-check';
import { stepOfExecution } from './execution-step';

/**
 * `POST /api/tools/ask` (runner credential only, lease-checked): an agent step asks a person to
 * decide a tool call or answer a question. The same key re-attaches; the answer comes at once or
 * when decided, within `waitMs` (long poll), and the runner asks again while it is pending.
 */
const askRoutes: FastifyPluginAsync = async (app) => {
  // A poll never holds a closing server up: it answers `pending`, and the runner asks the next one.
  app.addHook('preClose', async () => app.agentAsks.releaseAll());
  app.post('/api/tools/ask', async (request, reply): Promise<ToolAskResponse> => {
    const body = parseRequest(ToolAskRequest, request.body, 'body');
    const row = assertLeaseHeld({ context: body.context, executions: app.executions, clock: app.clock, grace: app.engine.grace });
    const step = stepOfExecution({ executions: app.executions, row, stepId: body.context.stepId });
    if (step?.type !== 'agent_prompt') {
      throw new AppError(422, 'not_an_agent_step', `context.stepId: ${body.context.stepId} is not an agent_prompt step of this execution's workflow`);
    }
    const ask = app.audit.actingFor(request.principal, () =>
      app.agentAsks.attach({ request: body, workflowId: row.workflow_id, sessionId: row.session_id, approvers: step.approvers }),
    );
    if (ask.status === 'pending') await app.agentAsks.wait(ask.id, body.waitMs, abortOnClose(reply.raw));
    return app.agentAsks.answer(ask.id);
  });
};

export default askRoutes;
