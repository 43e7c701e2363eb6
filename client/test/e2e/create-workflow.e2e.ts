import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * Creating a workflow by chat, end to end: the real server (offline drafter, no model) and
 * runner, the built client, headless Chromium. Draft from a sentence, refine one step, save with
 * the suggested weekday schedule, find it on Schedules & hooks, run it, then reload every route.
 */

const PROMPT = 'every weekday at 9 run `echo hello` and notify me';
const WEEKDAYS = 'At 09:00 AM, Monday through Friday';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

const node = (page: Page, stepId: string) => page.locator(`.react-flow__node[data-id="${stepId}"]`);

/** The page shows its own heading, not a blank page or the sign-in page. */
async function expectRendered(page: Page, heading: string | RegExp) {
  await page.getByRole('heading', { level: 1, name: heading }).first().waitFor({ timeout: 30_000 });
  expect(await page.locator('main.signin').count()).toBe(0);
}

describe('create a workflow by chat', () => {
  it('drafts, refines one step, saves with its schedule, lists it, and every route survives a reload', async () => {
    try {
      const page = await stack.newPage();
      await page.goto(`${stack.url}/automation/workflows/new`);
      await expectRendered(page, 'New workflow');
      await page.getByTestId('draft-input').waitFor();
      await stack.screenshot(page, 'create-empty');

      // Draft: Enter sends.
      await page.getByTestId('draft-input').fill(PROMPT);
      await page.getByTestId('draft-input').press('Enter');
      await node(page, 'echo_hello').waitFor({ timeout: 30_000 });
      await node(page, 'notify').waitFor();
      const answer = page.locator('.bubble--assistant').first();
      await answer.waitFor();
      expect(await answer.getByTestId('draft-provider').innerText()).toBe('Offline drafter');
      expect(await answer.innerText()).toContain('1 attempt');
      // The suggested trigger fills the form: a weekday schedule, read back in words, with next runs.
      const trigger = page.getByTestId('trigger-form');
      expect(await trigger.getByRole('radio', { name: /Schedule/ }).isChecked()).toBe(true);
      expect(await page.getByTestId('cron-input').inputValue()).toBe('0 9 * * 1-5');
      expect(await page.getByTestId('cron-preview').innerText()).toBe(WEEKDAYS);
      expect(await page.getByTestId('next-runs').locator('li').count()).toBe(3);
      await stack.screenshot(page, 'create-drafted');
      await trigger.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'create-trigger-schedule');

      // A webhook gets a generated path, its copyable URL and a secret; switching back keeps the schedule.
      await trigger.getByRole('radio', { name: /Webhook/ }).check();
      expect(await page.getByTestId('webhook-url').innerText()).toMatch(new RegExp(`^${stack.url}/hooks/run-echo-hello-and-notify-me-[a-z0-9]{8}$`));
      await page.getByTestId('save-workflow').scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'create-webhook');
      await trigger.getByRole('radio', { name: /Schedule/ }).check();
      expect(await page.getByTestId('cron-input').inputValue()).toBe('0 9 * * 1-5');

      // Refine one step: select it, then type.
      await node(page, 'echo_hello').click();
      await page.getByTestId('refining-step').waitFor();
      await page.keyboard.type('use `echo hi` instead');
      await page.keyboard.press('Enter');
      await node(page, 'echo_hello').locator('[data-changed="true"]').waitFor({ timeout: 30_000 });
      expect(await node(page, 'echo_hello').innerText()).toContain('echo hi');
      expect(await node(page, 'notify').locator('[data-changed="true"]').count()).toBe(0);
      expect(await page.locator('.bubble--assistant').nth(1).innerText()).toContain('Changed “Run echo hi”');
      await stack.screenshot(page, 'create-refined');

      // Undo brings the first draft back; the JSON panel shows the draft, valid.
      await page.getByRole('button', { name: 'Undo' }).click();
      await until(async () => !(await node(page, 'echo_hello').innerText()).includes('echo hi') || undefined, 'undo to restore echo hello');
      await page.getByRole('button', { name: 'JSON', exact: false }).first().click();
      await page.getByTestId('json-status').waitFor();
      expect(await page.getByTestId('json-status').innerText()).toBe('Valid');
      expect(await page.getByLabel('Definition').inputValue()).toContain('"command": "echo hello"');
      await stack.screenshot(page, 'create-json-panel');
      // Redo the step refine (Undo is a pop; refine again), then close the JSON panel.
      await node(page, 'echo_hello').click();
      await page.getByTestId('draft-input').fill('use `echo hi` instead');
      await page.getByTestId('draft-input').press('Enter');
      await until(async () => (await node(page, 'echo_hello').innerText()).includes('echo hi') || undefined, 'the step to be refined again');
      expect(await page.getByLabel('Definition').inputValue()).toContain('"command": "echo hi"');
      await page.getByRole('button', { name: 'Close' }).click();

      // Save: the workflow and its schedule in one request, then the workflow page.
      await page.getByTestId('save-workflow').click();
      await page.waitForURL(/\/automation\/workflows\/wf[^/]*$/, { timeout: 15_000 });
      const workflowId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      await expectRendered(page, /Run `echo hello` and notify me/);
      await page.locator('.wf-triggers [data-trigger-type="schedule"]', { hasText: WEEKDAYS }).waitFor();
      await stack.screenshot(page, 'workflow-page');

      const saved = await stack.api('GET', `/api/workflows/${workflowId}`);
      expect(saved.body.definition.steps[0].command).toBe('echo hi');
      const triggers = await stack.api('GET', '/api/triggers');
      const own = triggers.body.triggers.filter((t: { workflowId: string }) => t.workflowId === workflowId);
      expect(own).toHaveLength(1);
      expect(own[0]).toMatchObject({ type: 'schedule', enabled: true, schedule: { cron: '0 9 * * 1-5' } });
      expect(own[0].key).toMatch(/^wf-run-echo-hello-and-notify-me/);
      expect(own[0].nextRunAt).not.toBeNull();

      // Schedules & hooks: the card, in words, with its workflow.
      await page.getByRole('link', { name: 'Schedules & hooks' }).first().click();
      await expectRendered(page, 'Schedules & hooks');
      const card = page.locator(`[data-trigger-key="${own[0].key}"]`);
      await card.waitFor();
      expect(await card.getByTestId('trigger-words').innerText()).toBe(WEEKDAYS);
      expect(await card.getByRole('link', { name: /Run `echo hello` and notify me/ }).getAttribute('href')).toBe(`/automation/workflows/${workflowId}`);
      expect(await card.getByText('Next run').count()).toBe(1);
      await stack.screenshot(page, 'schedules');

      // Pausing greys it in place; turning it back on restores it.
      await card.getByRole('switch').click();
      await until(async () => (await card.getAttribute('class'))?.includes('is-disabled') || undefined, 'the trigger to be paused');
      await stack.screenshot(page, 'schedules-paused');
      expect((await stack.api('GET', `/api/triggers/${own[0].key}`)).body.enabled).toBe(false);
      await card.getByRole('switch').click();
      await until(async () => !(await card.getAttribute('class'))?.includes('is-disabled') || undefined, 'the trigger to be on again');

      // The list shows the schedule badge; then run it from its page.
      await page.goto(`${stack.url}/automation/workflows`);
      await expectRendered(page, 'Workflows');
      const row = page.locator(`[data-workflow-id="${workflowId}"]`);
      await row.locator('[data-trigger-type="schedule"]', { hasText: WEEKDAYS }).waitFor();
      await row.getByText('Never run').waitFor();
      await stack.screenshot(page, 'workflows-list');

      await row.getByRole('link').click();
      await expectRendered(page, /Run `echo hello` and notify me/);
      await page.getByTestId('run-workflow').click();
      await page.waitForURL(/\/automation\/executions\/[^/]+$/, { timeout: 15_000 });
      const executionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      await until(
        async () => ((await stack.api('GET', `/api/executions/${executionId}`)).body.status === 'succeeded' ? true : undefined),
        'the run to succeed',
      );

      // Edit: the create flow over the saved workflow; saving is a PUT on the version it opened.
      await page.goto(`${stack.url}/automation/workflows/${workflowId}/edit`);
      await expectRendered(page, /Edit Run `echo hello` and notify me/);
      await node(page, 'echo_hello').waitFor();
      expect(await page.getByTestId('cron-input').inputValue()).toBe('0 9 * * 1-5');
      expect(await page.getByTestId('save-workflow').isDisabled()).toBe(true);
      await node(page, 'echo_hello').click();
      await page.keyboard.type('use `echo bye` instead');
      await page.keyboard.press('Enter');
      await node(page, 'echo_hello').locator('[data-changed="true"]').waitFor({ timeout: 30_000 });
      await stack.screenshot(page, 'edit-refined');
      await page.getByTestId('save-workflow').click();
      await page.waitForURL(new RegExp(`/automation/workflows/${workflowId}$`), { timeout: 15_000 });
      await expectRendered(page, /Run `echo hello` and notify me/);
      const edited = await stack.api('GET', `/api/workflows/${workflowId}`);
      expect(edited.body.version).toBe(2);
      expect(edited.body.definition.steps[0].command).toBe('echo bye');
      const afterEdit = (await stack.api('GET', '/api/triggers')).body.triggers.filter((t: { workflowId: string }) => t.workflowId === workflowId);
      expect(afterEdit.map((t: { key: string; enabled: boolean }) => [t.key, t.enabled])).toEqual([[own[0].key, true]]);

      // Compare v1 with v2 (the compare page): the change in words, the changed step marked on both sides.
      await page.getByRole('form', { name: 'Compare versions' }).getByRole('button', { name: 'Compare' }).click();
      const diff = page.getByTestId('version-diff');
      await diff.getByText('Changed Run echo bye').waitFor();
      const after = page.locator('[data-side="after"]');
      await after.locator('.react-flow__node[data-id="echo_hello"] [data-diff="changed"]').waitFor();
      expect(await after.locator('.react-flow__node[data-id="notify"] [data-diff]').count()).toBe(0);
      await stack.screenshot(page, 'workflow-compare');

      const session = await stack.api('POST', '/api/sessions', {});
      const sessionId: string | undefined = session.body?.id;

      // Every route, loaded directly and reloaded: its heading, never a blank or sign-in page.
      const routes: [string, string | RegExp][] = [
        ['/chat', 'Chat'],
        [`/chat/${sessionId ?? 'missing'}`, /.+/],
        ['/automation/workflows', 'Workflows'],
        ['/automation/workflows/new', 'New workflow'],
        [`/automation/workflows/${workflowId}`, /Run `echo hello` and notify me/],
        [`/automation/workflows/${workflowId}/edit`, /Edit Run `echo hello` and notify me/],
        ['/automation/executions', 'Executions'],
        [`/automation/executions/${executionId}`, /Run `echo hello` and notify me/],
        ['/automation/schedules-and-hooks', 'Schedules & hooks'],
        ['/approvals', 'Approvals'],
      ];
      for (const [path, heading] of routes) {
        await page.goto(`${stack.url}${path}`);
        await expectRendered(page, heading);
        await page.reload();
        await expectRendered(page, heading);
      }
      await page.goto(`${stack.url}/automation/workflows/${workflowId}`);
      await expectRendered(page, /Run `echo hello` and notify me/);
      await page.locator('.recent-runs .status-pill--succeeded').waitFor();
      await stack.screenshot(page, 'workflow-page-after-run');
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  }, 180_000);
});
