import {
  extractJsonObject,
  offlineAgentAnswer,
  renderTemplate,
  type ChatMessage,
  type ContentBlock,
  type ModelProvider,
  type StepOfType,
  type TurnResult,
} from '@weft/shared';
import { Ajv } from 'ajv';
import { openAgentMessage, type AgentMessage } from '../llm/message-stream';
import type { ToolClient } from '../llm/tool-client';
import { NonRetriableStepError } from '../engine/errors';
import type { StepContext, StepHandler } from './types';

const MAX_TOOL_TURNS = 10;
/** Anthropic tool names allow [a-zA-Z0-9_-]; Weft's are `provider:name`. */
const toModelName = (name: string) => name.replace(':', '__');
const fromModelName = (name: string) => name.replace('__', ':');

function matches(name: string, patterns: string[]): boolean {
  return patterns.some((p) => p === name || p === '*' || (p.endsWith('*') && name.startsWith(p.slice(0, -1))));
}

const ajv = new Ajv({ allErrors: true, strict: false });

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
export function createAgentPromptStep({ model, tools }: { model: ModelProvider | null; tools: ToolClient }): StepHandler<'agent_prompt'> {
  return {
    type: 'agent_prompt',
    async run(ctx: StepContext, step: StepOfType<'agent_prompt'>) {
      const prompt = renderTemplate(step.prompt, ctx.scope);
      const system = step.system ? renderTemplate(step.system, ctx.scope) : undefined;
      const schema = step.output?.schema as Record<string, unknown> | undefined;
      const keyBase = `agent:${ctx.stepId}:${ctx.iterationPath}:${ctx.attempt}`;
      // The prompt is shown in the step's container as the user turn.
      openAgentMessage({ emit: (e) => ctx.emitMessage(e), key: `${keyBase}:prompt`, role: 'user', parts: [{ type: 'text', text: prompt }] }).complete('complete');

      if (!model) {
        const answer = offlineAgentAnswer({ prompt, ...(schema ? { outputSchema: schema } : {}) });
        const msg = openAgentMessage({ emit: (e) => ctx.emitMessage(e), key: `${keyBase}:1`, role: 'assistant', meta: { provider: 'offline', model: 'offline' } });
        msg.appendText(answer.text);
        msg.complete('complete');
        return { text: answer.text, ...(answer.structured !== undefined ? { structured: answer.structured } : {}), model: 'offline', provider: 'offline', usage: { inputTokens: 0, outputTokens: 0 }, attempts: 1 };
      }

      // Default: the workflow tools allowed in workflow context (the server filters the rest).
      const patterns = (step as { tools?: string[] }).tools ?? ['workflows:*'];
      const available = (await tools.list()).filter((t) => matches(t.name, patterns));
      const toolSpecs = available.map((t) => ({ name: toModelName(t.name), description: t.description, input_schema: t.inputSchema }));
      const validate = schema ? ajv.compile(schema) : null;

      let n = 0;
      let attempts = 0;
      const usage = { inputTokens: 0, outputTokens: 0 };
      let msg: AgentMessage | null = null;
      const newMessage = (modelName: string) => {
        msg = openAgentMessage({ emit: (e) => ctx.emitMessage(e), key: `${keyBase}:${++n}`, role: 'assistant', meta: { provider: 'anthropic', model: modelName } });
        return msg;
      };

      const messages: ChatMessage[] = [{ role: 'user', content: prompt }];
      let fixupsLeft = schema ? 1 : 0;
      try {
        for (;;) {
          let current = newMessage(step.model ?? model.settings.model);
          let final: TurnResult | null = null;
          for (let turn = 0; turn < MAX_TOOL_TURNS; turn++) {
            const blockToPart = new Map<number, number>();
            const toolPart = new Map<string, number>();
            const result: TurnResult = await model.turn({
              ...(system ? { system } : {}),
              messages,
              ...(toolSpecs.length > 0 && !schema ? { tools: toolSpecs } : {}),
              ...(step.model ? { model: step.model } : {}),
              ...(schema ? { outputSchema: schema } : {}),
              signal: ctx.signal,
              onEvent: (e) => {
                if (e.kind === 'text') blockToPart.set(e.blockIndex, current.appendText(e.text, blockToPart.get(e.blockIndex)));
                else if (e.kind === 'tool_start') {
                  const index = current.addPart({ type: 'tool_call', id: e.id, name: fromModelName(e.name), input: null, status: 'running' });
                  blockToPart.set(e.blockIndex, index);
                  toolPart.set(e.id, index);
                } else if (e.kind === 'tool_input') current.appendToolInput(blockToPart.get(e.blockIndex)!, e.json);
              },
              onFailover: ({ failedModel, nextModel }) => {
                attempts++;
                current.complete('canceled', { finishReason: 'canceled', meta: { supersededBy: nextModel, failedModel } });
                current = newMessage(nextModel);
                blockToPart.clear();
                toolPart.clear();
              },
            });
            attempts++;
            usage.inputTokens += result.usage.inputTokens;
            usage.outputTokens += result.usage.outputTokens;
            const uses = result.content.filter((c): c is Extract<ContentBlock, { type: 'tool_use' }> & { id: string; name: string } => c.type === 'tool_use');
            if (result.stopReason !== 'tool_use' || uses.length === 0) {
              final = result;
              break;
            }
            messages.push({ role: 'assistant', content: result.content as unknown[] });
            const results: unknown[] = [];
            for (const use of uses) {
              const name = fromModelName(use.name);
              const index = toolPart.get(use.id) ?? current.addPart({ type: 'tool_call', id: use.id, name, input: use.input, status: 'running' });
              const streamed = current.parts[index];
              const inputText = streamed?.type === 'tool_call' ? streamed.inputText : undefined;
              const call = { type: 'tool_call' as const, id: use.id, name, input: use.input, ...(inputText !== undefined ? { inputText } : {}) };
              current.setPart(index, { ...call, status: 'running' });
              const r = matches(name, patterns)
                ? await tools.call({ name, arguments: use.input, executionId: ctx.executionId, stepId: ctx.stepId, sessionId: ctx.sessionId, signal: ctx.signal })
                : ({ ok: false, error: `${name} is not in this step's tools` } as const);
              current.setPart(index, { ...call, status: r.ok ? 'succeeded' : 'failed' });
              // The code tells the model a refusal (`tool_denied`, `tool_call_denied`) from a failure.
              const output = r.ok ? r.result : { error: r.error, ...('code' in r && r.code ? { code: r.code } : {}) };
              current.addPart({ type: 'tool_result', toolCallId: use.id, output, isError: !r.ok });
              results.push({ type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(output ?? null).slice(0, 50_000), is_error: !r.ok });
            }
            messages.push({ role: 'user', content: results });
          }
          if (!final) throw new NonRetriableStepError(`the agent used more than ${MAX_TOOL_TURNS} tool turns`);

          if (!validate) {
            current.complete('complete', { meta: { model: final.model, usage } });
            return { text: final.text, model: final.model, provider: 'anthropic', usage, attempts };
          }
          const parsed = extractJsonObject(final.text);
          const errors = !parsed.ok ? [`the answer is not JSON: ${parsed.error}`] : validate(parsed.value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
          if (errors.length === 0 && parsed.ok) {
            current.complete('complete', { meta: { model: final.model, usage } });
            return { text: final.text, structured: parsed.value, model: final.model, provider: 'anthropic', usage, attempts };
          }
          if (fixupsLeft-- <= 0) {
            current.complete('error', { finishReason: 'invalid_output', meta: { errors } });
            throw new NonRetriableStepError(`structured output does not match the schema: ${errors.join('; ')}`);
          }
          // Superseded by the fix-up attempt: closed as canceled, collapsed by the chat.
          current.complete('canceled', { finishReason: 'canceled', meta: { supersededBy: 'fixup', errors } });
          messages.push({ role: 'assistant', content: final.text || '(empty)' });
          messages.push({ role: 'user', content: `Your answer does not match the required JSON Schema:\n${errors.map((e) => `- ${e}`).join('\n')}\nAnswer again with only the corrected JSON.` });
        }
      } catch (err) {
        const open = msg as AgentMessage | null;
        if (open && !open.closed) {
          if (ctx.signal.aborted) open.complete(abortStatus(ctx.signal), { finishReason: abortStatus(ctx.signal) === 'error' ? 'timeout' : 'canceled' });
          else open.complete('error', { finishReason: 'error', meta: { error: err instanceof Error ? err.message : String(err) } });
        }
        throw err;
      }
    },
  };
}
