import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';
import { horizontalOverflow, nameWidth } from './layout';

/**
 * Issue 17 §10: a new user's first hour, with no model configured (the offline provider), through
 * the browser only: the printed sign-in link lands on the app; a workflow from a template and one
 * drafted in the chat are saved, one with its schedule; "Run now" runs it and its notify message
 * reaches the Notifications inbox with the nav badge; a run waiting for approval is canceled, and
 * its approval leaves the inbox, the badge and the run page. Then every page it visited is checked
 * at 1400, 1024 and 420 px: names readable, no sideways scroll. Screenshots: first-hour-*.png.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** Saves a template from the gallery as it comes (its schedule included) and returns the new workflow's id. */
async function saveTemplate(page: Page, title: string, name: string): Promise<string> {
  await page.goto(`${stack.url}/automation/workflows/new`);
  await page.getByRole('button', { name: `Use template: ${title}` }).click();
  expect(await page.getByTestId('workflow-name').inputValue()).toBe(name);
  // A template without a trigger of its own asks how it starts.
  const manual = page.getByRole('radio', { name: /^Manual/ });
  if (!(await page.getByRole('radio', { name: /Schedule/ }).isChecked())) await manual.check();
  const save = page.getByTestId('save-workflow');
  // Whatever keeps Save disabled is listed beside it: a failure names it.
  if (await save.isDisabled()) throw new Error(`Save is disabled: ${await page.locator('#save-blockers').innerText()}`);
  await save.click();
  await page.waitForURL(/\/automation\/workflows\/wf[^/]*$/, { timeout: 30_000 });
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 30_000 });
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

