import {
  extractJsonObject,
  linearRegExpEngine,
  renderTemplate,
  runToolLoop,
  type AgentMessageEvent,
  type AgentPromptOutput,
  type ChatMessage,
  type ModelProvider,
  type StepOfType,
  type LinearRegExpEngine,
  type ToolLoopProgress,
  unsupportedPatternOf,
  unsupportedSchemaPatterns,
} from '@weft/shared';
import type { Ajv, ValidateFunction } from 'ajv';
import { createWaitBudget } from '../agent/ask';
import { readCheckpoint, saveCheckpoint } from '../agent/checkpoint';
import { createAgentBudget } from '../agent/limits';
import { agentSystemPrompt, personaMeta } from '../agent/persona';
import { createPolicyGate } from '../agent/policy-gate';
import { createToolbox, type ToolCounts } from '../agent/toolbox';
import type { AgentWorkspace, AgentWorkspaces } from '../agent/workspace-port';
import { openAgentMessage, type AgentMessage } from '../llm/message-stream';
import type { ToolClient } from '../llm/tool-client';
import { NonRetriableStepError } from '../engine/errors';
import type { StepContext, StepHandler } from './types';

/** While a person takes long to decide, the step's checkpoint is saved again after each such stretch of paused time. */
export const PAUSED_CHECKPOINT_EVERY_MS = 60 * 60 * 1000;

/**
 * Loaded at the first step with a structured output: about 2 MiB and 30 ms of start-up the runner
 * does not pay before. The schema is workflow content and the answer checked against it is model
 * output a prompt injection can shape, so `pattern` and `patternProperties` run on RE2 (linear
 * time): with native RegExp, `^(\w+\s?)*$` against a few dozen characters blocks the runner's
 * only thread (step timeouts, lease heartbeats) for minutes.
 */
let schemaEngine: Promise<{ ajv: Ajv; regExp: LinearRegExpEngine }> | undefined;
/** Exported for tests: the Ajv that compiles `output.schema`, and the engine its patterns run on (the server's validator checks them with the same). */
export const loadSchemaEngine = (): Promise<{ ajv: Ajv; regExp: LinearRegExpEngine }> =>
  (schemaEngine ??= Promise.all([import('ajv'), import('re2js')]).then(([{ Ajv }, { RE2JS }]) => {
    const regExp = linearRegExpEngine(RE2JS);
    return { ajv: new Ajv({ allErrors: true, strict: false, code: { regExp } }), regExp };
  }));

/**
 * The step's `output.schema` compiled; a schema Ajv cannot compile (or a pattern RE2 cannot run)
 * fails the step for good. Patterns are checked first with `unsupportedSchemaPatterns`, the check
 * the server's validator makes on save: a definition saved before that check existed fails here
 * exactly when it would be refused on save today.
 */
async function compileOutputSchema(schema: Record<string, unknown>): Promise<ValidateFunction> {
  const { ajv: instance, regExp } = await loadSchemaEngine();
  const [unsupported] = unsupportedSchemaPatterns(schema, regExp);
  if (unsupported) {
    throw new NonRetriableStepError(`output.schema is not a usable JSON Schema: ${unsupported.error.message}`, { code: 'invalid_output_schema' });
  }
  try {
    return instance.compile(schema);
  } catch (error) {
    const unsupported = unsupportedPatternOf(error);
    const reason = unsupported?.message ?? (error instanceof Error ? error.message : String(error));
    throw new NonRetriableStepError(`output.schema is not a usable JSON Schema: ${reason}`, { code: 'invalid_output_schema' });
  }
}

/** Why the step's signal fired: a timeout closes the turn as `error`, a cancel as `canceled`. */
const abortStatus = (signal: AbortSignal): 'error' | 'canceled' => {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name && /timeout/i.test(reason.name) ? 'error' : 'canceled';
};

/**
 * `agent_prompt`: streams the assistant's turns into the execution's chat as they are produced
 * (text, tool calls with their streamed input, tool results), runs the tool loop over the step's
 * tools (server tools, the workspace's, `agent:ask_user`) under the tool policy, checkpoints the
 * conversation after every turn and tool call so a new attempt resumes where this one stopped,
 * enforces `limits`, validates structured output with one fix-up attempt, and fails over between models.
 */
