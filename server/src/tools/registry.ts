import { capToolResult, matchesToolPattern, type Scope, type ToolInfo } from '@weft/shared';
import { z } from 'zod';
import { AppError } from '../http/errors';
import type { ToolContext, ToolDefinition } from './tool';
import type { ToolApprovals } from '../approvals/tool-approvals';
import { assertToolScope } from './tool-scopes';
import type { UserPrincipal } from '../auth/principal';
import type { AuditActor } from '../audit/audit-log';

/** What happens to one call: it runs, it waits for a person's tool approval, or it is refused. */
export type ToolGate = { kind: 'run' } | { kind: 'ask' } | { kind: 'refuse'; message: string };

const toIssuePath = (path: PropertyKey[]) =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');

/**
 * The one rule of who may do what with a tool. A person runs anything. The assistant runs reads at
 * once and asks the person before anything that changes state, so text in a tool result (an
 * execution's output, a Slack message, an issue) cannot make it save, trigger or run anything on its
 * own. A workflow may not change workflows or triggers nor decide a human gate, and asks a person
 * before a destructive call.
 */
export function gateFor(tool: Pick<ToolDefinition, 'name' | 'effect' | 'inWorkflows'>, actor: ToolContext['actor']): ToolGate {
  switch (actor) {
    case 'user':
      return { kind: 'run' };
    case 'assistant':
      return tool.effect === 'read' ? { kind: 'run' } : { kind: 'ask' };
    case 'workflow':
      switch (tool.inWorkflows) {
        case 'allowed':
          return tool.effect === 'destructive' ? { kind: 'ask' } : { kind: 'run' };
        case 'self_mutating':
          return { kind: 'refuse', message: `${tool.name} is not available inside a workflow execution: a workflow may not change workflows or triggers` };
        case 'human_gate':
          return { kind: 'refuse', message: `${tool.name} is not available inside a workflow execution: only a person may decide an approval` };
        default: {
          const never: never = tool.inWorkflows;
          return { kind: 'refuse', message: `${tool.name}: unknown workflow rule ${String(never)}` };
        }
      }
    default: {
      const never: never = actor;
      return { kind: 'refuse', message: `${tool.name}: unknown caller ${String(never)}` };
    }
  }
}

/** Who a call acts as, as the workflow tools read it (`personId ?? user`): the person who approved it, else the person it is made for. */
function auditActorOf(ctx: ToolContext): AuditActor | null {
  if (ctx.personId) return { kind: 'user', id: ctx.personId, name: ctx.person ?? ctx.personId };
  return ctx.user ? { kind: 'user', id: ctx.user.id, name: ctx.user.name } : null;
}

const MAX_ARGS_IN_MESSAGE = 2000;

function approvalMessage(name: string, args: unknown, ctx: ToolContext): string {
  const json = JSON.stringify(args ?? {});
  const shown = json.length > MAX_ARGS_IN_MESSAGE ? `${json.slice(0, MAX_ARGS_IN_MESSAGE)}…` : json;
  const who = ctx.actor === 'workflow' ? `Execution ${ctx.executionId ?? '(unknown)'}${ctx.stepId ? ` (step ${ctx.stepId})` : ''}` : 'The assistant';
  return `${who} wants to run ${name} with ${shown}. Allow it?`;
}

/**
 * One registry for every caller: `GET /api/tools`, `POST /api/tools/call`, the chat assistant and
 * workflow steps. Arguments are checked against the tool's schema, then `gateFor` decides.
 */
