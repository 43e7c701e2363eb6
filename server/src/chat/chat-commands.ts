import {
  CHAT_COMMANDS,
  coerceCommandInputs,
  ROLE_SCOPES,
  rolesWith,
  SCOPE_MEANING,
  type ChatCommand,
  type LinkPart,
  type MessageBuilder,
  type ExecutionSummary,
} from '@weft/shared';
import type { ApprovalsService } from '../approvals/approvals-service';
import type { UserPrincipal } from '../auth/principal';
import { permissionOf, scopeNeeded } from '../auth/route-permissions';
import type { ToolApprovals } from '../approvals/tool-approvals';
import type { AgentAsks } from '../approvals/agent-asks';
import { AppError } from '../http/errors';
import type { ToolRegistry } from '../tools/registry';
import type { ExecutionExplanation } from '../tools/explain-tool';
import type { FixesService } from '../fixes/fixes-service';

type Piece = string | LinkPart;
type WorkflowItem = { id: string; name?: string };
/** `user`: who typed the command; every tool call is made for them, with their permissions. */
type Context = { sessionId: string; user: UserPrincipal; writer: MessageBuilder; signal: AbortSignal };

const workflowLink = (w: WorkflowItem): LinkPart => ({ type: 'link', text: w.name ?? w.id, target: { kind: 'workflow', id: w.id } });
const runLink = (id: string, stepId?: string): LinkPart => ({
  type: 'link',
  text: stepId ?? id,
  target: stepId ? { kind: 'execution', id, stepId } : { kind: 'execution', id },
});
const APPROVALS_LINK: LinkPart = { type: 'link', text: 'Approvals', target: { kind: 'approvals' } };
const MAX_LISTED = 10;

/** Writes text and links into the reply, in order. */
function say(writer: MessageBuilder, ...pieces: Piece[]): void {
  for (const piece of pieces) {
    if (typeof piece === 'string') writer.appendText(piece);
    else writer.addPart(piece);
  }
}

const errorMessage = (err: unknown): string => (err instanceof AppError ? err.message : 'something went wrong on the server');

/**
 * What deciding from the chat needs: exactly what `POST /api/approvals/:id/decision` needs (its entry
 * in the route table, auth/route-permissions.ts), for approving and denying alike, whatever waits.
 */
const DECISION_ROUTE = permissionOf('POST', '/api/approvals/:id/decision');
if (DECISION_ROUTE === undefined) throw new Error('POST /api/approvals/:id/decision has no entry in server/src/auth/route-permissions.ts');
const DECIDING_SCOPE = scopeNeeded(DECISION_ROUTE);

/**
 * 403 `forbidden` (answered in the chat as any refused command is) unless the person's credential,
 * as this request carries it (a token's own scopes, cut down to the role's), may decide approvals.
 */
function assertMayDecide(user: UserPrincipal, command: 'approve' | 'deny'): void {
  const scope = DECIDING_SCOPE;
  if (scope === null || user.scopes.includes(scope)) return;
  const why = ROLE_SCOPES[user.role].includes(scope) ? 'this token does not carry it' : `ask someone with the ${rolesWith(scope).join(', ')} role`;
  throw new AppError(403, 'forbidden', `You need the ${scope} permission to ${SCOPE_MEANING[scope]} (/${command}); ${why}.`, { missing: scope });
}

/** "a, b and c" with links kept as parts. */
function joined(items: Piece[][]): Piece[] {
  return items.flatMap((item, i) => [...(i === 0 ? [] : [i === items.length - 1 ? ' and ' : ', ']), ...item]);
}

/**
 * Runs a typed chat command and writes its answer. Everything goes through the tool registry: the
 * reads and the run are called as the assistant would call them, so `/run` asks for the person's
 * approval exactly as the assistant's run does. `/approve` and `/deny` are the person's own decision
 * (like pressing the card's button): they decide as the signed-in person, with no further card, and
 * need what the card's decision route needs (`assertMayDecide`).
 */
