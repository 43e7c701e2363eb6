import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic, type FakeReply } from '../../../server/test/helpers/fake-anthropic';
import { startStack, until, type Stack } from './harness';

/**
 * The live chat end to end: the real server and runner, the real Anthropic SDK against a scripted
 * Messages API that streams slowly, and headless Chromium. A workflow whose loop runs an
 * agent_prompt step three times, then waits for an approval, runs in a chat session; the chat
 * shows three containers streaming, survives a reload mid-stream without doubling text, and the
 * approval is given from the chat card.
 */

const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const replyFor = (region: string) =>
  `Region ${region} is healthy: all 14 services are up, there were no incidents in the last 24 hours, and the last deploy finished cleanly.`;
const ASSISTANT_TEXT = 'You have one workflow, “Region health review”. Start it in this chat and I will follow along.';

const definition = {
  name: 'Region health review',
  description: 'Summarises each region, then waits for a person to publish.',
  steps: [
    {
      id: 'each_region',
      type: 'loop',
      name: 'Every region',
      over: REGIONS,
      as: 'region',
      steps: [{ id: 'summarise', type: 'agent_prompt', name: 'Summarise region', prompt: 'Summarise the health of region {{ region }} in one sentence.' }],
    },
    { id: 'publish', type: 'approval', name: 'Publish summaries', message: 'Publish the three region summaries to the status page?', allowSelfApproval: true },
  ],
};

function script(req: { body: any }): FakeReply {
  const body = req.body as { system?: unknown; messages: { role: string; content: unknown }[] };
  if (body.system !== undefined) {
    // The chat assistant: one tool call, then its answer.
    const last = body.messages.at(-1);
    const afterTool = Array.isArray(last?.content) && (last.content as { type?: string }[]).some((c) => c.type === 'tool_result');
    return afterTool
      ? { kind: 'stream', events: textTurn(ASSISTANT_TEXT, { chunks: 8 }), delayMs: 60 }
      : { kind: 'stream', events: toolTurn([{ name: 'workflows__list_workflows', input: {} }], { text: 'Let me look at your workflows.' }), delayMs: 60 };
  }
  const prompt = String(body.messages[0]?.content ?? '');
  const region = REGIONS.find((r) => prompt.includes(r)) ?? 'unknown';
  // The second region streams slowest: the page is reloaded in the middle of it.
  const slow = region === REGIONS[1];
  return {
    kind: 'stream',
    events: textTurn(replyFor(region), { chunks: slow ? 24 : 12, model: 'claude-test', inputTokens: 40, outputTokens: 28 }),
    delayMs: slow ? 220 : 110,
  };
}

const draftDefinition = {
  name: 'Weekday disk check',
  description: 'Checks free disk space every weekday morning and posts it here.',
  steps: [
    { id: 'df', type: 'bash', name: 'Disk usage', command: 'df -h /' },
    { id: 'tell', type: 'notify', name: 'Post it', message: 'Disk usage:\n{{ steps.df.output.stdout }}' },
  ],
};
const triageSchema = {
  type: 'object',
  required: ['severity', 'summary'],
  properties: { severity: { enum: ['low', 'high'] }, summary: { type: 'string' } },
};

/** Drafts, structured output with a fix-up attempt. */
function draftingScript(req: { body: any }): FakeReply {
  const body = req.body as { system?: unknown; messages: { role: string; content: unknown }[] };
  const system = typeof body.system === 'string' ? body.system : JSON.stringify(body.system ?? '');
  if (system.includes('You draft workflows')) {
    const answer = { definition: draftDefinition, trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } } };
    return { kind: 'stream', events: textTurn(JSON.stringify(answer), { chunks: 3 }) };
  }
  if (body.system !== undefined) {
    const last = body.messages.at(-1);
    const afterTool = Array.isArray(last?.content) && (last.content as { type?: string }[]).some((c) => c.type === 'tool_result');
    return afterTool
      ? {
          kind: 'stream',
          events: textTurn('Here is a draft. It is not saved yet: save it, or open it in the editor to change it.', { chunks: 6 }),
          delayMs: 40,
        }
      : {
          kind: 'stream',
          events: toolTurn([{ name: 'workflows__draft_workflow', input: { prompt: 'every weekday at 9 check free disk space and post it here' } }]),
          delayMs: 40,
        };
  }
  // The triage step: a first answer that breaks the schema, then the corrected one.
  return body.messages.length === 1
    ? { kind: 'stream', events: textTurn('{"severity":"urgent"}', { chunks: 3 }), delayMs: 40 }
    : { kind: 'stream', events: textTurn('{"severity":"high","summary":"Disk on db-1 is 91% full; logs grow 2 GB a day."}', { chunks: 6 }), delayMs: 40 };
}

