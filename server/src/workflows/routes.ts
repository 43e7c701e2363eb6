import { withoutWebhookSecret } from '../http/idempotency';
import {
  CreateWorkflowRequest,
  IdParams,
  RollbackWorkflowRequest,
  UpdateWorkflowRequest,
  ValidateWorkflowRequest,
  VersionParams,
  WorkflowDiffQuery,
  WorkflowProposalsQuery,
  WorkflowTriggerField,
} from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { userOf } from '../auth/principal';
import { AppError, zodIssues } from '../http/errors';
import { parseRequest } from '../http/parse';
import { versionDiff } from './version-diff';
import { createWorkflowTransfer } from './workflow-transfer';

/** Every version records who saved it: the person the request acts for. */
const savedByOf = (request: FastifyRequest): string => userOf(request.principal, 'save a workflow').id;

const workflowsRoutes: FastifyPluginAsync = async (app) => {
  const service = app.workflows;
  const transfer = createWorkflowTransfer({ workflows: service, triggers: app.triggers });

  app.post('/api/workflows/validate', async (request) => {
    const body = parseRequest(ValidateWorkflowRequest, request.body, 'body');
    return service.validate(body.definition);
  });

  app.post('/api/workflows', async (request, reply) => {
    const body = parseRequest(CreateWorkflowRequest, request.body, 'body');
    // An optional `trigger` is written in the same transaction: both are saved or neither.
    const { trigger } = parseRequest(WorkflowTriggerField, request.body, 'body');
    return app.idempotency.send(
      request,
      reply,
      201,
      () =>
        app.audit.actingFor(request.principal, () =>
          app.triggers.withWorkflow(trigger, (inTransaction) => service.create({ definition: body.definition, savedBy: savedByOf(request), inTransaction })),
        ),
      withoutWebhookSecret,
    );
  });

  app.get('/api/workflows', async () => ({ workflows: service.list() }));

  app.get('/api/workflows/:id/export', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return transfer.exportWorkflow(id);
  });

  app.post('/api/workflows/import', async (request, reply) =>
    app.idempotency.send(
      request,
      reply,
      201,
      () => app.audit.actingFor(request.principal, () => transfer.importWorkflow(request.body, savedByOf(request))),
      withoutWebhookSecret,
    ),
  );

  app.get('/api/workflows/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    return service.get(id);
  });

  app.put('/api/workflows/:id', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(UpdateWorkflowRequest, request.body, 'body');
    const { trigger } = parseRequest(WorkflowTriggerField, request.body, 'body');
    return app.audit.actingFor(request.principal, () =>
      app.triggers.withWorkflow(trigger, (inTransaction) =>
        service.update({ id, definition: body.definition, baseVersion: body.baseVersion, savedBy: savedByOf(request), inTransaction }),
      ),
    );
  });

  app.get('/api/workflows/:id/versions', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    // A version a fix applied links that fix and its run ("fixes run ex_… — summary").
    const fixed = app.fixes.versionLinks(id);
    return { versions: service.listVersions(id).map((v) => (fixed.has(v.version) ? { ...v, fix: fixed.get(v.version)! } : v)) };
  });

  app.get('/api/workflows/:id/versions/:n', async (request) => {
    const { id, n } = parseRequest(VersionParams, request.params, 'params');
    return service.getVersion(id, n);
  });

  app.get('/api/workflows/:id/diff', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const query = WorkflowDiffQuery.safeParse(request.query ?? {});
    if (!query.success) {
      const errors = zodIssues(query.error);
      const first = errors[0]!;
      throw new AppError(400, 'invalid_query', `query ${first.path}: ${first.message}`, { field: first.path, errors });
    }
    return versionDiff(service, { id, ...query.data });
  });

  // Read-only here: proposals are made, reviewed and applied through the assistant's workflow tools.
  app.get('/api/workflows/:id/proposals', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const { status } = parseRequest(WorkflowProposalsQuery, request.query, 'query');
    service.get(id); // 404 for an unknown or deleted workflow
    // A proposal names the chat it was made in only to who may read that chat (sessions/chat-visibility.ts).
    const viewer = app.chatVisibility.viewer(request.principal);
    return { proposals: app.proposals.list({ workflowId: id, status }).map(viewer.redact) };
  });

  app.post('/api/workflows/:id/rollback', async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(RollbackWorkflowRequest, request.body, 'body');
    return app.audit.actingFor(request.principal, () => service.rollback({ id, version: body.version, savedBy: savedByOf(request) }));
  });

  app.delete('/api/workflows/:id', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    // One transaction: the workflow, its triggers and the audit entry go together or not at all.
    app.audit.actingFor(request.principal, () =>
      app.journal.transaction(() => {
        service.remove(id);
        app.triggers.removeForWorkflow(id);
      }),
    );
    return reply.code(204).send();
  });
};

export default workflowsRoutes;