describe('the first hour, without a model', () => {
  it('signs in, creates from a template and from chat, runs, is notified, and cancels a run waiting for approval', async () => {
    try {
      // 1. The printed link (the harness follows it) lands on the app, not on JSON; so does `/`.
      const page = await stack.newPage();
      expect(new URL(page.url()).pathname).toBe('/chat');
      await nav(page).waitFor({ timeout: 30_000 });
      expect((await page.locator('body').innerText()).trim().startsWith('{')).toBe(false);
      await page.goto(`${stack.url}/`);
      await nav(page).waitFor({ timeout: 30_000 });
      expect((await page.locator('body').innerText()).trim().startsWith('{')).toBe(false);

      // 2. From a template, with the schedule it comes with.
      const reportId = await saveTemplate(page, 'Scheduled check with a notification', 'Disk space report');
      const saved = await stack.api('GET', `/api/triggers?workflowId=${encodeURIComponent(reportId)}`);
      expect(saved.body.triggers).toEqual([
        expect.objectContaining({ type: 'schedule', enabled: true, schedule: expect.objectContaining({ cron: '0 9 * * 1-5' }) }),
      ]);

      // 3. From the chat, offline: the rule-based drafter answers with a draft card that saves.
      await page.goto(`${stack.url}/chat`);
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.waitForURL(/\/chat\/[^/]+$/, { timeout: 30_000 });
      const composer = page.getByRole('combobox', { name: 'Message the assistant' });
      await composer.fill('every weekday at 8 run `uptime` and notify me');
      await composer.press('Enter');
      // Its schedule runs it on its own: Save shows its steps first, then it is turned on.
      await page.getByRole('button', { name: 'Save workflow' }).click({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Save and turn on schedule' }).click();
      const chatSaved = page.getByRole('status').filter({ hasText: 'Saved.' });
      await chatSaved.waitFor({ timeout: 30_000 });
      const chatWorkflowName = (await chatSaved.getByRole('link').innerText()).replace(/^Open “|”$/g, '');
      expect(chatWorkflowName.length).toBeGreaterThan(0);
      expect(chatWorkflowName.length).toBeLessThanOrEqual(60);
      await stack.screenshot(page, 'first-hour-chat-draft');

      // 4. "Run now": the run page opens; the notify step's message reaches the inbox and the badge.
      await page.goto(`${stack.url}/automation/workflows/${encodeURIComponent(reportId)}`);
      await page.getByTestId('run-workflow').click();
      await page.waitForURL(/\/automation\/executions\/[^/]+$/, { timeout: 30_000 });
      const reportRunId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      await nav(page).getByText('1 unread').waitFor({ timeout: 30_000 });
      await page.goto(`${stack.url}/notifications`);
      const notification = page.getByRole('article').filter({ hasText: 'Disk usage on the runner' });
      await notification.waitFor({ timeout: 30_000 });
      expect(await notification.getByRole('link', { name: 'Open the run' }).getAttribute('href')).toBe(`/automation/executions/${reportRunId}`);
      await stack.screenshot(page, 'first-hour-notification');

      // 5. A run waiting for approval, canceled from its page: its approval leaves everywhere, live.
      const cleanupId = await saveTemplate(page, 'Ask before deleting files', 'Clean up temporary files');
      await page.getByTestId('run-workflow').click();
      const dialog = page.getByRole('dialog', { name: 'Run with these inputs' });
      await dialog.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/\/automation\/executions\/[^/]+$/, { timeout: 30_000 });
      const cleanupRunId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      await page.getByText(/This run is waiting for an approval/).waitFor({ timeout: 30_000 });
      const approval = (await stack.api('GET', `/api/approvals?status=pending&executionId=${cleanupRunId}`)).body.approvals[0];
      expect(approval).toBeDefined();
      const runCard = page.locator(`[data-approval-id="${approval.id}"]`).first();
      await runCard.waitFor({ timeout: 30_000 });

      const inbox = await stack.newPage();
      await inbox.goto(`${stack.url}/approvals`);
      const inboxCard = inbox.getByRole('list', { name: 'Waiting approvals' }).locator(`[data-approval-id="${approval.id}"]`);
      await inboxCard.waitFor({ timeout: 30_000 });
      const badge = nav(inbox).getByRole('link', { name: /^Approvals\s*1 pending$/ });
      await badge.waitFor({ timeout: 30_000 });
      await stack.screenshot(inbox, 'first-hour-approval-waiting');

      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel run' }).click();
      await runCard.waitFor({ state: 'detached', timeout: 30_000 });
      // The banner follows the run's topic and the card the approvals feed: each drops on its own event.
      await page.getByText(/This run is waiting for an approval/).waitFor({ state: 'detached', timeout: 30_000 });
      await inboxCard.waitFor({ state: 'detached', timeout: 30_000 });
      await badge.waitFor({ state: 'detached', timeout: 30_000 });
      await inbox.getByText('Nothing waiting for you').waitFor({ timeout: 30_000 });
      expect((await stack.api('GET', `/api/executions/${cleanupRunId}`)).body.status).toBe('canceled');
      await stack.screenshot(inbox, 'first-hour-approval-closed');

      // 6. Every page visited, at three widths: the names read and nothing scrolls sideways.
      const visited: { path: string; name: string; shows: string }[] = [
        { path: '/automation/workflows', name: 'workflows', shows: 'Disk space report' },
        { path: '/automation/workflows', name: 'workflows-chat', shows: chatWorkflowName },
        { path: `/automation/workflows/${encodeURIComponent(cleanupId)}`, name: 'workflow', shows: 'Clean up temporary files' },
        { path: '/automation/executions', name: 'executions', shows: 'Clean up temporary files' },
        { path: `/automation/executions/${encodeURIComponent(reportRunId)}`, name: 'run', shows: 'Disk space report' },
        { path: '/automation/schedules-and-hooks', name: 'schedules', shows: 'Disk space report' },
        { path: '/notifications', name: 'notifications', shows: 'Disk usage on the runner' },
      ];
      for (const [width, height] of [
        [1400, 900],
        [1024, 800],
        [420, 800],
      ] as const) {
        await page.setViewportSize({ width, height });
        for (const v of visited) {
          await page.goto(`${stack.url}${v.path}`);
          const shown = await nameWidth(page, '.main', v.shows);
          expect(shown, `${v.name} at ${width} px: width of "${v.shows}"`).toBeGreaterThan(90);
          await until(async () => ((await horizontalOverflow(page)) <= 0 ? true : undefined), `${v.name} at ${width} px to fit without sideways scroll`, 5_000);
          await stack.screenshot(page, `first-hour-${width}-${v.name}`);
        }
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${stack.output().slice(-3000)}`);
    }
  });
});
