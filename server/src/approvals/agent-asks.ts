import {
  APPROVALS_TOPIC,
  describeApprovers,
  type ApproverRule,
  type AskScope,
  type ToolApproval,
  type ToolAskRequest,
  type ToolAskResponse,
} from '@weft/shared';
import { canonicalJson } from '../canonical-json';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import type { ExecutionEnding } from '../executions/executions-service';
import { CLOSE_PENDING_SQL } from './decision-columns';
import { answerDecided, closeReasonFor } from './close-reason';
import { matchesApprovers, type Decider } from './approver-rules';
import { isAgentAsk, askRuleOf, publishToolApproval, toolApprovalView, type ToolApprovalRow as Row, type ToolApprovalEvent } from './tool-approval-rows';

/** An ask nobody decides lapses after this (checked when the runner polls it, or someone decides it). */
export const ASK_EXPIRES_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
/** Most bytes of a call's arguments (JSON) an ask stores: the card shows the exact call. */
export const MAX_ASK_ARGUMENTS_BYTES = 256 * 1024;

/** Who started an ask's run and who saved the version it runs: neither may approve it under a rule. */
type Selves = { started_by_kind: string | null; started_by_id: string | null; saved_by: string | null };

/** Why a person may not decide an agent's ask, or null when they may. */
export type AskRefusal = { reason: 'missing_scope' | 'not_named' | 'started_the_run' | 'saved_the_version'; message: string };

function messageFor(request: ToolAskRequest): string {
  const where = `Step ${request.context.stepId}${request.context.iterationPath ? ` (${request.context.iterationPath})` : ''}`;
  if (request.kind === 'question') return `${where} asks: ${request.preview.question ?? 'a question'}`;
  const p = request.preview;
  const what = p.command !== undefined ? `: ${p.command.slice(0, 500)}` : p.path !== undefined ? ` on ${p.path}` : '';
  return `${where} wants to run ${request.tool.name}${what}. Allow it?`;
}

/**
 * An agent step's asks (`POST /api/tools/ask`): a tool call its policy says a person decides, or a
 * question for a person. Unlike a held call (tool-approvals.ts), an ask is a row the runner names by
 * key and polls, so it survives a server restart and a new lease re-attaches to it; it closes with
 * its run. Only people decide: whoever the step's `approvers` rule names other than the run's
 * starter and the version's saver, or, without a rule, anyone holding `approve` (see `refusalFor`).
 */
