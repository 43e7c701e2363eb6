import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness';

/**
 * The other ways to start, end to end (real server with the offline drafter, real runner, built
 * client, Chromium): a request the drafter reads only in part says what it left out; one it cannot
 * read offers the gallery; a template saves with its schedule and runs; Export downloads a file that
 * Import reads back, its taken trigger key imported disabled with a warning.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('starting points', () => {
  it('drafts honestly, creates from a template, runs it, exports and imports it', async () => {
    try {
      const page = await stack.newPage();
      await page.goto(`${stack.url}/automation/workflows/new`);
      await page.getByRole('heading', { level: 1, name: 'New workflow' }).waitFor({ timeout: 30_000 });
      await page.getByRole('list', { name: 'Workflow templates' }).waitFor();
      await stack.screenshot(page, 'new-workflow-gallery');
      // Narrow: the gallery becomes one column of cards, with no sideways scroll.
      await page.setViewportSize({ width: 420, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await stack.screenshot(page, 'new-workflow-gallery-420');
      await page.setViewportSize({ width: 1400, height: 900 });

      // Part of the request is not drafted: said under the reply, and the reply does not claim it all.
      await page.getByTestId('draft-input').fill('check disk usage with `df -h` and if any disk is over 80%, notify me');
      await page.getByTestId('draft-input').press('Enter');
      const unhandled = page.getByTestId('draft-unhandled');
      await unhandled.waitFor({ timeout: 30_000 });
      expect(await unhandled.innerText()).toBe('Not in this draft: if any disk is over 80%');
      expect(await page.locator('.bubble--assistant').first().innerText()).toContain('Drafted part of the request');
      expect(await page.getByTestId('workflow-name').inputValue()).toBe('Check disk usage with `df -h`');
      await stack.screenshot(page, 'draft-unhandled');

      // A request it cannot read: no draft, an offer of the gallery and the JSON editor.
      await page.goto(`${stack.url}/automation/workflows/new`);
      await page.getByTestId('draft-input').fill('frobnicate the widgets');
      await page.getByTestId('draft-input').press('Enter');
      await page.getByText(/could not read this request/).waitFor({ timeout: 30_000 });
      expect(await page.getByRole('button', { name: 'Browse templates' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Write it as JSON' }).count()).toBe(1);
      await stack.screenshot(page, 'draft-unread');

      // From a template: its schedule is pre-filled; save, then run it.
      await page.getByRole('button', { name: 'Use template: Scheduled check with a notification' }).click();
      expect(await page.getByTestId('workflow-name').inputValue()).toBe('Disk space report');
      expect(await page.getByTestId('cron-input').inputValue()).toBe('0 9 * * 1-5');
      await page.getByTestId('save-workflow').click();
      await page.waitForURL(/\/automation\/workflows\/wf[^/]*$/, { timeout: 15_000 });
      const workflowId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      await page.getByRole('heading', { level: 1, name: 'Disk space report' }).waitFor();
      const run = await stack.api('POST', `/api/workflows/${workflowId}/run`, { inputs: {} });
      expect(run.status).toBe(202);

      // Export downloads the file...
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
      expect(download.suggestedFilename()).toBe('disk-space-report.weft.json');
      const file = path.join(stack.dataDir, 'export.weft.json');
      await download.saveAs(file);
      const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(exported).toMatchObject({ format: 'weft.workflow/1', definition: { name: 'Disk space report' }, trigger: { type: 'schedule' } });
      await stack.screenshot(page, 'workflow-export');

      // ...and Import reads it back: imported triggers come in disabled (this one under a free key, with a warning).
      await page.goto(`${stack.url}/automation/workflows/new`);
      await page.locator('input[type="file"]').setInputFiles(file);
      const status = page.getByRole('status').filter({ hasText: 'Imported' });
      await status.waitFor({ timeout: 15_000 });
      expect(await status.innerText()).toMatch(/with its schedule trigger \(disabled\)[\s\S]*The schedule is off[\s\S]*is taken/);
      await stack.screenshot(page, 'workflow-imported');
      const workflows = (await stack.api('GET', '/api/workflows')).body.workflows.filter(
        (w: { definition: { name: string } }) => w.definition.name === 'Disk space report',
      );
      expect(workflows).toHaveLength(2);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${stack.output().slice(-3000)}`);
    }
  });
});
