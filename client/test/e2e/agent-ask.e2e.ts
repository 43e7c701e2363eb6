import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic, type FakeReply } from '../../../server/test/helpers/fake-anthropic';
import { startStack, until, type Stack } from './harness';

/**
 * An agent that works, end to end: the real server and runner, the real Anthropic SDK against a
 * scripted Messages API, and headless Chromium. An `agent_prompt` step in a chat run works in a
 * git workspace cloned from a local repository this test creates: it reads a file, edits it (the
 * default policy allows edits), then calls `workspace:bash`, which the default policy holds for a person. The tool-approval card shows in
 * the chat with the exact command, the person approves it there, the command runs, the run
 * finishes, the step's container shows the command's output, and the run page the workspace diff.
 */

const COMMAND = 'cat greeting.txt && echo "tests: 3 passed"';
const FINAL = 'The greeting is in place and all 3 tests pass.';

const QUESTION = 'Which greeting should the page show?';

/** The question workflow: ask the person, then say what they answered (from the tool result the model got). */
function questionScript(messages: { role: string; content: unknown }[]): FakeReply {
  const result = messages
    .flatMap((m) => (Array.isArray(m.content) ? (m.content as { type?: string; content?: unknown }[]) : []))
    .find((c) => c.type === 'tool_result');
  if (result === undefined) return { kind: 'stream', events: toolTurn([{ name: 'agent__ask_user', input: { question: QUESTION } }]), delayMs: 30 };
  // The tool result reaches the model as JSON text (`{ answer, answeredBy }`), maybe inside text blocks.
  const raw = Array.isArray(result.content) ? (result.content as { text?: string }[]).map((b) => b.text ?? '').join('') : String(result.content);
  const answer = (JSON.parse(raw) as { answer?: string }).answer ?? '(no answer)';
  return { kind: 'stream', events: textTurn(`You answered: ${answer}`, { chunks: 2 }), delayMs: 30 };
}

/** Model turns by how far the conversation got: read, edit (allowed by default), bash (asked), then the answer. */
function script(req: { body: any }): FakeReply {
  const messages = req.body.messages as { role: string; content: unknown }[];
  if (String(messages[0]?.content ?? '').includes('Ask me')) return questionScript(messages);
  const results = messages.filter((m) => Array.isArray(m.content) && (m.content as { type?: string }[]).some((c) => c.type === 'tool_result')).length;
  if (results === 0)
    return {
      kind: 'stream',
      events: toolTurn([{ name: 'workspace__read_file', input: { path: 'greeting.txt' } }], { text: 'Let me look first.' }),
      delayMs: 30,
    };
  if (results === 1)
    return {
      kind: 'stream',
      events: toolTurn([{ name: 'workspace__edit_file', input: { path: 'greeting.txt', oldText: 'Hello', newText: 'Hi there' } }]),
      delayMs: 30,
    };
  if (results === 2) return { kind: 'stream', events: toolTurn([{ name: 'workspace__bash', input: { command: COMMAND } }]), delayMs: 30 };
  return { kind: 'stream', events: textTurn(FINAL, { chunks: 4, model: 'claude-sonnet-4-5', inputTokens: 900, outputTokens: 60 }), delayMs: 30 };
}

let fake: FakeAnthropic;
let stack: Stack;
let root: string;
let repo: string;

