import { ToolCallRequest, ToolListQuery, type ToolCallResponse, type ToolListResponse } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { abortOnClose } from '../http/abort-on-close';
import type { ExecutionRow } from '../executions/executions-repository';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';
import { chatById } from '../sessions/session-access';
import { assertLeaseHeld } from './lease-check';
import { policyGate } from './call-policy';
import type { ToolContext } from './tool';

const toolsRoutes: FastifyPluginAsync = async (app) => {
  const registry = app.tools;

  /**
   * Who is calling, from the server's side: a call in an execution's context, or any call with the
   * runner credential, is a workflow's (whatever credential it holds); otherwise the signed-in person.
   */
  function callerOf(
    request: FastifyRequest,
    body: ToolCallRequest,
  ): {
    caller: Pick<ToolContext, 'actor' | 'person' | 'user' | 'sessionId' | 'executionId' | 'stepId' | 'iterationPath'>;
    /** The execution's row, read once for the whole call (lease, chat, policy). */
    row?: ExecutionRow;
  } {
    const principal = request.principal;
    // The runner credential proves only that a runner calls: it must name a lease it holds now.
    let row: ExecutionRow | null = null;
    if (principal?.type === 'runner') {
      if (!body.context)
        throw new AppError(
          403,
          'execution_context_required',
          'context: the runner credential calls tools only inside an execution it holds (context.executionId, runnerId, leaseAttempt)',
        );
      row = assertLeaseHeld({ context: body.context, executions: app.executions, clock: app.clock, grace: app.engine.grace });
    }
    if (body.context || principal?.type !== 'user') {
      if (!body.context) throw new AppError(403, 'tool_denied', 'context: a runner calls tools only inside an execution ({ executionId })');
      row ??= app.executions.repo.get(body.context.executionId);
      if (row === null) {
        app.executions.get(body.context.executionId); // throws 404, or 410 for a pruned run
        throw notFound(`execution ${body.context.executionId}`);
      }
      // A person naming a run is held to that run's chat as if they named it: writing in it (a run
      // posted there, a card shown there) is its person's alone (404 or 403 not_your_chat otherwise).
      if (principal?.type === 'user' && row.session_id !== null) chatById(app, principal, row.session_id, 'write');
      // A workflow's tool approvals go to its own chat, not to one the caller names.
      const caller = {
        actor: 'workflow' as const,
        sessionId: row.session_id ?? undefined,
        executionId: row.id,
        stepId: body.context.stepId,
        iterationPath: body.context.iterationPath ?? '',
        // A person naming an execution gets a workflow's limits on top of their own scopes, never instead of them.
        ...(principal?.type === 'user' ? { user: principal } : {}),
      };
      return { caller, row };
    }
    // A tool's approval card goes to the chat named, and only that chat's person decides it.
    if (body.sessionId !== undefined) chatById(app, principal, body.sessionId, 'write');
    return { caller: { actor: 'user', person: principal.name, user: principal, sessionId: body.sessionId } };
  }

  app.get('/api/tools', async (request): Promise<ToolListResponse> => {
    const q = parseRequest(ToolListQuery, request.query, 'query');
    return { tools: registry.list({ workflowContext: q.context === 'workflow' }) };
  });

  app.post('/api/tools/call', async (request, reply) => {
    const body = parseRequest(ToolCallRequest, request.body, 'body');
    const { caller, row } = callerOf(request, body);
    // A step's tool policy and its asks' approvals speak for the runner that holds the lease (checked
    // in callerOf), not for a person who names the execution: their calls are held as before.
    const policy =
      request.principal?.type !== 'runner' || row === undefined
        ? undefined
        : policyGate({
            registry,
            executions: app.executions,
            row,
            agentAsks: app.agentAsks,
            operator: app.config.toolPolicy,
            caller,
            name: body.name,
            args: body.arguments,
            askApprovalId: body.askApprovalId,
          });
    const result = await registry.call(body.name, body.arguments, { ...caller, signal: abortOnClose(reply.raw) }, policy);
    const response: ToolCallResponse = { ok: true, result: result ?? null };
    return response;
  });
};

export default toolsRoutes;