export function createAgentAsks({
  db,
  journal,
  clock,
  expiresAfterMs = ASK_EXPIRES_AFTER_MS,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  expiresAfterMs?: number;
}) {
  const s = {
    byKey: db.prepare<[string, string], Row>('SELECT * FROM tool_approvals WHERE execution_id = ? AND ask_key = ?'),
    get: db.prepare<[string], Row>('SELECT * FROM tool_approvals WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO tool_approvals (id, session_id, tool, arguments, message, status, requested_at, expires_at,
                                   execution_id, workflow_id, step_id, iteration_path, ask_key, ask, preview, approvers)
       VALUES (@id, @sessionId, @tool, @arguments, @message, 'pending', @requestedAt, @expiresAt,
               @executionId, @workflowId, @stepId, @iterationPath, @askKey, @ask, @preview, @approvers)`,
    ),
    decide: db.prepare(
      "UPDATE tool_approvals SET status = ?, decision = ?, decided_by = ?, decided_at = ?, comment = ?, scope = ? WHERE id = ? AND status = 'pending'",
    ),
    pendingOf: db.prepare<[string], Row>("SELECT * FROM tool_approvals WHERE execution_id = ? AND ask_key IS NOT NULL AND status = 'pending'"),
    close: db.prepare(CLOSE_PENDING_SQL('tool_approvals')),
    useOnce: db.prepare("UPDATE tool_approvals SET used_at = ? WHERE id = ? AND status = 'approved' AND (scope IS NULL OR scope = 'once') AND used_at IS NULL"),
    selves: db.prepare<[string], Selves>(
      `SELECT e.started_by_kind, e.started_by_id, v.saved_by FROM executions e
       LEFT JOIN workflow_versions v ON v.workflow_id = e.workflow_id AND v.version = e.workflow_version WHERE e.id = ?`,
    ),
  };
  /** Long polls waiting on an ask in this process: woken by a decision, an expiry or the run's ending. */
  const pollers = new Map<string, Set<() => void>>();
  const wake = (id: string) => {
    const set = pollers.get(id);
    pollers.delete(id);
    for (const fn of set ?? []) fn();
  };
  const publish = (row: Row, type: ToolApprovalEvent) => publishToolApproval(journal, row, type);

  const getAsk = (id: string): Row => {
    const row = s.get.get(id);
    if (!row || !isAgentAsk(row)) throw notFound(`approval ${id}`);
    return row;
  };

  /** Inside a transaction: a pending ask past its expiry lapses (denied, nobody decided). */
  function lapseWithin(row: Row): Row {
    if (row.status !== 'pending' || row.expires_at > clock.now().getTime()) return row;
    // Decided or closed since `row` was read, perhaps on another server: that stands, not the lapse.
    const changed = s.decide.run('expired', 'deny', 'timeout', clock.now().toISOString(), null, null, row.id).changes;
    const updated = s.get.get(row.id)!;
    if (changed === 1) publish(updated, 'approval.decided');
    wake(row.id);
    return updated;
  }

  /**
   * With no `approvers` rule, anyone holding `approve` decides, and so does the run's chat person:
   * the intended chat flow is that whoever started the run decides their own agent's asks. With a
   * rule, the rule is the gate, as for an approval step: the chat person does not bypass it, and
   * nobody approves their own change — neither the run's starter nor the version's saver, even when
   * the rule names them (the rule's author wrote it; agent steps have no `allowSelfApproval`).
   */
  function refusalFor(
    person: Decider,
    ask: { rule: ApproverRule; executionId: string | null },
    selvesOf: (executionId: string) => Selves | undefined = (id) => s.selves.get(id),
  ): AskRefusal | null {
    if (!person.scopes.includes('approve')) return { reason: 'missing_scope', message: 'Your role or token does not allow deciding approvals.' };
    const { rule } = ask;
    const hasRule = (rule.users?.length ?? 0) > 0 || (rule.roles?.length ?? 0) > 0;
    if (!hasRule) return null;
    if (!matchesApprovers(person, rule)) return { reason: 'not_named', message: `Only ${describeApprovers(rule)} may decide this.` };
    const selves = ask.executionId === null ? undefined : selvesOf(ask.executionId);
    if ((selves?.started_by_kind === 'user' || selves?.started_by_kind === 'assistant') && selves.started_by_id === person.id)
      return { reason: 'started_the_run', message: "You started this run, so someone else named by the step's approvers must decide it." };
    if (selves?.saved_by === person.id)
      return { reason: 'saved_the_version', message: 'You saved the workflow version being run, so someone else must decide it.' };
    return null;
  }

  return {
    isAsk: (id: string): boolean => {
      const row = s.get.get(id);
      return row !== undefined && isAgentAsk(row);
    },

    /**
     * Creates the ask, or finds the one this key already names in the execution (a resend, or a
     * resumed step). The same key for a different call is refused: a key names one call.
     */
    attach({
      request,
      workflowId,
      sessionId,
      approvers,
    }: {
      request: ToolAskRequest;
      workflowId: string;
      sessionId: string | null;
      /** The step's `approvers`, from the execution's stored definition (never from the request). */
      approvers: ApproverRule | undefined;
    }): Row {
      const { context } = request;
      const args = JSON.stringify(request.tool.arguments ?? null);
      if (Buffer.byteLength(args) > MAX_ASK_ARGUMENTS_BYTES) {
        throw new AppError(413, 'arguments_too_large', `tool.arguments: at most ${MAX_ASK_ARGUMENTS_BYTES} bytes of JSON`);
      }
      return journal.transaction(() => {
        const existing = s.byKey.get(context.executionId, request.key);
        if (existing) {
          // A long poll resends the call as first sent: the same JSON needs no parsing to compare.
          // Otherwise the same arguments in another key order: an approval covers the call, not its spelling.
          const same =
            existing.step_id === context.stepId &&
            existing.iteration_path === context.iterationPath &&
            existing.tool === request.tool.name &&
            existing.ask === request.kind &&
            (existing.arguments === args || canonicalJson(JSON.parse(existing.arguments)) === canonicalJson(request.tool.arguments ?? null));
          if (!same) throw new AppError(409, 'ask_key_conflict', `key: ${JSON.stringify(request.key)} already names another call in this execution`);
          return lapseWithin(existing);
        }
        const id = newId('tap');
        const now = clock.now();
        s.insert.run({
          id,
          sessionId,
          tool: request.tool.name,
          arguments: args,
          message: messageFor(request),
          requestedAt: now.toISOString(),
          expiresAt: now.getTime() + expiresAfterMs,
          executionId: context.executionId,
          workflowId,
          stepId: context.stepId,
          iterationPath: context.iterationPath,
          askKey: request.key,
          ask: request.kind,
          preview: JSON.stringify(request.preview),
          approvers: approvers === undefined ? null : JSON.stringify(approvers),
        });
        const row = s.get.get(id)!;
        publish(row, 'approval.requested');
        return row;
      });
    },

    /** Resolves when the ask is decided or closed, after `ms`, or when `signal` aborts; never rejects. */
    wait(id: string, ms: number, signal?: AbortSignal): Promise<void> {
      const row = s.get.get(id);
      if (row?.status !== 'pending' || ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const set = pollers.get(id) ?? new Set<() => void>();
        pollers.set(id, set);
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          pollers.get(id)?.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(ms, Math.max(0, row.expires_at - clock.now().getTime())) + 1);
        set.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },

    /**
     * Several servers: an ask decided, expired or closed on another server wakes the long polls
     * waiting on it here (they re-read the row), not only at their timeout. Returns the unsubscribe.
     */
    wakeFromOthers(): () => void {
      return journal.subscribe(APPROVALS_TOPIC, (event, origin) => {
        if (origin !== 'remote' || (event.type !== 'approval.decided' && event.type !== 'approval.closed')) return;
        const id = (event.data as { id?: unknown }).id;
        if (typeof id === 'string' && pollers.has(id)) wake(id);
      });
    },

    /** After a LISTEN reconnect: every long poll answers (the runner polls again and reads the row). */
    wakeAll() {
      for (const id of [...pollers.keys()]) wake(id);
    },

    /** The server is closing: every long poll answers now (still `pending`) instead of holding the close up. */
    releaseAll() {
      for (const id of [...pollers.keys()]) wake(id);
    },

    /** What the runner is told now (a lapsed ask is expired first). */
    answer(id: string): ToolAskResponse {
      const row = journal.transaction(() => lapseWithin(getAsk(id)));
      const decided =
        row.status === 'approved' || row.status === 'denied' || row.status === 'expired'
          ? { decision: { decidedBy: row.decided_by ?? 'unknown', comment: row.comment, scope: row.scope ?? ('once' as const) } }
          : {};
      return { approvalId: row.id, status: row.status, ...decided };
    },

    /**
     * May this person decide this ask now, and if not, why (the inbox's `mayDecide`/`whyNot`), from the
     * ask as listed. A listing passes one `viewerRefusals()` for all its asks: each ask is judged
     * once, and each run's starter and saver read once.
     */
    viewerRefusals(person: Decider) {
      const selves = new Map<string, Selves | undefined>();
      const selvesOf = (executionId: string) => {
        if (!selves.has(executionId)) selves.set(executionId, s.selves.get(executionId));
        return selves.get(executionId);
      };
      const refusals = new Map<string, AskRefusal | null>();
      return (ask: Pick<ToolApproval, 'id' | 'approvers' | 'executionId'>): AskRefusal | null => {
        if (!refusals.has(ask.id)) refusals.set(ask.id, refusalFor(person, { rule: ask.approvers, executionId: ask.executionId }, selvesOf));
        return refusals.get(ask.id) ?? null;
      };
    },

    /**
     * A person's decision. A question is answered by approving with `comment` (the answer);
     * `scope: "step"` approves a tool for the rest of the step attempt and is only for tool asks.
     */
    decide({
      id,
      decision,
      comment,
      scope,
      person,
    }: {
      id: string;
      decision: 'approve' | 'deny';
      comment?: string | undefined;
      scope?: AskScope | undefined;
      person: Decider & { name: string };
    }): ToolApproval {
      const result = journal.transaction(() => {
        const row = lapseWithin(getAsk(id));
        if (scope === 'step' && row.ask !== 'tool')
          throw new AppError(422, 'invalid_scope', 'scope: "step" applies only to an agent\'s tool call, not to a question');
        if (scope === 'step' && decision !== 'approve') throw new AppError(422, 'invalid_scope', 'scope: "step" goes only with decision "approve"');
        if (row.ask === 'question' && decision === 'approve' && (comment ?? '').trim() === '')
          throw new AppError(422, 'answer_required', 'comment: the answer to the question is required to approve it');
        if (row.status !== 'pending') return answerDecided(id, row, decision, toolApprovalView);
        const refusal = refusalFor(person, { rule: askRuleOf(row), executionId: row.execution_id });
        if (refusal) throw new AppError(403, 'not_an_approver', refusal.message, { reason: refusal.reason, approvers: askRuleOf(row) });
        const approved = decision === 'approve';
        const changed = s.decide.run(
          approved ? 'approved' : 'denied',
          decision,
          person.name,
          clock.now().toISOString(),
          comment ?? null,
          approved ? (scope ?? 'once') : null,
          id,
        ).changes;
        // The UPDATE decides, not the read above: on PostgreSQL another server's decision can commit in
        // between (this UPDATE waits for it, then changes nothing). Nothing was written before it here,
        // so the answer is the one for an ask decided before.
        if (changed !== 1) return answerDecided(id, s.get.get(id), decision, toolApprovalView);
        const updated = s.get.get(id)!;
        publish(updated, 'approval.decided');
        return toolApprovalView(updated);
      });
      wake(id);
      return result;
    },

    /**
     * Whether `approvalId` lets this call run now (`askApprovalId`), using it up if it was approved
     * once. It must be an approved tool ask of this step instance (execution, step and iteration
     * path — a later attempt of the instance keeps it, since the runner resumes attempts from their
     * checkpoint) for this tool, and either approved "for the rest of this step" (`scope: "step"`:
     * any arguments) or approved once for these very arguments and not used yet. A once approval is
     * used up by the first call it lets through: the conditional UPDATE is what decides, so two
     * racing calls cannot both take it. `used_at` records when it was used (migration 025).
     */
    useApprovedCall({
      approvalId,
      executionId,
      stepId,
      iterationPath,
      tool,
      args,
    }: {
      approvalId: string;
      executionId: string;
      stepId: string;
      iterationPath: string;
      tool: string;
      args: unknown;
    }): boolean {
      return journal.transaction(() => {
        const row = s.get.get(approvalId);
        const matches =
          row !== undefined &&
          isAgentAsk(row) &&
          row.ask === 'tool' &&
          row.status === 'approved' &&
          row.execution_id === executionId &&
          row.step_id === stepId &&
          row.iteration_path === iterationPath &&
          row.tool === tool;
        if (!matches) return false;
        if (row.scope === 'step') return true;
        if (canonicalJson(JSON.parse(row.arguments)) !== canonicalJson(args ?? null)) return false;
        return s.useOnce.run(clock.now().toISOString(), approvalId).changes === 1;
      });
    },

    /** Inside the transaction that ends an execution: its pending asks close with the run's reason. */
    closeForExecution(ending: ExecutionEnding) {
      const closed = closeReasonFor(ending);
      for (const row of s.pendingOf.all(ending.executionId)) {
        // Decided meanwhile on another server: it stays decided, and nothing closed.
        if (s.close.run(closed.reason, closed.message, closed.closedAt, row.id).changes === 1) publish(s.get.get(row.id)!, 'approval.closed');
        wake(row.id);
      }
    },
  };
}

export type AgentAsks = ReturnType<typeof createAgentAsks>;