beforeAll(async () => {
  // A local repository under an allow-listed root: the workspace is cloned from it.
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'weft-e2e-repos-')));
  repo = path.join(root, 'app');
  fs.mkdirSync(repo);
  fs.writeFileSync(path.join(repo, 'greeting.txt'), 'Hello <b>from</b> the workspace\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@weft.test', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  fake = await startFakeAnthropic((req) => script(req));
  stack = await startStack({
    env: { ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: fake.url, WEFT_LLM_MAX_RETRIES: '0', WEFT_WORKSPACE_ROOTS: root },
  });
});
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('an agent asks before running bash', () => {
  it('shows the command on a card in the chat; approved there, it runs and the container shows its output', async () => {
    try {
      const workflow = await stack.api('POST', '/api/workflows', {
        definition: {
          name: 'Check the greeting',
          steps: [
            {
              id: 'check',
              type: 'agent_prompt',
              name: 'Check the build',
              prompt: 'Check that the greeting is there and the tests pass.',
              tools: ['workspace:*'],
              workspace: { git: { url: repo } },
              persona: { name: 'Build doctor' },
            },
          ],
        },
      });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const session = await stack.api('POST', '/api/sessions', { title: 'Greeting check' });
      const sessionId = session.body.id as string;

      const page = await stack.newPage();
      await page.goto(`${stack.url}/chat/${sessionId}`);
      await page.getByRole('heading', { name: 'Greeting check' }).waitFor();
      const run = await stack.api('POST', `/api/workflows/${workflow.body.id}/run`, { sessionId });
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      const executionId = run.body.executionId as string;

      // The container streams the read, then the bash call waits for a person.
      const box = page.locator('section.step-box', { hasText: 'Check the build' });
      await box.locator('.step-box__persona', { hasText: 'as Build doctor' }).waitFor({ timeout: 30_000 });
      const read = box.locator('.tool-call[data-tool="workspace:read_file"]');
      await read.locator('.tool-excerpt').waitFor({ timeout: 30_000 });
      expect(await read.locator('.tool-excerpt').innerText()).toContain('Hello <b>from</b> the workspace');
      const edit = box.locator('.tool-call[data-tool="workspace:edit_file"]');
      await edit.locator('.diff-line--add').first().waitFor({ timeout: 30_000 });
      expect((await edit.locator('.diff-line--add').first().innerText()).trimEnd()).toBe('+Hi there <b>from</b> the workspace');
      const bash = box.locator('.tool-call[data-tool="workspace:bash"]');
      await bash.locator('[data-status="waiting"], .tool-call__status--waiting').first().waitFor({ timeout: 30_000 });

      const card = page.locator('.feed article.approval-card[data-ask="tool"]');
      await card.getByRole('button', { name: 'Approve', exact: true }).waitFor({ timeout: 30_000 });
      expect(await card.locator('.ask-card__command').innerText()).toBe(COMMAND);
      // The step and run it belongs to (named once the run's definition loaded).
      await card.locator('.approval-card__context', { hasText: 'Step Check the build in Check the greeting' }).waitFor({ timeout: 30_000 });
      await card.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'agent-ask-chat');

      // The run page shows the same ask beside the step's node, the node marked as waiting for you.
      const runPage = await stack.newPage();
      await runPage.goto(`${stack.url}/automation/executions/${executionId}`);
      await runPage.locator('.ask-marker[data-step-id="check"]', { hasText: 'Waiting for you' }).waitFor({ timeout: 30_000 });
      const besideNode = runPage.locator('.approval-toolbar article.approval-card[data-ask="tool"]');
      expect(await besideNode.locator('.ask-card__command').innerText()).toBe(COMMAND);
      await stack.screenshot(runPage, 'agent-ask-run-page');

      // Nothing ran before the person decided.
      expect(await box.locator('.step-box__asking').count()).toBe(1);
      expect(await bash.getAttribute('data-status')).toBe('waiting');
      await card.getByRole('button', { name: 'Approve', exact: true }).click();
      await card.locator('.approval-card__decision', { hasText: 'Approved by owner' }).waitFor({ timeout: 30_000 });
      // The run page, open meanwhile, drops the card and the mark live.
      await besideNode.waitFor({ state: 'detached', timeout: 30_000 });
      expect(await runPage.locator('.ask-marker').count()).toBe(0);

      await bash.locator('.tool-output').first().waitFor({ timeout: 30_000 });
      expect(await bash.getAttribute('data-status')).toBe('succeeded');
      expect(await bash.locator('.chip').first().innerText()).toBe('Exit code 0');
      expect(await bash.locator('.tool-output').first().innerText()).toBe('Hi there <b>from</b> the workspace\ntests: 3 passed');
      await box.locator('.msg-text', { hasText: FINAL }).waitFor({ timeout: 30_000 });
      await until(async () => ((await box.getAttribute('data-status')) === 'succeeded' ? true : undefined), 'the step to succeed');
      // The command's output is text: the markup in the file became no element.
      expect(await box.locator('b').count()).toBe(0);
      await page.locator('.run-divider[data-edge="end"]', { hasText: 'Succeeded' }).waitFor({ timeout: 30_000 });

      const execution = await stack.api('GET', `/api/executions/${executionId}`);
      expect(execution.body.status).toBe('succeeded');
      await box.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'agent-tool-results');

      // The run page: the step's workspace changes (the file and its diff), and the run's usage.
      await runPage.goto(`${stack.url}/automation/executions/${executionId}?step=check`);
      const changes = runPage.getByRole('region', { name: 'Workspace changes' });
      await changes.waitFor({ timeout: 30_000 });
      expect(await changes.getByRole('list', { name: 'Changed files' }).innerText()).toBe('greeting.txt');
      await changes.locator('summary', { hasText: 'Diff' }).click();
      expect((await changes.locator('.diff-line--add').first().innerText()).trimEnd()).toBe('+Hi there <b>from</b> the workspace');
      expect(await runPage.locator('.execution-page__usage').innerText()).toMatch(/ in \/ [\d,]+ out tokens/);
      await changes.scrollIntoViewIfNeeded();
      await stack.screenshot(runPage, 'agent-run-page');
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  });

  it('asks the person a question in the chat; the answer goes back to the agent', async () => {
    try {
      const workflow = await stack.api('POST', '/api/workflows', {
        definition: {
          name: 'Pick a greeting',
          steps: [{ id: 'pick', type: 'agent_prompt', name: 'Pick the greeting', prompt: 'Ask me which greeting to use.', tools: ['agent:ask_user'] }],
        },
      });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const session = await stack.api('POST', '/api/sessions', { title: 'Greeting question' });
      const sessionId = session.body.id as string;
      const page = await stack.newPage();
      await page.goto(`${stack.url}/chat/${sessionId}`);
      await page.getByRole('heading', { name: 'Greeting question' }).waitFor();
      const run = await stack.api('POST', `/api/workflows/${workflow.body.id}/run`, { sessionId });
      expect(run.status, JSON.stringify(run.body)).toBe(202);

      const card = page.locator('.feed article.approval-card[data-ask="question"]');
      await card.locator('.ask-card__question', { hasText: QUESTION }).waitFor({ timeout: 30_000 });
      const box = page.locator('section.step-box', { hasText: 'Pick the greeting' });
      await box.locator('.tool-call[data-tool="agent:ask_user"] .tool-call__status', { hasText: 'Waiting for an answer' }).waitFor({ timeout: 30_000 });
      await card.getByLabel('Your answer').fill('Good <i>morning</i>');
      await card.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'agent-question-chat');
      await card.getByRole('button', { name: 'Send answer' }).click();
      await card.locator('.approval-card__decision', { hasText: 'Answered by owner' }).waitFor({ timeout: 30_000 });

      const asked = box.locator('.tool-call[data-tool="agent:ask_user"]');
      await asked.locator('.tool-qa__answer', { hasText: 'Good <i>morning</i>' }).waitFor({ timeout: 30_000 });
      // The answer went back to the agent as the person typed it, markup and all, and shows as text.
      await box.locator('.msg-text', { hasText: 'You answered: Good <i>morning</i>' }).waitFor({ timeout: 30_000 });
      expect(await box.locator('i').count()).toBe(0);
      await until(async () => ((await box.getAttribute('data-status')) === 'succeeded' ? true : undefined), 'the step to succeed');
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  });
});
