import { ASK_USER_TOOL, matchesToolPattern, type LoopTool, type RunnerToolInfo, type ToolOutcome } from '@weft/shared';
import type { ToolClient } from '../llm/tool-client';
import type { StepContext } from '../steps/types';
import { askPerson, type WaitBudget } from './ask';
import type { PolicyGate } from './policy-gate';
import type { AgentWorkspace } from './workspace-port';

export type ToolCounts = { total: number; failed: number; denied: number };

/** One call as the tool loop hands it over; `onWaiting`/`onRunning` set the status the chat shows. */
type ToolCall = { id: string; name: string; input: unknown; onWaiting: () => void; onRunning?: () => void };

type Offered = LoopTool & { source: 'server' | 'workspace' | 'agent'; destructive: boolean };

const matches = (name: string, patterns: readonly string[]): boolean => patterns.some((p) => matchesToolPattern(name, p));

const refusal = (error: string, code: string, extra: Record<string, unknown> = {}): ToolOutcome => ({ output: { error, code, ...extra }, isError: true });

/**
 * The tools one agent step attempt offers and how each call goes: the server's tools, the
 * `workspace:*` tools when the step has a workspace, and `agent:ask_user`, all filtered by the
 * step's `tools` patterns. Every call passes the policy gate: `deny` answers the agent with an
 * error, `ask` waits for a person (`askPerson`); a denial carries the person's comment back.
 */
export function createToolbox({
  ctx,
  patterns,
  serverTools,
  workspace,
  tools,
  gate,
  counts,
  waitBudget,
}: {
  ctx: StepContext;
  patterns: readonly string[];
  serverTools: readonly RunnerToolInfo[];
  workspace: AgentWorkspace | null;
  tools: ToolClient;
  gate: PolicyGate;
  counts: ToolCounts;
  /** The step instance's paused time (carried across attempts by its checkpoint), shared by its asks. */
  waitBudget: WaitBudget;
}) {
  const all: Offered[] = [
    ...serverTools.map((t) => ({ ...t, source: 'server' as const, destructive: t.destructive })),
    ...(workspace?.tools ?? []).map((t) => ({ ...t, source: 'workspace' as const, destructive: false })),
    { ...ASK_USER_TOOL, source: 'agent' as const },
  ];
  const offered = all.filter((t) => matches(t.name, patterns));
  const byName = new Map(offered.map((t) => [t.name, t]));
  const askKey = (toolUseId: string) => `${ctx.stepId}|${ctx.iterationPath}|${toolUseId}`;

  async function run(tool: Offered, input: unknown, askApprovalId?: string): Promise<ToolOutcome> {
    if (tool.source === 'workspace' && workspace) {
      const { mutated, ...outcome } = await workspace.call(tool.name, input, { signal: ctx.signal, log: ctx.log });
      // After every call that may have changed files, so a new lease can rebuild the workspace.
      if (mutated) {
        const snapshot = await workspace.snapshotIfChanged();
        if (snapshot) ctx.emitWorkspaceSnapshot(snapshot);
      }
      return outcome;
    }
    const r = await tools.call({
      name: tool.name,
      arguments: input,
      executionId: ctx.executionId,
      stepId: ctx.stepId,
      iterationPath: ctx.iterationPath,
      sessionId: ctx.sessionId,
      signal: ctx.signal,
      ...(askApprovalId ? { askApprovalId } : {}),
    });
    // The code tells the model a refusal (`tool_denied`, `tool_call_denied`) from a failure.
    return r.ok ? { output: r.result, isError: false } : { output: { error: r.error, ...(r.code ? { code: r.code } : {}) }, isError: true };
  }

  async function decideAndRun(call: ToolCall): Promise<ToolOutcome & { denied?: boolean }> {
    const tool = byName.get(call.name);
    if (!tool) return refusal(`${call.name} is not one of this step's tools`, 'tool_not_offered');

    const { decision, reason, askApprovalId } = gate.decide(tool.name, tool.destructive);
    if (decision === 'deny') return { ...refusal(`${tool.name} is denied by ${reason}`, 'tool_denied_by_policy', { denied: true }), denied: true };

    // A question always goes to a person, whatever the policy says short of `deny`.
    if (tool.source === 'agent') {
      const question = String((call.input as { question?: unknown } | null)?.question ?? '');
      if (!question) return refusal('agent:ask_user needs a question', 'invalid_arguments');
      const asked = await askPerson({
        tools,
        ctx,
        key: askKey(call.id),
        kind: 'question',
        tool: { name: tool.name, arguments: call.input },
        preview: { question: question.slice(0, 4000) },
        onWaiting: call.onWaiting,
        budget: waitBudget,
      });
      if (asked.status === 'approved') return { output: { answer: asked.comment ?? '', answeredBy: asked.decidedBy }, isError: false };
      if (asked.status === 'expired') return refusal('nobody answered the question in time', 'ask_expired');
      return { ...refusal('the person declined to answer', 'ask_denied', { denied: true, comment: asked.comment }), denied: true };
    }

    if (decision === 'allow') return run(tool, call.input, tool.source === 'server' ? askApprovalId : undefined);

    const preview = tool.source === 'workspace' && workspace ? await workspace.preview(tool.name, call.input) : {};
    const asked = await askPerson({
      tools,
      ctx,
      key: askKey(call.id),
      kind: 'tool',
      tool: { name: tool.name, arguments: call.input },
      preview: { ...preview, ...(workspace && tool.source === 'workspace' ? { workspace: workspace.key } : {}) },
      onWaiting: call.onWaiting,
      budget: waitBudget,
    });
    if (asked.status === 'expired') return refusal(`nobody decided the call of ${tool.name} in time; it was not run`, 'ask_expired');
    if (asked.status === 'denied')
      return { ...refusal(`a person denied the call of ${tool.name}`, 'tool_denied_by_person', { denied: true, comment: asked.comment }), denied: true };
    if (asked.scope === 'step') gate.approveForStep(tool.name, asked.approvalId);
    call.onRunning?.();
    return run(tool, call.input, tool.source === 'server' ? asked.approvalId : undefined);
  }

  return {
    /** What the model is offered, under the loop's tool shape. */
    offered: offered.map(({ name, description, inputSchema }): LoopTool => ({ name, description, inputSchema })),
    async call(call: ToolCall): Promise<ToolOutcome> {
      counts.total++;
      const { denied, ...outcome } = await decideAndRun(call);
      if (denied) counts.denied++;
      else if (outcome.isError) counts.failed++;
      return outcome;
    },
  };
}
