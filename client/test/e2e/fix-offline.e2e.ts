import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * `/fix` without a language model: typed in the chat, it answers with the deterministic part (the
 * failed step, its error, the steps that fed it, the log tail) and the re-run button. The step here
 * fails once (a marker file it creates), so the re-run with the same inputs succeeds.
 */

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'weft-e2e-fix-')));
  // The flaky step keeps its marker here, outside its run directory: the runner's sandbox is told.
  stack = await startStack({ env: { WEFT_SANDBOX_WRITE_PATHS: dir } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('/fix offline', () => {
  it('shows what the run says and re-runs from the failed step with the same inputs', async () => {
    try {
      const marker = path.join(dir, 'seen');
      const definition = {
        name: 'Flaky upload',
        inputs: { target: { type: 'string', default: 'backup' } },
        steps: [
          { id: 'pack', type: 'bash', command: 'echo packed' },
          {
            id: 'upload',
            type: 'bash',
            command: `echo "uploading {{ steps.pack.output.stdout }} to {{ inputs.target }}"; test -f '${marker}' || { touch '${marker}'; echo "connection reset" >&2; exit 4; }`,
          },
        ],
      };
      const workflow = await stack.api('POST', '/api/workflows', { definition });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const session = await stack.api('POST', '/api/sessions', { title: 'Upload' });
      const run = await stack.api('POST', `/api/workflows/${workflow.body.id}/run`, { inputs: { target: 'offsite' } });
      const failed = run.body.executionId as string;
      await until(async () => ((await stack.api('GET', `/api/executions/${failed}`)).body.status === 'failed' ? true : undefined), 'the run to fail');

      const page = await stack.newPage();
      await page.goto(`${stack.url}/chat/${session.body.id}`);
      const composer = page.getByRole('combobox', { name: 'Message the assistant' });
      await composer.fill(`/fix ${failed}`);
      await composer.press('Escape');
      await composer.press('Enter');

      const card = page.locator('[data-testid="fix-card"]');
      await card.waitFor({ timeout: 30_000 });
      expect(await card.locator('[data-testid="fix-status"]').innerText()).toBe('From the run’s journal');
      expect(await card.locator('[data-testid="fix-error"]').innerText()).toContain('connection reset');
      expect(await card.locator('[data-testid="fix-logs"]').innerText()).toContain('uploading packed');
      expect(await card.locator('[data-testid="fix-feeders"] summary').innerText()).toBe('Steps that fed it (1)');
      expect(await card.getByText(/No language model is configured/).count()).toBe(1);
      expect(await card.getByRole('button', { name: 'Apply' }).count()).toBe(0);

      await card.getByRole('button', { name: 'Re-run from upload with the same inputs' }).click();
      const rerun = card.locator('[data-testid="fix-rerun"]');
      await rerun.locator('.status-pill--succeeded').waitFor({ timeout: 30_000 });
      const rerunId = (await rerun.getByRole('link').innerText()).trim();
      const again = await stack.api('GET', `/api/executions/${rerunId}`);
      expect(again.body).toMatchObject({ status: 'succeeded', rerunOf: failed, workflowVersion: 1, inputs: { target: 'offsite' } });
      await card.scrollIntoViewIfNeeded();
      fs.copyFileSync(await stack.screenshot(page, 'fix-card-offline'), '/tmp/fix-card-offline.png');
      await page.close();
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  }, 120_000);
});
