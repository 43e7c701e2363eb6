import { describe, expect, it } from 'vitest';
import { NonRetriableStepError, StepFailedError } from '../../src/engine/errors';
import type { ToolClient } from '../../src/llm/tool-client';
import { createToolStep } from '../../src/steps/tool';
import { stepContext } from '../helpers/step-context';

type Call = Parameters<ToolClient['call']>[0];

function fakeTools(answer: (call: Call) => Awaited<ReturnType<ToolClient['call']>> | Promise<never>): { client: ToolClient; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    client: {
      list: async () => [],
      call: async (call) => {
        calls.push(call);
        return answer(call);
      },
      ask: async () => {
        throw new Error('a tool step asks no one');
      },
    },
  };
}

describe('tool step', () => {
  it('renders the argument templates (raw values for whole expressions) and calls in the execution context', async () => {
    const { client, calls } = fakeTools(() => ({ ok: true, result: { posted: true } }));
    const ctx = stepContext({
      scope: { inputs: { who: 'ada', n: 3 }, steps: { list: { output: { items: [1, 2] }, status: 'succeeded' } }, trigger: null } as never,
    });
    const out = await createToolStep({ tools: client }).run(ctx, {
      id: 'step_one',
      type: 'tool',
      tool: 'slack:send_message',
      arguments: { text: 'hi {{ inputs.who }}', count: '{{ inputs.n }}', items: '{{ steps.list.output.items }}', fixed: true },
    });
    expect(out).toEqual({ posted: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'slack:send_message',
      executionId: 'exe_step_test',
      stepId: 'step_one',
      arguments: { text: 'hi ada', count: 3, items: [1, 2], fixed: true },
    });
  });

  it('sends {} when the step has no arguments', async () => {
    const { client, calls } = fakeTools(() => ({ ok: true, result: null }));
    await createToolStep({ tools: client }).run(stepContext(), { id: 'a', type: 'tool', tool: 'workflows:list_workflows' });
    expect(calls[0]!.arguments).toEqual({});
  });

  it('a 4xx refusal is not retriable; a 5xx or a network failure is', async () => {
    const step = { id: 'a', type: 'tool' as const, tool: 'github:get_issue', arguments: {} };
    const refused = fakeTools(() => ({ ok: false, error: 'number: required', status: 422, code: 'invalid_arguments' }));
    await expect(createToolStep({ tools: refused.client }).run(stepContext(), step)).rejects.toSatisfy(
      (e: unknown) => e instanceof NonRetriableStepError && e.code === 'invalid_arguments' && /github:get_issue: number: required/.test(e.message),
    );
    const failing = fakeTools(() => ({ ok: false, error: 'upstream 503', status: 502, code: 'integration_failed' }));
    await expect(createToolStep({ tools: failing.client }).run(stepContext(), step)).rejects.toBeInstanceOf(StepFailedError);
    const down = fakeTools(() => Promise.reject(new Error('ECONNREFUSED')));
    await expect(createToolStep({ tools: down.client }).run(stepContext(), step)).rejects.toMatchObject({ code: 'tool_unreachable' });
  });
});
