import {
  extractJsonObject,
  matchesToolPattern,
  renderTemplate,
  runToolLoop,
  type AgentMessageEvent,
  type ChatMessage,
  type ModelProvider,
  type StepOfType,
  type ToolOutcome,
} from '@weft/shared';
import type { Ajv } from 'ajv';
import { openAgentMessage, type AgentMessage } from '../llm/message-stream';
import type { ToolClient } from '../llm/tool-client';
import { NonRetriableStepError } from '../engine/errors';
import type { StepContext, StepHandler } from './types';

const MAX_TOOL_TURNS = 10;

const matches = (name: string, patterns: string[]): boolean => patterns.some((p) => matchesToolPattern(name, p));

/** Loaded at the first step with a structured output: about 2 MiB and 30 ms of start-up the runner does not pay before. */
let ajv: Promise<Ajv> | undefined;
const loadAjv = (): Promise<Ajv> => (ajv ??= import('ajv').then(({ Ajv }) => new Ajv({ allErrors: true, strict: false })));

/** Why the step's signal fired: a timeout closes the turn as `error`, a cancel as `canceled`. */
const abortStatus = (signal: AbortSignal): 'error' | 'canceled' => {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name && /timeout/i.test(reason.name) ? 'error' : 'canceled';
};

/**
 * `agent_prompt`: streams the assistant's turn into the execution's chat as it is produced (text,
 * tool calls with their streamed input, tool results), runs the tool loop over the server's
 * workflow tools, validates structured output with one fix-up attempt, and fails over between models.
 */
export function createAgentPromptStep({ model, tools }: { model: ModelProvider; tools: ToolClient }): StepHandler<'agent_prompt'> {
  return {
    type: 'agent_prompt',
    async run(ctx: StepContext, step: StepOfType<'agent_prompt'>) {
      const prompt = renderTemplate(step.prompt, ctx.scope);
      const system = step.system ? renderTemplate(step.system, ctx.scope) : undefined;
      const schema = step.output?.schema as Record<string, unknown> | undefined;
      const keyBase = `agent:${ctx.stepId}:${ctx.iterationPath}:${ctx.attempt}`;
      const emit = (e: AgentMessageEvent) => ctx.emitMessage(e);
      // The prompt is shown in the step's container as the user turn.
      openAgentMessage({ emit, key: `${keyBase}:prompt`, role: 'user', parts: [{ type: 'text', text: prompt }] }).complete('complete');

      // Default: the workflow tools allowed in workflow context (the server filters the rest). A
      // structured answer is one JSON object checked against the schema, so it gets no tools.
      const patterns = step.tools ?? ['workflows:*'];
      const offered = schema ? [] : (await tools.list()).filter((t) => matches(t.name, patterns));
      const validate = schema ? (await loadAjv()).compile(schema) : null;
      const callTool = async ({ name, input }: { name: string; input: unknown }): Promise<ToolOutcome> => {
        if (!matches(name, patterns)) return { output: { error: `${name} is not in this step's tools` }, isError: true };
        const r = await tools.call({ name, arguments: input, executionId: ctx.executionId, stepId: ctx.stepId, sessionId: ctx.sessionId, signal: ctx.signal });
        // The code tells the model a refusal (`tool_denied`, `tool_call_denied`) from a failure.
        return r.ok ? { output: r.result, isError: false } : { output: { error: r.error, ...(r.code ? { code: r.code } : {}) }, isError: true };
      };

      let n = 0;
      let current: AgentMessage | null = null;
      const open = (modelName: string): AgentMessage =>
        (current = openAgentMessage({ emit, key: `${keyBase}:${++n}`, role: 'assistant', meta: { provider: model.kind, model: modelName } }));

      let messages: ChatMessage[] = [{ role: 'user', content: prompt }];
      let attempts = 0;
      const usage = { inputTokens: 0, outputTokens: 0 };
      let fixupsLeft = schema ? 1 : 0;
      try {
        for (;;) {
          let message = open(step.model ?? model.model);
          const loop = await runToolLoop({
            provider: model,
            system,
            messages,
            tools: offered,
            model: step.model,
            outputSchema: schema,
            maxTurns: MAX_TOOL_TURNS,
            signal: ctx.signal,
            message: () => message,
            // The failed model's partial turn is closed as canceled; the next model streams a new one.
            onFailover: ({ failedModel, nextModel }) => {
              message.complete('canceled', { finishReason: 'canceled', meta: { supersededBy: nextModel, failedModel } });
              message = open(nextModel);
            },
            callTool,
          });
          attempts += loop.attempts;
          usage.inputTokens += loop.usage.inputTokens;
          usage.outputTokens += loop.usage.outputTokens;
          messages = loop.messages;
          const final = loop.final;
          if (!final) throw new NonRetriableStepError(`the agent used more than ${MAX_TOOL_TURNS} tool turns`);

          if (!validate) {
            message.complete('complete', { meta: { model: final.model, usage } });
            return { text: final.text, model: final.model, provider: final.provider, usage, attempts };
          }
          const parsed = extractJsonObject(final.text);
          const errors = !parsed.ok
            ? [`the answer is not JSON: ${parsed.error}`]
            : validate(parsed.value)
              ? []
              : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
          if (errors.length === 0 && parsed.ok) {
            message.complete('complete', { meta: { model: final.model, usage } });
            return { text: final.text, structured: parsed.value, model: final.model, provider: final.provider, usage, attempts };
          }
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
          else last.complete('error', { finishReason: 'error', meta: { error: err instanceof Error ? err.message : String(err) } });
        }
        throw err;
      }
    },
  };
}