let fake: FakeAnthropic;
let stack: Stack;

beforeAll(async () => {
  fake = await startFakeAnthropic((req) => script(req));
  stack = await startStack({ env: { ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: fake.url, WEFT_LLM_MAX_RETRIES: '0' } });
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

/** The reply text of each step container, in feed order. */
const containerReplies = (page: Page) =>
  page.$$eval('section.step-box', (boxes) =>
    boxes.map((box) => ({
      iteration: box.querySelector('.step-box__iteration')?.textContent ?? '',
      status: box.getAttribute('data-status'),
      reply: [...box.querySelectorAll('.step-box__turn .msg-text')].map((p) => p.textContent ?? '').join(''),
      turns: box.querySelectorAll('.step-box__turn').length,
    })),
  );

async function waitForReplies(page: Page, test: (replies: Awaited<ReturnType<typeof containerReplies>>) => boolean, what: string, timeoutMs = 60_000) {
  return until(
    async () => {
      const replies = await containerReplies(page);
      return test(replies) ? replies : undefined;
    },
    what,
    timeoutMs,
  );
}

describe('live chat end to end', () => {
  it('streams a looped agent step into three containers, survives a reload mid-stream, and is approved from the chat', async () => {
    try {
      const workflow = await stack.api('POST', '/api/workflows', { definition });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const session = await stack.api('POST', '/api/sessions', { title: 'Weekly region review' });
      expect(session.status).toBe(201);
      const sessionId = session.body.id as string;

      const page = await stack.newPage();
      await page.goto(`${stack.url}/chat/${sessionId}`);
      await page.getByRole('heading', { name: 'Weekly region review' }).waitFor();

      // The composer talks to the chat assistant; its reply (a tool call, then text) streams in.
      await page.getByLabel('Message the assistant').fill('Which workflows do I have?');
      await page.keyboard.press('Enter');
      await page.locator('.turn--assistant .msg-text', { hasText: ASSISTANT_TEXT }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.tool-call[data-tool="workflows:list_workflows"]').count()).toBe(1);
      expect(await page.locator('.turn--user', { hasText: 'Which workflows do I have?' }).count()).toBe(1);

      const run = await stack.api('POST', `/api/workflows/${workflow.body.id}/run`, { sessionId });
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      const executionId = run.body.executionId as string;

      // The run shows up live: the context bar, then the first container streaming.
      await page.locator('.context-bar', { hasText: 'Region health review' }).waitFor({ timeout: 30_000 });
      const firstPartial = await waitForReplies(
        page,
        (r) => r.length >= 1 && r[0]!.reply.length > 10 && r[0]!.reply.length < replyFor(REGIONS[0]!).length,
        'the first container to be mid-stream',
      );
      expect(replyFor(REGIONS[0]!).startsWith(firstPartial[0]!.reply)).toBe(true);
      await stack.screenshot(page, 'chat-mid-stream');

      // Reload while the second iteration streams.
      const secondPartial = await waitForReplies(
        page,
        (r) => r.length >= 2 && r[1]!.reply.length > 10 && r[1]!.reply.length < replyFor(REGIONS[1]!).length - 20,
        'the second container to be mid-stream',
      );
      expect(replyFor(REGIONS[1]!).startsWith(secondPartial[1]!.reply)).toBe(true);
      await page.reload();
      await page.getByRole('heading', { name: 'Weekly region review' }).waitFor();
      const afterReload = await waitForReplies(page, (r) => r.length >= 2 && r[1]!.reply.length > 0, 'the second container after the reload');
      // What the reload shows is the same stream: a prefix of the scripted text, never doubled.
      expect(replyFor(REGIONS[1]!).startsWith(afterReload[1]!.reply)).toBe(true);
      // Still streaming after the reload: the page picked the stream up where the snapshot left it.
      expect(afterReload[1]!.reply.length).toBeLessThan(replyFor(REGIONS[1]!).length);
      expect(afterReload[0]!.reply).toBe(replyFor(REGIONS[0]!));

      // All three iterations finish with exactly the scripted text, one turn each.
      const done = await waitForReplies(
        page,
        (r) => r.length === 3 && r.every((c, i) => c.reply === replyFor(REGIONS[i]!) && c.status === 'succeeded'),
        'three finished containers',
      );
      expect(done.map((c) => c.iteration)).toEqual(REGIONS.map((region, i) => `Every region #${i + 1} · ${region}`));
      expect(done.map((c) => c.turns)).toEqual([1, 1, 1]);
      const text = await page.locator('.feed').innerText();
      for (const region of REGIONS) expect(text.split(replyFor(region)).length - 1).toBe(1);

      // The approval waits in three places at once: the chat, beside the waiting node, the inbox.
      const card = page.locator('.feed article.approval-card', { hasText: 'Publish the three region summaries' });
      await card.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
      const runPage = await stack.newPage();
      await runPage.goto(`${stack.url}/automation/executions/${executionId}`);
      const besideNode = runPage.locator('.approval-toolbar article.approval-card');
      await besideNode.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
      await stack.screenshot(runPage, 'execution-waiting');
      const inboxPage = await stack.newPage();
      await inboxPage.goto(`${stack.url}/approvals`);
      const inboxCard = inboxPage.locator('article.approval-card', { hasText: 'Publish the three region summaries' });
      await inboxCard.getByText('✓ Summarise region ×3').waitFor({ timeout: 30_000 });
      const pendingBadge = inboxPage.getByRole('link', { name: /^Approvals\s*1 pending$/ });
      expect(await pendingBadge.count()).toBe(1);
      await stack.screenshot(inboxPage, 'inbox-waiting');

      // Approve from the chat card; the other pages follow without a reload.
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.locator('.approval-card__decision', { hasText: 'Approved by owner' }).waitFor();
      // A decided approval leaves the inbox's Waiting tab at once and is listed under Decided.
      await inboxCard.waitFor({ state: 'detached', timeout: 30_000 });
      await pendingBadge.waitFor({ state: 'detached', timeout: 30_000 });
      await besideNode.waitFor({ state: 'detached', timeout: 30_000 });
      await inboxPage.getByRole('tab', { name: 'Decided' }).click();
      await inboxPage
        .getByRole('list', { name: 'Decided approvals' })
        .locator('article.approval-card', { hasText: 'Publish the three region summaries' })
        .locator('.approval-card__decision', { hasText: 'Approved by owner' })
        .waitFor({ timeout: 30_000 });
      await page.locator('.context-bar').waitFor({ state: 'detached', timeout: 30_000 });
      await page.locator('.run-divider[data-edge="end"]', { hasText: 'Succeeded' }).waitFor();
      await stack.screenshot(page, 'chat-finished');

      // The execution view: every step instance's latest attempt succeeded, shown on the diagram.
      const execution = await stack.api('GET', `/api/executions/${executionId}`);
      expect(execution.body.status).toBe('succeeded');
      const latest = new Map<string, { attempt: number; status: string }>();
      for (const step of execution.body.steps as { stepId: string; iterationPath: string; attempt: number; status: string }[]) {
        const key = `${step.stepId}@${step.iterationPath}`;
        if ((latest.get(key)?.attempt ?? -1) < step.attempt) latest.set(key, step);
      }
      expect([...latest.keys()].sort()).toEqual([
        'each_region@',
        'publish@',
        'summarise@each_region[0]',
        'summarise@each_region[1]',
        'summarise@each_region[2]',
      ]);
      expect([...latest.values()].every((s) => s.status === 'succeeded')).toBe(true);

      // The execution page opened while it waited followed live to the end.
      await runPage.locator('.react-flow__node[data-id="publish"] [data-status="succeeded"]').first().waitFor({ timeout: 30_000 });
      await runPage.locator('.page-header .status-pill--succeeded').waitFor({ timeout: 30_000 });
      for (const id of ['each_region', 'summarise', 'publish']) {
        expect(await runPage.locator(`.react-flow__node[data-id="${id}"] [data-status]`).first().getAttribute('data-status')).toBe('succeeded');
      }
      expect(await runPage.locator('.trace__row').count()).toBe(5);
      expect(await runPage.locator('.trace__row[data-status="succeeded"]').count()).toBe(5);
      await runPage.locator('.trace__row', { hasText: 'ap-south' }).click();
      await runPage.getByRole('region', { name: 'Every region #3 · ap-south' }).waitFor();
      await stack.screenshot(runPage, 'execution-view');

      // The inbox has nothing left.
      await page.goto(`${stack.url}/approvals`);
      await page.getByText('Nothing waiting for you').waitFor();
      expect(await page.locator('.approval-card').count()).toBe(0);
      await stack.screenshot(page, 'inbox');
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  });

  it('renders a draft the assistant made as a diagram card that saves with its schedule, and structured output with its superseded attempt', async () => {
    fake.setScript((req) => draftingScript(req));
    try {
      const session = await stack.api('POST', '/api/sessions', { title: 'Disk space' });
      const sessionId = session.body.id as string;
      const page = await stack.newPage();
      await page.goto(`${stack.url}/chat/${sessionId}`);
      await page.getByLabel('Message the assistant').fill('Every weekday at 9, check free disk space and post it here.');
      await page.getByRole('button', { name: 'Send' }).click();

      const draftCard = page.locator('.draft-card', { hasText: 'Weekday disk check' });
      await draftCard.waitFor({ timeout: 30_000 });
      await draftCard.locator('.react-flow__node[data-id="df"]').waitFor();
      expect(await draftCard.innerText()).toContain('0 9 * * 1-5 (Europe/Berlin)');
      // A schedule runs it with nobody there: Save shows the steps, and saves nothing until the schedule is turned on.
      await draftCard.getByRole('button', { name: 'Save workflow' }).click();
      expect(await draftCard.getByTestId('draft-review').evaluate((details) => (details as HTMLDetailsElement).open)).toBe(true);
      await draftCard.getByRole('button', { name: 'Save and turn on schedule' }).click();
      await draftCard.getByRole('link', { name: 'Open “Weekday disk check”' }).waitFor();
      const workflows = await stack.api('GET', '/api/workflows');
      const saved = (workflows.body.workflows as { id: string; definition: { name: string } }[]).find((w) => w.definition.name === 'Weekday disk check');
      expect(saved).toBeDefined();
      const triggers = await stack.api('GET', '/api/triggers');
      expect(triggers.body.triggers).toContainEqual(
        expect.objectContaining({
          workflowId: saved!.id,
          type: 'schedule',
          enabled: true,
          schedule: expect.objectContaining({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }),
        }),
      );

      const triage = await stack.api('POST', '/api/workflows', {
        definition: {
          name: 'Alert triage',
          steps: [
            {
              id: 'triage',
              type: 'agent_prompt',
              name: 'Triage the alert',
              prompt: 'Triage this alert: disk on db-1 at 91%.',
              output: { schema: triageSchema },
            },
          ],
        },
      });
      expect(triage.status, JSON.stringify(triage.body)).toBe(201);
      await stack.api('POST', `/api/workflows/${triage.body.id}/run`, { sessionId });
      const box = page.locator('section.step-box', { hasText: 'Triage the alert' });
      await box.locator('.structured').waitFor({ timeout: 30_000 });
      expect(await box.locator('.structured__fields').innerText()).toContain('Disk on db-1 is 91% full');
      expect(await box.locator('.step-box__previous summary').innerText()).toBe('1 previous attempt');
      expect(await box.getAttribute('data-status')).toBe('succeeded');
      await page.locator('.run-divider[data-edge="end"]', { hasText: 'Alert triage' }).waitFor({ timeout: 30_000 });
      await box.locator('.step-box__previous summary').click();
      await draftCard.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'chat-draft');
      await box.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'chat-structured');

      await page.goto(`${stack.url}/chat`);
      await page.getByRole('link', { name: /Disk space/ }).waitFor();
      await stack.screenshot(page, 'chat-sessions');
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  });
});
