import { ExecutionStatus } from '@weft/shared';
import { z } from 'zod';
import type { ApprovalsService } from '../approvals/approvals-service';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { Drafting } from '../drafting/drafting';
import type { WorkflowsService } from '../workflows/workflows-service';
import type { ProposalsService } from '../workflows/proposals-service';
import type { ChatVisibility } from '../sessions/chat-visibility';
import { defineTool, startedByOf, type ToolContext, type ToolDefinition } from './tool';

/** What the trigger tools need; the triggers capability provides it. */
export type TriggerTools = {
  list(): unknown[];
  upsert(key: string, body: unknown): unknown;
  remove(key: string): void;
  removeForWorkflow(workflowId: string): string[];
};

const Id = z.string().min(1).max(100);

/**
 * 22 of the 23 `workflows:` tools (explain_execution is in explain-tool.ts). Each delegates to the same service function as its REST route, so
 * the chat assistant, agent steps and the HTTP API share one implementation of every rule. Each
 * says what it changes (`effect`) and whether a workflow may call it (`inWorkflows`); the registry
 * decides from those.
 */
export function createWorkflowTools(deps: {
  workflows: WorkflowsService;
  executions: ExecutionsService;
  approvals: ApprovalsService;
  proposals: ProposalsService;
  drafting: Drafting;
  triggers: () => TriggerTools | undefined;
  chats: ChatVisibility;
}): ToolDefinition[] {
  const { workflows, executions, approvals, proposals, drafting, chats } = deps;
  /**
   * A run or a proposal names its chat only to who may read it, as over REST: the person the call
   * acts for; a workflow's own call (no person) sees no chat's id.
   */
  const seenBy = (ctx: ToolContext) => chats.viewer(ctx.user ?? null);
  const triggers = () => {
    const t = deps.triggers();
    if (!t) throw new AppError(503, 'unavailable', 'triggers are not available on this server');
    return t;
  };
  const pendingApprovalOf = (executionId: string) => {
    const pending = approvals.list({ status: 'pending', executionId, limit: 10 });
    if (pending.length === 0) throw new AppError(409, 'no_pending_approval', `execution ${executionId} is not waiting for an approval`);
    return pending[0]!;
  };
  const ApprovalTarget = z
    .object({ approvalId: Id.optional(), executionId: Id.optional(), comment: z.string().max(5000).optional() })
    .refine((a) => a.approvalId !== undefined || a.executionId !== undefined, { message: 'approvalId or executionId is required', path: ['approvalId'] });

  /**
   * Only a person decides a human gate: the signed-in caller, or the person who approved the
   * assistant's call. The registry refuses workflows before this; the check here keeps any other
   * path from recording a decision nobody made.
   */
  const decide = (decision: 'approve' | 'deny') => (a: z.infer<typeof ApprovalTarget>, ctx: ToolContext) => {
    const personId = ctx.personId ?? ctx.user?.id;
    const person = ctx.actor === 'workflow' || personId === undefined ? null : approvals.viewerById(personId);
    if (!person) throw new AppError(403, 'tool_denied', 'only a person may decide an approval');
    return approvals.decide({ id: a.approvalId ?? pendingApprovalOf(a.executionId!).id, decision, comment: a.comment, person });
  };

  return [
    defineTool({
      name: 'workflows:list_workflows',
      description: 'List saved workflows (id, name, latest version, updated time).',
      args: z.object({}).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: () => workflows.list().map((w) => ({ id: w.id, name: (w.definition as { name?: string }).name, version: w.version, updatedAt: w.updatedAt })),
    }),
    defineTool({
      name: 'workflows:get_workflow',
      description: 'Get a workflow definition, at its latest version or a given one.',
      args: z.object({ id: Id, version: z.number().int().min(1).optional() }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a) => (a.version ? workflows.getVersion(a.id, a.version) : workflows.get(a.id)),
    }),
    defineTool({
      name: 'workflows:sync_workflow',
      description:
        'Create a workflow from a definition, or update it when `id` is given (pass `baseVersion`). With `proposeOnly: true` the change to an existing workflow is stored as a proposal for a person to review instead.',
      args: z
        .object({
          definition: z.record(z.string(), z.unknown()),
          id: Id.optional(),
          baseVersion: z.number().int().min(1).optional(),
          proposeOnly: z.boolean().optional(),
          summary: z.string().max(2000).optional(),
        })
        .strict(),
      effect: 'write',
      inWorkflows: 'self_mutating',
      run: (a, ctx) => {
        // The version is saved by the person the call acts for (who approved the assistant's save).
        const savedBy = ctx.user?.id ?? null;
        if (a.id === undefined) return workflows.create({ definition: a.definition, savedBy });
        if (a.proposeOnly)
          return proposals.propose({ workflowId: a.id, definition: a.definition, summary: a.summary, proposedBy: ctx.actor, sessionId: ctx.sessionId });
        return workflows.update({ id: a.id, definition: a.definition, baseVersion: a.baseVersion ?? workflows.get(a.id).version, savedBy });
      },
    }),
    defineTool({
      name: 'workflows:update_workflow',
      description: 'Store a new version of a workflow; `baseVersion` must be the latest version (409 otherwise).',
      args: z.object({ id: Id, definition: z.record(z.string(), z.unknown()), baseVersion: z.number().int().min(1) }).strict(),
      effect: 'write',
      inWorkflows: 'self_mutating',
      run: (a, ctx) => workflows.update({ ...a, savedBy: ctx.user?.id ?? null }),
    }),
    defineTool({
      name: 'workflows:delete_workflow',
      description: 'Delete a workflow (soft: its history stays). Destructive: the assistant asks the person first.',
      args: z.object({ id: Id }).strict(),
      effect: 'destructive',
      inWorkflows: 'self_mutating',
      run: (a) => {
        workflows.remove(a.id);
        const removedTriggers = deps.triggers()?.removeForWorkflow(a.id) ?? [];
        return { deleted: a.id, removedTriggers };
      },
    }),
    defineTool({
      name: 'workflows:rollback_workflow',
      description: 'Store a new version equal to an older one. Destructive: the assistant asks the person first.',
      args: z.object({ id: Id, version: z.number().int().min(1) }).strict(),
      effect: 'destructive',
      inWorkflows: 'self_mutating',
      run: (a, ctx) => workflows.rollback({ ...a, savedBy: ctx.user?.id ?? null }),
    }),
    defineTool({
      name: 'workflows:list_workflow_versions',
      description: 'List the versions of a workflow, newest first.',
      args: z.object({ id: Id }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a) => ({ versions: workflows.listVersions(a.id) }),
    }),
    defineTool({
      name: 'workflows:validate_workflow',
      description: 'Check a workflow definition; returns { ok, errors: [{ path, message }] }.',
      args: z.object({ definition: z.unknown() }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a) => workflows.validate(a.definition),
    }),
    defineTool({
      name: 'workflows:draft_workflow',
      description: 'Draft a workflow definition from a request in words (validated; nothing is saved). Pass `baseDraft` to refine an existing draft.',
      args: z.object({ prompt: z.string().min(1).max(20_000), baseDraft: z.record(z.string(), z.unknown()).optional() }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a, ctx) => drafting.draft({ prompt: a.prompt, baseDraft: a.baseDraft, ...(ctx.signal ? { signal: ctx.signal } : {}) }),
    }),
    defineTool({
      name: 'workflows:run_workflow',
      description:
        'Start a workflow (its latest version; an older `version` needs the write permission and is refused inside a workflow); returns { executionId }.',
      args: z
        .object({ id: Id, inputs: z.record(z.string(), z.unknown()).optional(), version: z.number().int().min(1).optional(), sessionId: Id.optional() })
        .strict(),
      effect: 'write',
      inWorkflows: 'allowed',
      run: (a, ctx) =>
        executions.start({
          workflowId: a.id,
          inputs: a.inputs,
          version: a.version,
          sessionId: a.sessionId ?? ctx.sessionId,
          // A run started from inside a run is one level deeper (refused past WEFT_MAX_RUN_DEPTH).
          parentExecutionId: ctx.executionId,
          trigger: { type: 'tool', actor: ctx.actor, ...(ctx.executionId ? { fromExecution: ctx.executionId } : {}) },
          startedBy: startedByOf(ctx),
          // An older version may lack a gate added since: a workflow (a prompt-injected agent) never runs
          // one, a person (or the assistant for them) only with `write` (403 version_requires_write).
          mayRunOlderVersion: ctx.actor !== 'workflow' && ctx.user?.scopes.includes('write') === true,
        }),
    }),
    defineTool({
      name: 'workflows:list_executions',
      description: 'List executions, newest first, optionally by workflow and status.',
      args: z.object({ workflowId: Id.optional(), status: ExecutionStatus.optional(), limit: z.number().int().min(1).max(200).optional() }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a, ctx) => {
        const page = executions.list({ workflowId: a.workflowId, status: a.status, limit: a.limit ?? 20 });
        return { ...page, executions: page.executions.map(seenBy(ctx).redact) };
      },
    }),
    defineTool({
      name: 'workflows:get_execution',
      description: 'Get an execution with its status, inputs, output and steps.',
      args: z.object({ id: Id }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a, ctx) => seenBy(ctx).redact(executions.get(a.id)),
    }),
    defineTool({
      name: 'workflows:get_execution_steps',
      description: 'Get the step attempts of an execution (status, timings, output, error).',
      args: z.object({ id: Id }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a) => ({ steps: executions.get(a.id).steps }),
    }),
    defineTool({
      name: 'workflows:cancel_execution',
      description: 'Cancel a running or waiting execution.',
      args: z.object({ id: Id }).strict(),
      effect: 'write',
      inWorkflows: 'allowed',
      run: (a, ctx) => seenBy(ctx).redact(executions.cancel(a.id)),
    }),
    defineTool({
      name: 'workflows:approve_execution',
      description:
        'Approve the pending approval of an execution (by approvalId or executionId). Only a person decides: called by the assistant, the person confirms it and the decision is theirs; refused inside a workflow.',
      args: ApprovalTarget,
      effect: 'write',
      inWorkflows: 'human_gate',
      run: decide('approve'),
    }),
    defineTool({
      name: 'workflows:deny_execution',
      description:
        'Deny the pending approval of an execution (by approvalId or executionId). Only a person decides: called by the assistant, the person confirms it and the decision is theirs; refused inside a workflow.',
      args: ApprovalTarget,
      effect: 'write',
      inWorkflows: 'human_gate',
      run: decide('deny'),
    }),
    defineTool({
      name: 'workflows:list_triggers',
      description: 'List triggers (schedules and webhooks) with their next run and last delivery.',
      args: z.object({}).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: () => ({ triggers: triggers().list() }),
    }),
    defineTool({
      name: 'workflows:sync_trigger',
      description:
        'Create or update a trigger by key: { key, workflowId, type: "schedule"|"webhook", enabled, schedule?, webhook?: { path, verify?: "weft"|"github"|"stripe"|"slack"|"none" }, inputs? }. A signed webhook gets a generated secret that is not shown to tools.',
      args: z.object({ key: z.string().min(1).max(100) }).loose(),
      effect: 'write',
      inWorkflows: 'self_mutating',
      run: (a) => {
        const { key, ...body } = a;
        return triggers().upsert(key, body);
      },
    }),
    defineTool({
      name: 'workflows:delete_trigger',
      description: 'Delete a trigger by key. Destructive: the assistant asks the person first.',
      args: z.object({ key: z.string().min(1).max(100) }).strict(),
      effect: 'destructive',
      inWorkflows: 'self_mutating',
      run: (a) => {
        triggers().remove(a.key);
        return { deleted: a.key };
      },
    }),
    defineTool({
      name: 'workflows:list_workflow_proposals',
      description: 'List proposed changes to workflows, with their diff against the version they were made on.',
      args: z.object({ workflowId: Id.optional(), status: z.enum(['open', 'accepted', 'rejected', 'applied']).optional() }).strict(),
      effect: 'read',
      inWorkflows: 'allowed',
      run: (a, ctx) => ({ proposals: proposals.list(a).map(seenBy(ctx).redact) }),
    }),
    defineTool({
      name: 'workflows:review_workflow_proposal',
      description: 'Accept or reject a proposal.',
      args: z.object({ id: Id, decision: z.enum(['accept', 'reject']), comment: z.string().max(5000).optional() }).strict(),
      effect: 'write',
      inWorkflows: 'self_mutating',
      run: (a, ctx) => seenBy(ctx).redact(proposals.review({ id: a.id, decision: a.decision, reviewer: ctx.person ?? ctx.actor, comment: a.comment })),
    }),
    defineTool({
      name: 'workflows:apply_workflow_proposal',
      description: 'Apply an accepted proposal: stores a new version of the workflow.',
      args: z.object({ id: Id }).strict(),
      effect: 'write',
      inWorkflows: 'self_mutating',
      run: (a, ctx) => {
        const applied = proposals.apply({ ...a, savedBy: ctx.user?.id ?? null });
        return { ...applied, proposal: seenBy(ctx).redact(applied.proposal) };
      },
    }),
  ];
}
