import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn, type FakeAnthropic, type FakeReply } from '../../../server/test/helpers/fake-anthropic';
import { startStack, until, type Stack } from './harness';

/**
 * "Fix with the assistant" end to end: the real server and runner, the real Anthropic SDK against a
 * scripted Messages API, headless Chromium. A run fails at its second step; on the run page the
 * person asks for a fix, the chat shows the failed step, the diagnosis and the proposed change as a
 * diagram diff; they apply it (a new version) and re-run from the failed step with the same inputs,
 * which succeeds; the run page lists the fix and the version history links the run it fixed.
 */

const SUMMARY = 'disk threshold read from the wrong field';
const DIAGNOSIS = 'Step check compares the usage with a limit it never reads: it exits 3 whatever measure printed.';

const BROKEN = {
  name: 'Disk check',
  inputs: { limit: { type: 'number', default: 80 } },
  steps: [
    { id: 'measure', type: 'bash', name: 'Measure', command: 'echo 42' },
    { id: 'check', type: 'bash', name: 'Compare', command: 'echo "used: {{ steps.measure.output.stdout }}"; echo "threshold field missing" >&2; exit 3' },
    { id: 'report', type: 'bash', name: 'Report', command: 'echo "under {{ inputs.limit }}"' },
  ],
};
const FIXED = {
  ...BROKEN,
  steps: [BROKEN.steps[0], { ...BROKEN.steps[1], command: 'echo "used: {{ steps.measure.output.stdout }} of {{ inputs.limit }}"' }, BROKEN.steps[2]],
};

let fake: FakeAnthropic;
let stack: Stack;
let failedRun = '';

/** The fix's turn (its prompt names the failed run) answers with JSON; anything else is small talk. */
function script(req: { body: unknown }): FakeReply {
  if (failedRun !== '' && JSON.stringify(req.body).includes(failedRun))
    return { kind: 'stream', events: textTurn(JSON.stringify({ diagnosis: DIAGNOSIS, summary: SUMMARY, definition: FIXED }), { chunks: 3 }), delayMs: 20 };
  return { kind: 'stream', events: textTurn('Noted.'), delayMs: 20 };
}

