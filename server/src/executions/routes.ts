import { ExecutionsQuery, IdParams, RerunRequest, RunWorkflowRequest, type WorkflowDefinition } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { userOf } from '../auth/principal';
import { parseRequest } from '../http/parse';
import { executionUsage } from './execution-usage';
import { chatById } from '../sessions/session-access';

const executionsRoutes: FastifyPluginAsync = async (app) => {
  const executions = app.executions;
  // A run names the chat it came from only to who may read that chat (sessions/chat-visibility.ts).
  const viewerOf = (request: FastifyRequest) => app.chatVisibility.viewer(request.principal);

  app.post('/api/workflows/:id/run', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(RunWorkflowRequest, request.body ?? {}, 'body');
    const person = userOf(request.principal, 'start a run');
    return app.idempotency.send(request, reply, 202, () =>
      app.audit.actingFor(request.principal, () =>
        executions.start({
          workflowId: id,
          inputs: body.inputs,
          sessionId: body.sessionId,
          version: body.version,
          trigger: { type: 'manual' },
          startedBy: { kind: 'user', id: person.id },
          // A version other than the latest may lack a gate added since: only who may change the workflow runs it.
          mayRunOlderVersion: person.scopes.includes('write'),
        }),
      ),
    );
  });

  app.get('/api/executions', async (request) => {
    const q = parseRequest(ExecutionsQuery, request.query, 'query');
    // Which runs came from a chat is the chat's to tell: 404 for someone else's, as the chat itself.
    if (q.sessionId !== undefined) chatById(app, request.principal, q.sessionId, 'read');
    const page = executions.list(q);
    const viewer = viewerOf(request);
    return { ...page, executions: page.executions.map(viewer.redact) };
  });

  app.get('/api/executions/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const execution = executions.get(id);
    const definition = executions.repo.definitionOf(execution.workflowId, execution.workflowVersion) as WorkflowDefinition | null;
    return viewerOf(request).redact({ ...execution, usage: executionUsage(definition, execution.steps) });
  });

  app.post('/api/executions/:id/cancel', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return viewerOf(request).redact(app.audit.actingFor(request.principal, () => executions.cancel(id)));
  });

  app.post('/api/executions/:id/rerun', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(RerunRequest, request.body ?? {}, 'body');
    const person = userOf(request.principal, 're-run a run');
    return app.idempotency.send(request, reply, 202, () =>
      app.audit.actingFor(request.principal, () =>
        executions.rerun(id, {
          fromStepId: body.fromStepId,
          version: body.version,
          startedBy: { kind: 'user', id: person.id },
          // Also a re-run without `version` of a run whose version is no longer the latest.
          mayRunOlderVersion: person.scopes.includes('write'),
        }),
      ),
    );
  });
};

export default executionsRoutes;