export function createChatCommands({
  tools,
  approvals,
  toolApprovals,
  agentAsks,
  fixes,
}: {
  tools: ToolRegistry;
  approvals: ApprovalsService;
  toolApprovals: ToolApprovals;
  agentAsks: AgentAsks;
  fixes: FixesService;
}) {
  const asAssistant = (name: string, input: unknown, ctx: Context, onWaiting?: () => void) =>
    tools.call(name, input, { actor: 'assistant', user: ctx.user, sessionId: ctx.sessionId, signal: ctx.signal, onApprovalRequested: onWaiting });

  /** The workflow a name means: its id, its exact name, else the one name that contains it. */
  async function resolveWorkflow(name: string, ctx: Context): Promise<WorkflowItem | null> {
    const all = (await asAssistant('workflows:list_workflows', {}, ctx)) as WorkflowItem[];
    const wanted = name.trim().toLowerCase();
    const exact = all.find((w) => w.id === name.trim()) ?? all.find((w) => (w.name ?? '').toLowerCase() === wanted);
    if (exact) return exact;
    const partial = all.filter((w) => (w.name ?? '').toLowerCase().includes(wanted));
    if (partial.length === 1) return partial[0]!;
    const shown = (partial.length > 0 ? partial : all).slice(0, MAX_LISTED);
    if (shown.length === 0) say(ctx.writer, `No workflow is named "${name}", and there are no workflows yet.`);
    else if (partial.length > 1)
      say(ctx.writer, `"${name}" matches several workflows: `, ...joined(shown.map((w) => [workflowLink(w)])), '. Type more of the name.');
    else say(ctx.writer, `No workflow is named "${name}". Workflows: `, ...joined(shown.map((w) => [workflowLink(w)])), '.');
    return null;
  }

  async function run(command: Extract<ChatCommand, { name: 'run' }>, ctx: Context) {
    const workflow = await resolveWorkflow(command.workflow, ctx);
    if (!workflow) return;
    const latest = (await asAssistant('workflows:get_workflow', { id: workflow.id }, ctx)) as { definition: { inputs?: Record<string, { type?: string }> } };
    const inputs = command.inputsFrom === 'pairs' ? coerceCommandInputs(latest.definition.inputs, command.inputs) : command.inputs;
    const onWaiting = () => say(ctx.writer, 'Starting ', workflowLink(workflow), ' needs your approval: use the card below, or type /approve.\n');
    try {
      const started = (await asAssistant('workflows:run_workflow', { id: workflow.id, inputs, sessionId: ctx.sessionId }, ctx, onWaiting)) as {
        executionId: string;
      };
      say(ctx.writer, 'Started ', workflowLink(workflow), ' as run ', runLink(started.executionId), '. Its steps show below as they run.');
    } catch (err) {
      say(ctx.writer, 'Could not start ', workflowLink(workflow), `: ${errorMessage(err)}`);
    }
  }

  async function runs(command: Extract<ChatCommand, { name: 'runs' }>, ctx: Context) {
    const workflow = command.workflow ? await resolveWorkflow(command.workflow, ctx) : undefined;
    if (workflow === null) return;
    const page = (await asAssistant('workflows:list_executions', { ...(workflow ? { workflowId: workflow.id } : {}), limit: MAX_LISTED }, ctx)) as {
      executions: ExecutionSummary[];
    };
    if (page.executions.length === 0) {
      say(ctx.writer, ...(workflow ? ['No runs of ', workflowLink(workflow), ' yet.'] : ['No runs yet.']));
      return;
    }
    say(ctx.writer, ...(workflow ? ['Latest runs of ', workflowLink(workflow), ':'] : ['Latest runs:']));
    for (const e of page.executions) {
      say(
        ctx.writer,
        '\n• ',
        runLink(e.id),
        ' ',
        workflowLink({ id: e.workflowId, name: e.workflowName }),
        ` — ${e.status}, ${e.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
      );
    }
  }

  async function why(command: Extract<ChatCommand, { name: 'why' }>, ctx: Context) {
    const x = (await asAssistant('workflows:explain_execution', command.execution ? { id: command.execution } : {}, ctx)) as ExecutionExplanation;
    const wf = workflowLink({ id: x.workflowId, name: x.workflowName ?? undefined });
    if (x.status === 'succeeded' || x.status === 'queued' || x.status === 'running' || x.status === 'waiting') {
      say(ctx.writer, 'Run ', runLink(x.executionId), ' of ', wf, ` is ${x.status}: nothing has gone wrong.`);
      return;
    }
    if (!x.failedStep) {
      say(ctx.writer, 'Run ', runLink(x.executionId), ' of ', wf, ` was ${x.status}${x.error ? `: ${x.error.message}` : '.'}`);
      return;
    }
    say(ctx.writer, 'Run ', runLink(x.executionId), ' of ', wf, ` ${x.status === 'failed' ? 'failed' : `was ${x.status}`} at step `);
    say(
      ctx.writer,
      runLink(x.executionId, x.failedStep.stepId),
      `${x.failedStep.iterationPath ? ` (${x.failedStep.iterationPath})` : ''}: ${x.failedStep.error}`,
    );
    if (x.logTail.length > 0) say(ctx.writer, `\nLast lines of its log:\n${x.logTail.join('\n')}`);
  }

  /**
   * `/fix`: the fix's deterministic part at once (failed step, error; the card shows the rest),
   * then, with a model, its diagnosis appended as it arrives. Applying and re-running are the
   * card's buttons: the person's own requests.
   */
  async function fix(command: Extract<ChatCommand, { name: 'fix' }>, ctx: Context) {
    const created = fixes.create({ executionId: command.execution ?? fixes.latestUnsuccessful(ctx.sessionId), sessionId: ctx.sessionId, user: ctx.user });
    const c = created.context;
    const wf = workflowLink({ id: c.workflowId, name: c.workflowName ?? undefined });
    if (c.failedStep) {
      say(ctx.writer, 'Run ', runLink(c.executionId), ' of ', wf, ` ${c.status === 'failed' ? 'failed' : `was ${c.status}`} at step `);
      say(
        ctx.writer,
        runLink(c.executionId, c.failedStep.stepId),
        `${c.failedStep.iterationPath ? ` (${c.failedStep.iterationPath})` : ''}: ${c.failedStep.error}`,
      );
    } else {
      say(ctx.writer, 'Run ', runLink(c.executionId), ' of ', wf, ` was ${c.status}; no step failed.`);
    }
    ctx.writer.addPart({ type: 'fix', fixId: created.id });
    const from = c.rerunFromStepId ? ` from step ${c.rerunFromStepId}` : '';
    if (created.status !== 'diagnosing' && created.provider !== 'offline') {
      say(
        ctx.writer,
        `\nNo diagnosis: ${created.error ?? 'the model was not asked'}. The card shows what the run recorded; re-run it${from} with the same inputs from the card (with the run permission).`,
      );
      return;
    }
    if (created.status !== 'diagnosing') {
      say(
        ctx.writer,
        `\nNo language model is configured: the card shows what the run recorded (input, the steps that fed it, the log). Re-run it${from} with the same inputs from the card.`,
      );
      return;
    }
    const done = await fixes.diagnose(created.id, ctx.signal);
    if (!done) {
      say(ctx.writer, '\nThe run was deleted (retention) while the model was answering: there is nothing left to fix.');
      return;
    }
    if (done.diagnosis) say(ctx.writer, `\n${done.diagnosis}`);
    if (done.status === 'proposed') {
      say(ctx.writer, `\nProposed change${done.summary ? `: ${done.summary}` : ''}. Apply it from the card (a new version), then re-run with the same inputs.`);
    } else if (done.error) {
      say(
        ctx.writer,
        `\nThe model could not ${done.diagnosis ? 'propose a change' : 'diagnose it'}: ${done.error}. You can still re-run it${from} from the card.`,
      );
    } else {
      say(ctx.writer, '\nNo change to the workflow is proposed.');
    }
  }

  async function decide(decision: 'approve' | 'deny', comment: string | undefined, ctx: Context) {
    // As the decision route: without its permission nothing is decided, not even a denial. A held call
    // otherwise has no check of its own here (a workflow's call runs once approved, as nobody's).
    assertMayDecide(ctx.user, decision);
    const steps = approvals.list({ status: 'pending', sessionId: ctx.sessionId, limit: 50 });
    const calls = toolApprovals.list({ status: 'pending', sessionId: ctx.sessionId });
    if (steps.length === 0 && calls.length === 0) {
      say(ctx.writer, 'Nothing in this chat is waiting for an approval. Other chats and runs: see ', APPROVALS_LINK, '.');
      return;
    }
    // One approval on trust of a single word, never a batch: a second card (an agent's ask a hostile
    // step raised beside the one the person read) may be out of sight. Denying them all is safe.
    const stepPieces = (a: (typeof steps)[number]): Piece[] => ['step ', runLink(a.executionId, a.stepId), ' of run ', runLink(a.executionId)];
    const callPieces = (a: (typeof calls)[number]): Piece[] => [`the call ${a.tool.name}`];
    if (decision === 'approve' && steps.length + calls.length > 1) {
      const pending = [...steps.map(stepPieces), ...calls.map(callPieces)];
      say(
        ctx.writer,
        `${pending.length} approvals are waiting in this chat: `,
        ...joined(pending),
        '. Approve each on its card, where it shows what it allows; /deny denies them all.',
      );
      return;
    }
    const verb = decision === 'approve' ? 'Approved' : 'Denied';
    const done: Piece[][] = [];
    const failed: Piece[][] = [];
    for (const a of steps) {
      const what = stepPieces(a);
      try {
        // The person decides: the same tool the assistant would ask to call, called as them.
        const input = { approvalId: a.id, ...(comment ? { comment } : {}) };
        await tools.call(`workflows:${decision}_execution`, input, {
          actor: 'user',
          person: ctx.user.name,
          user: ctx.user,
          sessionId: ctx.sessionId,
          signal: ctx.signal,
        });
        done.push(what);
      } catch (err) {
        failed.push([...what, ` (${errorMessage(err)})`]);
      }
    }
    for (const a of calls) {
      const what = callPieces(a);
      try {
        // An agent's ask follows its step's approver rule; a held call is the chat person's.
        if (a.ask !== undefined) agentAsks.decide({ id: a.id, decision, comment, person: approvals.viewerOf(ctx.user) });
        else toolApprovals.decide({ id: a.id, decision, decidedBy: ctx.user.name, decidedById: ctx.user.id, comment });
        done.push(what);
      } catch (err) {
        failed.push([...what, ` (${errorMessage(err)})`]);
      }
    }
    if (done.length > 0) say(ctx.writer, `${verb} `, ...joined(done), '.');
    if (failed.length > 0) say(ctx.writer, `${done.length > 0 ? '\n' : ''}Could not ${decision} `, ...joined(failed), '.');
  }

  function help(ctx: Context) {
    say(ctx.writer, 'Commands:');
    for (const c of CHAT_COMMANDS) say(ctx.writer, `\n${c.usage} — ${c.summary}`);
    say(ctx.writer, '\nType / to pick a command or a workflow. With a language model configured, plain words work too.');
  }

  return {
    async run(command: ChatCommand, ctx: Context): Promise<void> {
      try {
        switch (command.name) {
          case 'run':
            return await run(command, ctx);
          case 'runs':
            return await runs(command, ctx);
          case 'why':
            return await why(command, ctx);
          case 'fix':
            return await fix(command, ctx);
          case 'approve':
          case 'deny':
            return await decide(command.name, command.comment, ctx);
          case 'help':
            return help(ctx);
          default: {
            const never: never = command;
            say(ctx.writer, `Unknown command ${JSON.stringify(never)}. Type /help.`);
          }
        }
      } catch (err) {
        // A refused or failed tool call is an answer, not a server error.
        if (!(err instanceof AppError)) throw err;
        say(ctx.writer, `/${command.name}: ${err.message}`);
      }
    },
  };
}

export type ChatCommands = ReturnType<typeof createChatCommands>;
