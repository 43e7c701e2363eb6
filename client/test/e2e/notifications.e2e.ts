import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * "Notify me" reaches a person: a run started outside a chat ("Run now" over the API) lands in
 * the Notifications inbox, the nav badge counts it live, the page links to the run, and marking it
 * read clears the badge. Real server, runner and Chromium.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

it('a notify step of a run without a chat shows in the inbox with a live badge and a link to its run', async () => {
  const page = await stack.newPage();
  await page.goto(`${stack.url}/notifications`);
  await page.getByRole('heading', { name: 'Notifications' }).waitFor({ timeout: 30_000 });
  await page.getByText('No notifications yet').waitFor({ timeout: 30_000 });

  const wf = await stack.api('POST', '/api/workflows', {
    definition: { name: 'Disk check', steps: [{ id: 'tell', type: 'notify', title: 'Disk check', message: 'Disk at {{ 40 + 41 }}% on /', level: 'warning' }] },
  });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await stack.api('POST', `/api/workflows/${wf.body.id}/run`, {});
  expect(run.status).toBe(202);
  const execution = await until(async () => {
    const ex = (await stack.api('GET', `/api/executions/${run.body.executionId}`)).body;
    return ex.status === 'succeeded' ? ex : undefined;
  }, 'the run to finish');
  expect(execution.steps.find((s: any) => s.stepId === 'tell').output).toEqual({ delivered: ['inbox'] });

  // Live: no reload.
  const card = page.getByRole('article', { name: 'Disk check' });
  await card.waitFor({ timeout: 30_000 });
  expect(await card.getByText('Disk at 81% on /').count()).toBe(1);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByText('1 unread').waitFor({ timeout: 30_000 });
  expect(await card.getByRole('link', { name: 'Open the run' }).getAttribute('href')).toBe(`/automation/executions/${run.body.executionId}`);
  await stack.screenshot(page, 'notifications-inbox');
  // Narrow: the card wraps its text instead of overflowing (the nav's own layout is not this test's).
  await page.setViewportSize({ width: 420, height: 800 });
  const overflow = await card.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByRole('heading', { name: 'Notifications' }).scrollIntoViewIfNeeded();
  await stack.screenshot(page, 'notifications-inbox-420');
  await page.setViewportSize({ width: 1400, height: 900 });

  await card.getByRole('button', { name: 'Mark read' }).click();
  await until(async () => (await nav.getByText('1 unread').count()) === 0, 'the badge to clear');
  await card.getByRole('link', { name: 'Open the run' }).click();
  await page.waitForURL(`${stack.url}/automation/executions/${run.body.executionId}`);
}, 120_000);
