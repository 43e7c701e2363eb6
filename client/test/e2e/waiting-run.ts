import { expect } from 'vitest';
import { until, type Stack } from './harness';

/**
 * Starts `workflowId` in a new chat titled `title` and waits until the run parks on its approval
 * gate, so its approval card shows on the inbox, the run page and the chat.
 */
export async function runWaitingInChat(stack: Stack, workflowId: string, title: string): Promise<{ sessionId: string; executionId: string }> {
  const session = await stack.api('POST', '/api/sessions', { title });
  const run = await stack.api('POST', `/api/workflows/${workflowId}/run`, { sessionId: session.body.id });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const executionId = run.body.executionId as string;
  await until(
    async () => ((await stack.api('GET', `/api/executions/${executionId}`)).body.status === 'waiting' ? true : undefined),
    'the run to wait for its approval',
  );
  return { sessionId: session.body.id as string, executionId };
}