export function createAgentPromptStep({
  model,
  tools,
  workspaces,
  pausedCheckpointEveryMs = PAUSED_CHECKPOINT_EVERY_MS,
}: {
  model: ModelProvider;
  tools: ToolClient;
  /** Absent: this runner cannot provide workspaces, and a step naming one fails. */
  workspaces?: AgentWorkspaces | undefined;
  /** Injectable for tests. */
  pausedCheckpointEveryMs?: number;
}): StepHandler<'agent_prompt'> {
  return {
    type: 'agent_prompt',
    async run(ctx: StepContext, step: StepOfType<'agent_prompt'>) {
      const prompt = renderTemplate(step.prompt, ctx.scope);
      const system = agentSystemPrompt(step, ctx.scope);
      const schema = step.output?.schema as Record<string, unknown> | undefined;
      const keyBase = `agent:${ctx.stepId}:${ctx.iterationPath}:${ctx.attempt}`;
      const emit = (e: AgentMessageEvent) => ctx.emitMessage(e);
      const persona = personaMeta(step);
      // The prompt is shown in the step's container as the user turn.
      openAgentMessage({ emit, key: `${keyBase}:prompt`, role: 'user', parts: [{ type: 'text', text: prompt }], meta: persona }).complete('complete');

      const resumed = readCheckpoint(ctx);
      if (resumed) ctx.log('stdout', `resuming from a checkpoint after ${resumed.turns} turns and ${resumed.toolCalls.total} tool calls\n`);
      const budget = createAgentBudget({ limits: step.limits, start: resumed ?? undefined });
      const counts: ToolCounts = { ...(resumed?.toolCalls ?? { total: 0, failed: 0, denied: 0 }) };
      const gate = createPolicyGate({
        step: step.toolPolicy,
        operator: ctx.operatorToolPolicy,
        approvedForStep: resumed?.approvedForStep,
        stepApprovalIds: resumed?.stepApprovalIds,
      });
      let attempts = resumed?.attempts ?? 0;
      // Paused time is the step instance's, not the attempt's: a retry goes on from what the checkpoint says.
      let onPaused: (pausedMs: number) => void = () => {};
      const waitBudget = createWaitBudget({ pausedMs: resumed?.pausedMs ?? 0, onPaused: (ms) => onPaused(ms) });

      let workspace: AgentWorkspace | null = null;
      if (step.workspace) {
        if (!workspaces) throw new NonRetriableStepError('this runner cannot provide workspaces', { code: 'workspace_unavailable' });
        workspace = await workspaces.open(ctx, step.workspace);
      }
      try {
        // Default: the workflow tools allowed in workflow context (the server filters the rest). A
        // structured answer is one JSON object checked against the schema, so it gets no tools.
        const toolbox = createToolbox({
          ctx,
          patterns: schema ? [] : (step.tools ?? ['workflows:*']),
          serverTools: schema ? [] : await tools.list(),
          workspace,
          tools,
          gate,
          counts,
          waitBudget,
        });
        const validate = schema ? await compileOutputSchema(schema) : null;

        let n = 0;
        let current: AgentMessage | null = null;
        const open = (modelName: string): AgentMessage =>
          (current = openAgentMessage({
            emit,
            key: `${keyBase}:${++n}`,
            role: 'assistant',
            meta: { provider: model.kind, model: modelName, ...persona, turn: budget.turns + 1, maxTurns: budget.maxTurns },
          }));
        /** What the last checkpoint held: re-saved with the time paused so far during a long wait. */
        let last: { messages: ChatMessage[]; openRound: unknown[] | null; toolCalls: ToolCounts } = {
          messages: resumed?.messages ?? [],
          openRound: resumed?.openRound ?? null,
          toolCalls: { ...counts },
        };
        let savedPausedMs = waitBudget.pausedMs;
        const checkpoint = (
          messages: ChatMessage[],
          openRound: unknown[] | null,
          // A save during a wait keeps the counts of the last one: the waiting call is counted again when it is run again.
          { pausedMs = waitBudget.pausedMs, toolCalls = { ...counts } }: { pausedMs?: number; toolCalls?: ToolCounts } = {},
        ) => {
          last = { messages, openRound, toolCalls };
          savedPausedMs = pausedMs;
          return saveCheckpoint(ctx, {
            v: 1,
            messages,
            openRound,
            usage: budget.usage,
            turns: budget.turns,
            toolCalls,
            approvedForStep: gate.approvedForStep(),
            stepApprovalIds: gate.stepApprovalIds(),
            attempts,
            pausedMs,
          });
        };
        // A runner that dies during a long wait loses at most this much of the step's paused time.
        onPaused = (pausedMs) => {
          if (pausedMs - savedPausedMs >= pausedCheckpointEveryMs && last.messages.length > 0)
            checkpoint(last.messages, last.openRound, { pausedMs, toolCalls: last.toolCalls });
        };
        const onProgress = (p: ToolLoopProgress) => {
          if (p.kind === 'turn') {
            attempts++;
            budget.addTurn(p.model, p.turnUsage ?? { inputTokens: 0, outputTokens: 0 });
            // A turn that called tools: saved before they run, so a crash does not ask the model again.
            if (p.openRound) checkpoint(p.messages, p.openRound);
            return;
          }
          checkpoint(p.messages, p.openRound);
        };
        const meta = (modelName: string) => ({ model: modelName, ...persona, usage: budget.usage, turns: budget.turns });

        let messages: ChatMessage[] = resumed?.messages ?? [{ role: 'user', content: prompt }];
        let openRound = resumed?.openRound ?? undefined;
        let fixupsLeft = schema ? 1 : 0;
        try {
          for (;;) {
            let message = open(step.model ?? model.model);
            const loop = await runToolLoop({
              provider: model,
              system,
              messages,
              ...(openRound ? { openRound } : {}),
              tools: toolbox.offered,
              model: step.model,
              outputSchema: schema,
              maxTurns: budget.turnsLeft(),
              signal: ctx.signal,
              message: () => message,
              // The failed model's partial turn is closed as canceled; the next model streams a new one.
              onFailover: ({ failedModel, nextModel }) => {
                attempts++;
                message.complete('canceled', { finishReason: 'canceled', meta: { supersededBy: nextModel, failedModel } });
                message = open(nextModel);
              },
              callTool: (call) => toolbox.call(call),
              onProgress,
            });
            openRound = undefined;
            messages = loop.messages;
            const final = loop.final;
            if (!final) {
              message.complete('error', { finishReason: 'limit', meta: meta(loop.model) });
              throw budget.turnsExhausted();
            }

            const output = async (structured?: Record<string, unknown>): Promise<AgentPromptOutput> => {
              message.complete('complete', { meta: meta(final.model) });
              const changes = workspace ? (await workspace.report()).changes : null;
              return {
                text: final.text,
                ...(structured ? { structured } : {}),
                model: final.model,
                provider: final.provider,
                usage: budget.usage,
                attempts,
                turns: budget.turns,
                toolCalls: { ...counts },
                ...(changes ? { changedFiles: changes.changedFiles, workspace: changes } : {}),
              };
            };
            if (!validate) return await output();
            const parsed = extractJsonObject(final.text);
            const errors = !parsed.ok
              ? [`the answer is not JSON: ${parsed.error}`]
              : validate(parsed.value)
                ? []
                : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
            if (errors.length === 0 && parsed.ok) return await output(parsed.value);
            if (fixupsLeft-- <= 0) {
              message.complete('error', { finishReason: 'invalid_output', meta: { errors } });
              throw new NonRetriableStepError(`structured output does not match the schema: ${errors.join('; ')}`);
            }
            // Superseded by the fix-up attempt: closed as canceled, collapsed by the chat.
            message.complete('canceled', { finishReason: 'canceled', meta: { supersededBy: 'fixup', errors } });
            messages.push({ role: 'assistant', content: final.text || '(empty)' });
            messages.push({
              role: 'user',
              content: `Your answer does not match the required JSON Schema:\n${errors.map((e) => `- ${e}`).join('\n')}\nAnswer again with only the corrected JSON.`,
            });
          }
        } catch (err) {
          const last = current as AgentMessage | null;
          if (last && !last.closed) {
            if (ctx.signal.aborted) last.complete(abortStatus(ctx.signal), { finishReason: abortStatus(ctx.signal) === 'error' ? 'timeout' : 'canceled' });
            else last.complete('error', { finishReason: 'error', meta: { ...meta(model.model), error: err instanceof Error ? err.message : String(err) } });
          }
          throw err;
        }
      } finally {
        workspace?.release();
      }
    },
  };
}
