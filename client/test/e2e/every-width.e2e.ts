import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness';
import { runWaitingInChat } from './waiting-run';
import { horizontalOverflow, nameWidth } from './layout';

/**
 * Issue 17 §9: at 1400, 1024 and 420 px every page fits its width (no horizontal page scroll),
 * every list keeps its name column readable, and at 768 px and below the navigation folds into an
 * accessible menu button. Screenshots land in client/test-results/screenshots/width-*.png.
 */

const NAME = 'Nightly disk usage report for the ops team';
let stack: Stack;
let workflowId: string;
let sessionId: string;
let executionId: string;

beforeAll(async () => {
  stack = await startStack();
  const definition = {
    name: NAME,
    steps: [
      { id: 'measure', type: 'bash', command: 'echo 81%' },
      { id: 'ask', type: 'approval', message: 'Delete the old snapshots on /var/backups/very/long/path/that/should/wrap?', allowSelfApproval: true },
    ],
  };
  const workflow = await stack.api('POST', '/api/workflows', { definition });
  expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
  workflowId = workflow.body.id;
  // A second version, for the compare page.
  const changed = { ...definition, steps: [{ ...definition.steps[0], command: 'echo 82%' }, definition.steps[1]] };
  const v2 = await stack.api('PUT', `/api/workflows/${workflowId}`, { definition: changed, baseVersion: 1 });
  expect(v2.status, JSON.stringify(v2.body)).toBe(200);
  const trigger = await stack.api('PUT', '/api/triggers/disk-hook', {
    workflowId,
    type: 'webhook',
    webhook: { path: 'ops/disk-usage-report', verify: 'none' },
  });
  expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
  ({ sessionId, executionId } = await runWaitingInChat(stack, workflowId, 'Disk usage'));
});

afterAll(async () => {
  await stack?.stop();
});

const PAGES: { path: () => string; name: string; scope: string; shows: string }[] = [
  { path: () => '/automation/workflows', name: 'workflows', scope: '.main', shows: NAME },
  { path: () => '/automation/executions', name: 'executions', scope: '.main', shows: NAME },
  { path: () => '/automation/schedules-and-hooks', name: 'schedules', scope: '.main', shows: NAME },
  { path: () => '/approvals', name: 'approvals', scope: '.main', shows: NAME },
  { path: () => '/chat', name: 'chats', scope: '.main', shows: 'Disk usage' },
  { path: () => `/chat/${sessionId}`, name: 'chat', scope: '.main', shows: NAME },
  // The run's heading is its name followed by its status pill.
  { path: () => `/automation/executions/${executionId}`, name: 'run', scope: '.main h1', shows: NAME },
  { path: () => `/automation/workflows/${workflowId}/compare?from=1&to=2`, name: 'compare', scope: '.main', shows: 'Compare v1 with v2' },
];

describe.each([
  [1400, 900],
  [1024, 800],
  [420, 800],
])('at %i × %i', (width, height) => {
  it('every page fits the width and keeps names readable', async () => {
    const page = await stack.newPage();
    await page.setViewportSize({ width, height });
    for (const p of PAGES) {
      await page.goto(`${stack.url}${p.path()}`);
      const shown = await nameWidth(page, p.scope, p.shows);
      // About a dozen characters at least: the name reads, it is not an ellipsis.
      expect(shown, `${p.name}: width of "${p.shows}"`).toBeGreaterThan(90);
      await page.waitForLoadState('networkidle');
      await stack.screenshot(page, `width-${width}-${p.name}`);
      expect(await horizontalOverflow(page), `${p.name} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
    }
  });
});

describe('Schedules & hooks at 420 px', () => {
  it('opens a test delivery’s payload from its row, and the trigger editor fits the width', async () => {
    const sent = await fetch(`${stack.url}/hooks/ops/disk-usage-report?test=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ disk: 'sda', used: '81%' }),
    });
    expect(sent.status).toBe(200);
    const page = await stack.newPage();
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${stack.url}/automation/schedules-and-hooks`);
    await page.getByRole('button', { name: 'Payload' }).click();
    await page.getByText('"used": "81%"').waitFor();
    await stack.screenshot(page, 'width-420-schedules-payload');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    await page.getByRole('button', { name: 'New trigger' }).click();
    await page.getByTestId('trigger-editor').waitFor();
    await page.getByRole('radio', { name: /Webhook/ }).check();
    await page.getByLabel(/^Path/).fill('ops/disk-usage-report');
    await page.getByText(`is already used by the workflow “${NAME}”`, { exact: false }).waitFor();
    await stack.screenshot(page, 'width-420-trigger-editor');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });
});

describe('the navigation at 420 px', () => {
  it('is a menu button: aria-expanded, opens the entries, Escape closes it, a link closes it', async () => {
    const page = await stack.newPage();
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${stack.url}/automation/workflows`);
    const button = page.getByRole('button', { name: 'Menu' });
    await button.waitFor();
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await button.click();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Executions' }).isVisible()).toBe(true);
    await stack.screenshot(page, 'width-420-menu-open');
    await page.keyboard.press('Escape');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Menu');
    await button.click();
    await nav.getByRole('link', { name: 'Executions' }).click();
    await page.waitForURL(`${stack.url}/automation/executions`);
    await expect.poll(() => button.getAttribute('aria-expanded')).toBe('false');
  });

  it('at 1024 px there is no menu button: the sidebar shows', async () => {
    const page = await stack.newPage();
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.goto(`${stack.url}/automation/workflows`);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await page.getByRole('button', { name: 'Menu' }).isVisible()).toBe(false);
  });
});