beforeAll(async () => {
  fake = await startFakeAnthropic((req) => script(req));
  stack = await startStack({ env: { ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: fake.url, WEFT_LLM_MAX_RETRIES: '0' } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

/** Keeps a screenshot where the brief asks for it too (/tmp), besides the harness's folder. */
async function shoot(page: Parameters<Stack['screenshot']>[0], name: string) {
  const file = await stack.screenshot(page, name);
  fs.copyFileSync(file, path.join('/tmp', `${name}.png`));
}

describe('fix a failed run with the assistant', () => {
  it('run page → chat: diagnosis and diff → Apply → Re-run from the failed step succeeds → history links the run', async () => {
    try {
      const workflow = await stack.api('POST', '/api/workflows', { definition: BROKEN });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const workflowId = workflow.body.id as string;
      const run = await stack.api('POST', `/api/workflows/${workflowId}/run`, { inputs: { limit: 70 } });
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      failedRun = run.body.executionId as string;
      await until(async () => ((await stack.api('GET', `/api/executions/${failedRun}`)).body.status === 'failed' ? true : undefined), 'the run to fail');

      const page = await stack.newPage();
      await page.goto(`${stack.url}/automation/executions/${failedRun}`);
      await page.getByRole('button', { name: 'Fix with the assistant' }).click();
      await page.waitForURL(/\/chat\/ses_/, { timeout: 30_000 });

      const card = page.locator('[data-testid="fix-card"]');
      await card.locator('[data-testid="fix-diagnosis"]').waitFor({ timeout: 30_000 });
      expect(await card.locator('[data-testid="fix-diagnosis"]').innerText()).toBe(DIAGNOSIS);
      expect(await card.getAttribute('data-status')).toBe('proposed');
      // The deterministic part: the failed step (a link into the run), its error, what fed it, its log.
      expect(await card.getByRole('link', { name: 'check', exact: true }).getAttribute('href')).toBe(`/automation/executions/${failedRun}?step=check`);
      expect(await card.locator('[data-testid="fix-logs"]').innerText()).toContain('threshold field missing');
      expect(await card.locator('[data-testid="fix-feeders"] summary').innerText()).toBe('Steps that fed it (1)');
      await page.evaluate(() => document.querySelector('[data-testid="fix-card"]')?.scrollIntoView({ block: 'start' }));
      await shoot(page, 'fix-card-context');
      // The proposal as a diagram diff: exactly `check` changed, on both sides.
      const proposal = card.locator('[data-testid="fix-proposal"]');
      await proposal.locator('[data-side="after"] [data-step-id="check"][data-diff="changed"]').waitFor({ timeout: 30_000 });
      expect(await proposal.locator('[data-side="after"] [data-diff]').count()).toBe(1);
      expect(await proposal.innerText()).toContain(SUMMARY);
      await card.scrollIntoViewIfNeeded();
      await shoot(page, 'fix-card-proposed');

      await card.getByRole('button', { name: 'Apply', exact: true }).click();
      const applied = card.locator('[data-testid="fix-applied"]');
      await applied.waitFor({ timeout: 30_000 });
      expect(await applied.innerText()).toBe('Applied as version 2');
      const latest = await stack.api('GET', `/api/workflows/${workflowId}`);
      expect(latest.body.version).toBe(2);
      expect(latest.body.definition.steps[1].command).toBe(FIXED.steps[1]!.command);

      const rerunButton = card.getByRole('button', { name: 'Re-run from check with the same inputs' });
      await rerunButton.click();
      const rerun = card.locator('[data-testid="fix-rerun"]');
      await rerun.locator('.status-pill--succeeded').waitFor({ timeout: 30_000 });
      const rerunId = (await rerun.getByRole('link').innerText()).trim();
      const again = await stack.api('GET', `/api/executions/${rerunId}`);
      expect(again.body).toMatchObject({ status: 'succeeded', rerunOf: failedRun, workflowVersion: 2, inputs: { limit: 70 } });
      const report = (again.body.steps as { stepId: string; output?: { stdout?: string } }[]).find((s) => s.stepId === 'report');
      expect(report?.output?.stdout).toBe('under 70\n');
      await card.scrollIntoViewIfNeeded();
      await shoot(page, 'fix-card-rerun');
      // A phone's width: the card, its diff and its buttons stay inside the page.
      await page.setViewportSize({ width: 420, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await card.locator('[data-testid="fix-proposal"]').scrollIntoViewIfNeeded();
      await shoot(page, 'fix-card-420');
      await page.setViewportSize({ width: 1400, height: 900 });

      // The failed run keeps the fix: its version and its re-run, live.
      await page.goto(`${stack.url}/automation/executions/${failedRun}`);
      const fixes = page.getByRole('region', { name: 'Fixes' });
      await fixes.locator('.status-pill--succeeded').waitFor({ timeout: 30_000 });
      expect(await fixes.innerText()).toContain('Applied as v2, re-run');
      expect(await fixes.getByRole('link', { name: rerunId }).getAttribute('href')).toBe(`/automation/executions/${rerunId}`);
      await shoot(page, 'fix-run-page');

      // The version history: "version 2: fixes run ex_… — summary", linking the run.
      await page.goto(`${stack.url}/automation/workflows/${workflowId}`);
      const line = page.locator('[data-testid="version-fix"]');
      await line.waitFor({ timeout: 30_000 });
      expect(await line.innerText()).toMatch(new RegExp(`Fixes run ${failedRun} — ${SUMMARY}$`));
      await line.getByRole('link', { name: failedRun }).click();
      await page.waitForURL(`${stack.url}/automation/executions/${failedRun}`);
      await page.close();
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  }, 180_000);
});
