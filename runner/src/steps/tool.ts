import { renderJsonTemplates, type ToolStep } from '@weft/shared';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import type { ToolClient } from '../llm/tool-client';
import type { StepContext, StepHandler } from './types';

/**
 * `tool`: renders `arguments` (strings are templates; exactly `{{ expr }}` keeps the raw value) and
 * calls the tool through the server's `POST /api/tools/call` in this execution's context. The
 * server checks the arguments against the tool's JSON Schema, refuses self-mutating tools and
 * approval decisions, and holds a destructive call until a person approves it.
 * A 4xx answer (unknown tool, bad arguments, refused) fails the step for good; anything else
 * (the integration was unreachable, the server restarted) may be retried.
 */
export function createToolStep({ tools }: { tools: ToolClient }): StepHandler<'tool'> {
  return {
    type: 'tool',
    async run(ctx: StepContext, step: ToolStep): Promise<unknown> {
      const args = step.arguments === undefined ? {} : renderJsonTemplates(step.arguments, ctx.scope);
      ctx.log('stdout', `calling ${step.tool}\n`);
      let answer: Awaited<ReturnType<ToolClient['call']>>;
      try {
        answer = await tools.call({
          name: step.tool,
          arguments: args,
          executionId: ctx.executionId,
          stepId: ctx.stepId,
          sessionId: ctx.sessionId,
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        throw new StepFailedError(`${step.tool}: the server could not be reached: ${error instanceof Error ? error.message : String(error)}`, {
          code: 'tool_unreachable',
        });
      }
      if (answer.ok) return answer.result;
      const code = answer.code ?? 'tool_failed';
      const message = `${step.tool}: ${answer.error}`;
      if (answer.status !== undefined && answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
        throw new NonRetriableStepError(message, { code });
      }
      throw new StepFailedError(message, { code });
    },
  };
}
