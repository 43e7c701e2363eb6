import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness';
import { runWaitingInChat } from './waiting-run';

/**
 * Each feature's stylesheet lives next to its components and is imported by them, so a lazy page
 * brings its own CSS. If an import goes missing, the page still renders, unstyled. This test opens
 * every page of the built client and reads a computed style that only that page's feature sheet sets.
 */

let stack: Stack;
let workflowId: string;
let sessionId: string;
let executionId: string;

beforeAll(async () => {
  stack = await startStack();
  const definition = {
    name: 'Deploy review',
    inputs: { environment: { type: 'string', default: 'production' } },
    steps: [
      { id: 'build', type: 'bash', command: 'echo build' },
      {
        id: 'check_env',
        type: 'conditional',
        condition: 'inputs.environment == "production"',
        then: [{ id: 'ask', type: 'approval', message: 'Deploy to production?', allowSelfApproval: true }],
        else: [{ id: 'tell', type: 'notify', message: 'Deploying' }],
      },
    ],
  };
  const workflow = await stack.api('POST', '/api/workflows', { definition });
  expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
  workflowId = workflow.body.id;
  const trigger = await stack.api('PUT', '/api/triggers/nightly', { workflowId, type: 'schedule', schedule: { cron: '30 1 * * *', timezone: 'UTC' } });
  expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
  ({ sessionId, executionId } = await runWaitingInChat(stack, workflowId, 'Styles'));
});

afterAll(async () => {
  await stack?.stop();
});

type Probe = { selector: string; property: string; expected: string | RegExp; sheet: string };

/** The computed `property` of the first element matching `selector`, once it is there. */
async function computed(page: Page, selector: string, property: string): Promise<string> {
  await page.locator(selector).first().waitFor({ timeout: 30_000 });
  return page
    .locator(selector)
    .first()
    .evaluate((el, prop) => getComputedStyle(el).getPropertyValue(prop), property);
}

async function expectStyled(page: Page, path: string, probes: Probe[]) {
  await page.goto(`${stack.url}${path}`);
  for (const { selector, property, expected, sheet } of probes) {
    // Polled: a page may replace its loading skeleton between finding an element and reading it.
    const value = expect.poll(() => computed(page, selector, property), { timeout: 15_000, message: `${path}: ${selector} { ${property} } (from ${sheet})` });
    if (typeof expected === 'string') await value.toBe(expected);
    else await value.toMatch(expected);
  }
}

/** Three, four, five… column tracks: what a list's grid template resolves to. */
const tracks = (n: number) => new RegExp(`^\\S+(?: \\S+){${n - 1}}$`);

