import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * Retention end to end: with one finished run kept and the journal compacted at once, the older
 * run's page is a tombstone naming it, and the kept run's page (its journal compacted, so the
 * socket answers topic_pruned) still shows the run from its REST state. Real server, runner, Chromium.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { WEFT_RETENTION_MAX_EXECUTIONS: '1', WEFT_RETENTION_INTERVAL_MS: '300', WEFT_JOURNAL_COMPACT_AFTER_HOURS: '0' },
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function finishedRun(workflowId: string): Promise<string> {
  const run = await stack.api('POST', `/api/workflows/${workflowId}/run`, {});
  expect(run.status).toBe(202);
  await until(async () => (await stack.api('GET', `/api/executions/${run.body.executionId}`)).body.status === 'succeeded', 'the run to finish');
  return run.body.executionId;
}

it('a pruned run reads as a tombstone; a compacted one still shows its steps', async () => {
  const wf = await stack.api('POST', '/api/workflows', {
    definition: { name: 'Echo twice', steps: [{ id: 'say', type: 'bash', command: 'echo first line' }] },
  });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const older = await finishedRun(wf.body.id);
  const kept = await finishedRun(wf.body.id);
  await until(async () => (await stack.api('GET', `/api/executions/${older}`)).status === 410, 'retention to prune the older run');
  await until(async () => (await stack.api('GET', `/api/events?topic=execution:${kept}`)).status === 410, 'retention to compact the kept run');

  const page = await stack.newPage();
  await page.goto(`${stack.url}/automation/executions/${older}`);
  await page.getByText('Run pruned').waitFor({ timeout: 30_000 });
  expect(await page.getByText(`Run ${older} was pruned`).count()).toBe(1);
  await stack.screenshot(page, 'retention-tombstone');

  await page.goto(`${stack.url}/automation/executions/${kept}`);
  await page.getByRole('heading', { name: /Echo twice/, level: 1 }).waitFor({ timeout: 30_000 });
  await page.getByRole('region', { name: 'Run of Echo twice' }).waitFor({ timeout: 30_000 });
  expect(await page.getByText('Could not load this execution').count()).toBe(0);
  await stack.screenshot(page, 'retention-compacted-run');
});