export function createToolRegistry({
  toolApprovals,
  scopesNow = (user) => user.scopes,
  actingAs = (_actor, fn) => fn(),
}: {
  toolApprovals: ToolApprovals;
  /**
   * The scopes `user` holds now (their role today, cut to what the call's credential carried), or
   * null when they are gone or disabled: a held call runs only if its person may still make it.
   */
  scopesNow?: (user: UserPrincipal) => readonly Scope[] | null;
  /** The audit log's `actingAs`: what a tool changes is recorded as done by the person behind the call. */
  actingAs?: <T>(actor: AuditActor, fn: () => T) => T;
}) {
  /**
   * `tool.run`, with what it changes audited as done by the person behind the call (else the
   * services' own default). Its result is capped (`capToolResult`: at most `MAX_TOOL_RESULT_BYTES`
   * of JSON, else `{ truncated: true, bytes, preview }`) before any caller stores, answers or sends it.
   */
  const run = async (tool: ToolDefinition, args: unknown, ctx: ToolContext): Promise<unknown> => {
    const actor = auditActorOf(ctx);
    const result = await (actor === null ? tool.run(args, ctx) : actingAs(actor, () => tool.run(args, ctx)));
    return capToolResult(result);
  };
  const tools = new Map<string, ToolDefinition>();

  const info = (t: ToolDefinition): ToolInfo => {
    const schema = t.inputSchema ? { ...t.inputSchema } : (z.toJSONSchema(t.args, { unrepresentable: 'any' }) as Record<string, unknown>);
    delete schema.$schema;
    return {
      name: t.name,
      description: t.description,
      inputSchema: schema,
      effect: t.effect,
      destructive: t.effect === 'destructive',
      allowedInWorkflows: t.inWorkflows === 'allowed' && !t.unusable,
      ...(t.unusable ? { unusable: { code: t.unusable.code, message: t.unusable.message } } : {}),
    };
  };

  return {
    register(defs: ToolDefinition[]) {
      for (const d of defs) tools.set(d.name, d);
    },
    unregister(prefix: string) {
      for (const name of [...tools.keys()]) if (name.startsWith(prefix)) tools.delete(name);
    },
    list(filter?: { workflowContext?: boolean; patterns?: string[] }): ToolInfo[] {
      return [...tools.values()]
        .filter((t) => !(filter?.workflowContext && (t.inWorkflows !== 'allowed' || t.unusable)))
        .filter((t) => !filter?.patterns || filter.patterns.some((p) => matchesToolPattern(t.name, p)))
        .map(info);
    },
    has: (name: string) => tools.has(name),
    /** Whether a tool may change or delete something outside Weft (what the tool policy's defaults ask for). */
    isDestructive: (name: string): boolean => tools.get(name)?.effect === 'destructive',
    /** What a call of `name` by `actor` would meet (null for an unknown tool): the save check asks it for workflows. */
    gate(name: string, actor: ToolContext['actor']): ToolGate | null {
      const tool = tools.get(name);
      return tool ? gateFor(tool, actor) : null;
    },
    /**
     * Throws AppError for unknown tools (404), bad arguments (422), refusals and denials (403) and tool failures.
     * `policy` (an agent step's call, decided by the tool policy on the server): `run` at once, or `ask` a person,
     * in place of the workflow's default; a refusal by `gateFor` stands whatever the policy.
     */
    async call(name: string, rawArgs: unknown, ctx: ToolContext, policy?: 'run' | 'ask'): Promise<unknown> {
      const tool = tools.get(name);
      if (!tool) throw new AppError(404, 'unknown_tool', `name: unknown tool ${JSON.stringify(name)}`);
      const byActor = gateFor(tool, ctx.actor);
      const gate: ToolGate = byActor.kind === 'refuse' || policy === undefined ? byActor : { kind: policy };
      if (gate.kind === 'refuse') throw new AppError(403, 'tool_denied', gate.message);
      // A person (or the assistant for them) never gets past their own permissions, not even to a card.
      if (ctx.user) assertToolScope(tool, ctx.user.scopes);
      // Its arguments cannot be checked: refused before anyone is asked to approve it, and never sent.
      if (tool.unusable) throw new AppError(424, tool.unusable.code, tool.unusable.message, tool.unusable.details);
      const parsed = tool.args.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const where = toIssuePath(issue.path) || 'arguments';
        throw new AppError(422, 'invalid_arguments', `${where}: ${issue.message}`, {
          errors: parsed.error.issues.map((i) => ({ path: toIssuePath(i.path) || 'arguments', message: i.message })),
        });
      }
      if (gate.kind === 'ask') {
        const { approvalId, decided } = toolApprovals.request({
          sessionId: ctx.sessionId,
          executionId: ctx.actor === 'workflow' ? ctx.executionId : undefined,
          stepId: ctx.stepId,
          iterationPath: ctx.iterationPath,
          tool: name,
          args: parsed.data,
          message: approvalMessage(name, parsed.data, ctx),
          signal: ctx.signal,
        });
        ctx.onApprovalRequested?.(approvalId);
        const outcome = await decided;
        if (!outcome.approved) {
          throw new AppError(403, 'tool_call_denied', `${name} was denied by ${outcome.decidedBy}${outcome.comment ? `: ${outcome.comment}` : ''}`);
        }
        // Asked before the wait: the person the call acts for may have lost the right meanwhile.
        if (ctx.user) {
          const scopes = scopesNow(ctx.user);
          if (scopes === null) throw new AppError(403, 'forbidden', `${name} was not run: ${ctx.user.name} can no longer sign in`);
          assertToolScope(tool, scopes);
        }
        // The person who approved is the one acting now (a step approval decided this way records them).
        return run(tool, parsed.data, { ...ctx, person: outcome.decidedBy, personId: outcome.decidedById });
      }
      return run(tool, parsed.data, ctx);
    },
  };
}

export type ToolRegistry = ReturnType<typeof createToolRegistry>;