describe('every page loads its feature stylesheet', () => {
  it('pages in the main bundle', async () => {
    const page = await stack.newPage();
    await expectStyled(page, '/automation/workflows', [
      { selector: '.workflows-list .list__row', property: 'grid-template-columns', expected: tracks(5), sheet: 'workflows/workflows.css' },
      { selector: '.trigger-badge', property: 'gap', expected: '5px', sheet: 'triggers/triggers.css' },
    ]);
    await expectStyled(page, '/automation/executions', [
      { selector: '.filters', property: 'display', expected: 'flex', sheet: 'executions/executions.css' },
      { selector: '.executions-list .list__row', property: 'grid-template-columns', expected: tracks(4), sheet: 'executions/executions.css' },
    ]);
    await expectStyled(page, '/approvals', [
      { selector: '.tabs', property: 'display', expected: 'flex', sheet: 'approvals/approvals.css' },
      { selector: '.approval-card', property: 'display', expected: 'flex', sheet: 'approvals/approvals.css' },
    ]);
    await expectStyled(page, '/automation/schedules-and-hooks', [
      { selector: '.trigger-item', property: 'display', expected: 'flex', sheet: 'triggers/triggers.css' },
      { selector: '.switch__track', property: 'border-radius', expected: '10px', sheet: 'triggers/triggers.css' },
    ]);
    const signedOut = await stack.newPage();
    await signedOut.context().clearCookies();
    await expectStyled(signedOut, '/signin', [{ selector: '.signin__card', property: 'display', expected: 'flex', sheet: 'auth/sign-in.css' }]);
  });

  it('lazily loaded pages', async () => {
    const page = await stack.newPage();
    await expectStyled(page, '/chat', [
      { selector: '.sessions-list .list__row', property: 'grid-template-columns', expected: tracks(3), sheet: 'chat/chat.css' },
    ]);
    await expectStyled(page, `/chat/${sessionId}`, [
      { selector: '.chat-page', property: 'display', expected: 'flex', sheet: 'chat/chat.css' },
      { selector: '.composer', property: 'display', expected: 'flex', sheet: 'chat/chat.css' },
      { selector: '.run-divider', property: 'display', expected: 'flex', sheet: 'chat/step-cards.css' },
      { selector: '.vlist', property: 'overflow-y', expected: 'auto', sheet: 'components/virtual-list.css' },
    ]);
    await expectStyled(page, `/automation/workflows/${workflowId}`, [
      { selector: '.workflow-main', property: 'display', expected: 'flex', sheet: 'workflows/workflows.css' },
      { selector: '.versions__item', property: 'display', expected: 'flex', sheet: 'workflows/workflows.css' },
      { selector: '.wf-node', property: 'display', expected: 'flex', sheet: 'diagram/nodes/nodes.css' },
      { selector: '.wf-edge-label', property: 'border-radius', expected: '9px', sheet: 'diagram/diagram.css' },
    ]);
    const v2 = await stack.api('PUT', `/api/workflows/${workflowId}`, {
      definition: { ...(await stack.api('GET', `/api/workflows/${workflowId}`)).body.definition, description: 'second version' },
      baseVersion: 1,
    });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    await expectStyled(page, `/automation/workflows/${workflowId}/compare?from=1&to=2`, [
      { selector: '.compare__sides', property: 'display', expected: 'grid', sheet: 'workflows/compare/compare.css' },
      { selector: '.wf-diff__badge', property: 'border-radius', expected: '9px', sheet: 'diagram/nodes/diff-marks.css' },
    ]);
    await expectStyled(page, '/automation/workflows/new', [
      { selector: '.composer-layout', property: 'display', expected: 'grid', sheet: 'workflows/create/composer.css' },
      { selector: '.draft-chat', property: 'display', expected: 'flex', sheet: 'workflows/create/draft-chat.css' },
    ]);
    await expectStyled(page, `/automation/workflows/${workflowId}/edit`, [
      { selector: '.composer-layout', property: 'display', expected: 'grid', sheet: 'workflows/create/composer.css' },
      { selector: '.segmented', property: 'display', expected: 'grid', sheet: 'triggers/trigger-form.css' },
    ]);
    await page.getByRole('button', { name: 'JSON' }).click();
    await expect.poll(() => computed(page, '.definition-editor', 'display'), { timeout: 15_000 }).toBe('flex');
    await expectStyled(page, `/automation/executions/${executionId}`, [
      { selector: '.trace__row', property: 'display', expected: 'grid', sheet: 'executions/executions.css' },
      { selector: '.live-indicator', property: 'gap', expected: '6px', sheet: 'executions/executions.css' },
      { selector: '.approval-card', property: 'display', expected: 'flex', sheet: 'approvals/approvals.css' },
      { selector: '.wf-node', property: 'display', expected: 'flex', sheet: 'diagram/nodes/nodes.css' },
    ]);
  });

  it("the server's own error page (a webhook URL opened in a browser): its inline style is the one the policy allows", async () => {
    const page = await stack.newPage();
    // Not the app: a page the server writes itself, whose <style> the Content-Security-Policy allows by hash.
    await expectStyled(page, '/hooks/not-for-browsers', [
      { selector: 'main h1', property: 'font-size', expected: '20px', sheet: 'http/browser-page.ts' },
      { selector: 'body', property: 'background-color', expected: 'rgb(245, 246, 248)', sheet: 'http/browser-page.ts' },
    ]);
    expect(await page.locator('h1').innerText()).toBe('Nothing here');
    expect(stack.cspViolations).toEqual([]);
  });
});
