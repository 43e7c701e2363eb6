import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../src/tools/tool';
import { agentStackHooks } from './helpers/agent-stack';
import { finishedExecution } from './helpers/executions';
import { startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic, type RecordedRequest } from './helpers/fake-anthropic';
import { makeRepo } from './helpers/git-fixture';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * Issue 20: an agent working in a git workspace with the built-in tools, under the tool policy,
 * through a real server, a real runner process and the real SDK against the fake Messages API.
 */

let fake: FakeAnthropic;
let s: TestServer;
let r: RunnerProcess;
const dataDir = makeDataDir();
/** WEFT_WORKSPACE_ROOTS of the runner: the repositories the tests create live here. */
const root = fs.realpathSync(makeDataDir());
const llmEnv = () => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url, WEFT_MODEL: 'claude-sonnet-4-5', WEFT_LLM_MAX_RETRIES: '0' });
const runnerEnv = () => ({ ...llmEnv(), WEFT_WORKSPACE_ROOTS: root });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  s = await startServer({
    dataDir,
    env: { WEFT_TOKEN: 'agent-workspace-token-0123456789', ...llmEnv() },
    config: { leaseMs: 1500, runnerHeartbeatMs: 300, engineTickMs: 50 },
  });
  s.app.tools.register([
    defineTool({
      name: 'test:destroy',
      description: 'Destroys a target (test tool)',
      args: z.object({ target: z.string() }),
      effect: 'destructive',
      inWorkflows: 'allowed',
      run: (args: { target: string }) => {
        destroyed.push(args.target);
        return { destroyed: args.target };
      },
    }),
  ]);
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: runnerEnv() });
});
/** What the destructive test tool really did. */
const destroyed: string[] = [];
agentStackHooks(() => ({ fake, s, r }));

let repos = 0;
function repo(files: Record<string, string> = { 'src/greet.txt': 'Hello, world\n', 'README.md': '# demo\n' }) {
  return makeRepo(root, files, `repo${++repos}`);
}

async function start(step: Record<string, unknown>) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition: { name: `Agent ws ${Math.random()}`, steps: [step] } } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const res = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.executionId as string;
}
const agent = (dir: string, extra: Record<string, unknown> = {}) => ({
  id: 'fix',
  type: 'agent_prompt',
  prompt: 'Fix the greeting',
  workspace: { git: { url: dir } },
  tools: ['workspace:*', 'agent:*'],
  ...extra,
});
const call = (id: string, name: string, input: unknown) => ({ id, name: name.replace(':', '__'), input });
const stream = (events: ReturnType<typeof textTurn>) => ({ kind: 'stream' as const, events });

/** The tool results the model was sent in `req` (its last user message). */
function resultsIn(req: RecordedRequest): { id: string; isError: boolean; content: string }[] {
  const last = req.body.messages.at(-1);
  return (last.content as any[]).map((b) => ({ id: b.tool_use_id, isError: Boolean(b.is_error), content: String(b.content) }));
}
/** The step's latest attempt (an execution lists every attempt of a step). */
const outputOf = (ex: any) => ex.steps.filter((st: any) => st.stepId === 'fix').at(-1);
const pendingAsks = async (executionId: string) =>
  ((await s.request('GET', `/api/approvals?executionId=${executionId}`)).body.approvals as any[]).filter((a) => a.status === 'pending');

describe('agent_prompt in a git workspace', () => {
  it('reads, edits and runs bash in a clone; the diff and changedFiles are in the step output', async () => {
    const { dir, head } = repo();
    fake.setScript([
      stream(toolTurn([call('t1', 'workspace:read_file', { path: 'src/greet.txt' })], { model: 'claude-sonnet-4-5' })),
      stream(toolTurn([call('t2', 'workspace:edit_file', { path: 'src/greet.txt', oldText: 'Hello', newText: 'Howdy' })], { model: 'claude-sonnet-4-5' })),
      stream(toolTurn([call('t3', 'workspace:bash', { command: 'grep -c Howdy src/greet.txt > count.txt; cat count.txt' })], { model: 'claude-sonnet-4-5' })),
      stream(textTurn('Fixed.', { model: 'claude-sonnet-4-5' })),
    ]);
    const id = await start(agent(dir, { toolPolicy: { 'workspace:bash': 'allow' } }));
    const ex = await finishedExecution(s, id);
    expect(ex.status, JSON.stringify(outputOf(ex))).toBe('succeeded');
    const out = outputOf(ex).output;
    expect(out.changedFiles.sort()).toEqual(['count.txt', 'src/greet.txt']);
    expect(out.workspace).toMatchObject({ key: `git:${dir}#`, baseCommit: head, diffTruncated: false });
    expect(out.workspace.diff).toContain('-Hello, world');
    expect(out.workspace.diff).toContain('+Howdy, world');
    expect(out).toMatchObject({ text: 'Fixed.', turns: 4, toolCalls: { total: 3, failed: 0, denied: 0 } });
    // 3 tool turns of 20 + 40 tokens and 12 + 34 for the answer, at $3 / $15 per million.
    expect(out.usage).toEqual({ inputTokens: 72, outputTokens: 154, costUsd: 0.002526 });
    // What each tool answered went back to the model.
    expect(resultsIn(fake.requests[1]!)[0]!.content).toContain('Hello, world');
    expect(resultsIn(fake.requests[3]!)[0]!.content).toContain('1');
    // The clone was worked on, never the repository it came from.
    expect(fs.readFileSync(path.join(dir, 'src/greet.txt'), 'utf8')).toBe('Hello, world\n');
    expect(fake.requests[0]!.body.tools.map((t: any) => t.name)).toContain('workspace__edit_file');
  });

  it('refuses paths outside the workspace and tells the agent; a denied tool never runs', async () => {
    const { dir } = repo();
    fake.setScript([
      stream(
        toolTurn([
          call('p1', 'workspace:read_file', { path: '../../etc/passwd' }),
          call('p2', 'workspace:read_file', { path: '/etc/passwd' }),
          call('p3', 'workspace:write_file', { path: 'new.txt', content: 'x' }),
        ]),
      ),
      stream(textTurn('I cannot.')),
    ]);
    const id = await start(agent(dir, { toolPolicy: { 'workspace:write_file': 'deny' } }));
    const ex = await finishedExecution(s, id);
    expect(ex.status).toBe('succeeded');
    const [up, absolute, write] = resultsIn(fake.requests[1]!);
    expect(up).toMatchObject({ isError: true });
    expect(up!.content).toContain('../../etc/passwd');
    expect(up!.content).not.toContain('root:');
    expect(absolute).toMatchObject({ isError: true });
    expect(absolute!.content).toContain('/etc/passwd');
    expect(write).toMatchObject({ isError: true });
    expect(write!.content).toContain('tool_denied_by_policy');
    const out = outputOf(ex).output;
    expect(out.toolCalls).toEqual({ total: 3, failed: 2, denied: 1 });
    expect(out.changedFiles).toEqual([]);
  });

  it('ask: waits for a person (not timing out meanwhile); a denial sends the comment back; "for the rest of this step" skips later asks', async () => {
    const { dir } = repo();
    fake.setScript([
      stream(toolTurn([call('b1', 'workspace:bash', { command: 'echo one > one.txt' })])),
      stream(toolTurn([call('b2', 'workspace:bash', { command: 'echo two > two.txt' })])),
      stream(toolTurn([call('b3', 'workspace:bash', { command: 'echo three > three.txt' })])),
      stream(textTurn('Done.')),
    ]);
    const id = await start(agent(dir, { timeoutSeconds: 4 }));
    await waitUntil(async () => (await pendingAsks(id)).length === 1, 20_000, 'the first ask');
    const [first] = await pendingAsks(id);
    expect(first).toMatchObject({ ask: 'tool', stepId: 'fix', tool: { name: 'workspace:bash' }, preview: { command: 'echo one > one.txt' } });
    // Longer than the step's timeout: time waiting for a person does not count.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const denied = await s.request('POST', `/api/approvals/${first.id}/decision`, { body: { decision: 'deny', comment: 'write two.txt instead' } });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);

    await waitUntil(async () => (await pendingAsks(id)).length === 1, 20_000, 'the second ask');
    const [second] = await pendingAsks(id);
    expect(second.preview.command).toBe('echo two > two.txt');
    const approved = await s.request('POST', `/api/approvals/${second.id}/decision`, { body: { decision: 'approve', scope: 'step' } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    const ex = await finishedExecution(s, id);
    expect(ex.status, JSON.stringify(outputOf(ex))).toBe('succeeded');
    const comment = resultsIn(fake.requests[1]!)[0]!;
    expect(comment.isError).toBe(true);
    expect(comment.content).toContain('write two.txt instead');
    // The third bash call ran without an ask.
    const all = (await s.request('GET', `/api/approvals?executionId=${id}`)).body.approvals;
    expect(all).toHaveLength(2);
    const out = outputOf(ex).output;
    expect(out.changedFiles.sort()).toEqual(['three.txt', 'two.txt']);
    expect(out.toolCalls).toEqual({ total: 3, failed: 0, denied: 1 });
  });

  it('limits end a runaway agent with a message naming the limit', async () => {
    const { dir } = repo();
    let n = 0;
    fake.setScript(() => stream(toolTurn([call(`r${++n}`, 'workspace:list', {})])));
    const id = await start(agent(dir, { limits: { maxTurns: 3 } }));
    const ex = await finishedExecution(s, id);
    expect(ex.status).toBe('failed');
    const step = outputOf(ex);
    expect(step.error).toMatchObject({ code: 'agent_limit_turns' });
    expect(step.error.message).toMatch(/3 .*limits\.maxTurns/);
    expect(fake.requests).toHaveLength(3);
  });

  it('after a runner crash mid-step, a new runner resumes from the checkpoint: no completed turn asked again, no file change redone', async () => {
    const { dir } = repo();
    fake.setScript(
      (_req, n) =>
        [
          stream(toolTurn([call('c1', 'workspace:bash', { command: 'echo appended >> log.txt' })])),
          stream(toolTurn([call('c2', 'agent:ask_user', { question: 'Which branch should I push to?' })])),
          stream(textTurn('Pushed nothing; noted the branch.')),
        ][n] ?? { kind: 'error', status: 500, type: 'api_error', message: `unexpected request #${n}` },
    );
    const id = await start(agent(dir, { toolPolicy: { 'workspace:bash': 'allow' } }));
    // The bash call has changed a file and the agent now waits on its question: kill the runner.
    await waitUntil(async () => (await pendingAsks(id)).length === 1, 20_000, 'the question');
    expect(fake.requests).toHaveLength(2);
    await r.kill('SIGKILL');
    r = startRunner({ url: s.url, token: s.runnerToken, dataDir, env: runnerEnv() });
    // The new runner re-attaches to the same question (same key) rather than asking again.
    await waitUntil(
      async () => ((await s.request('GET', `/api/executions/${id}`)).body.steps ?? []).some((st: any) => st.stepId === 'fix' && st.attempt >= 2),
      20_000,
      'a second attempt',
    );
    const [question] = await pendingAsks(id);
    const answered = await s.request('POST', `/api/approvals/${question.id}/decision`, { body: { decision: 'approve', comment: 'main' } });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);

    const ex = await finishedExecution(s, id);
    expect(ex.status, JSON.stringify(ex.steps)).toBe('succeeded');
    // Two turns before the crash, one after: the model was not asked again for the first two.
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2]!.body.messages).toHaveLength(5);
    expect(resultsIn(fake.requests[2]!)[0]).toMatchObject({ id: 'c2', isError: false });
    expect(JSON.parse(resultsIn(fake.requests[2]!)[0]!.content)).toMatchObject({ answer: 'main' });
    expect((await s.request('GET', `/api/approvals?executionId=${id}`)).body.approvals).toHaveLength(1);
    // The workspace was rebuilt from its snapshot, and the append ran once.
    const out = outputOf(ex).output;
    expect(out.changedFiles).toEqual(['log.txt']);
    expect(out.workspace.diff.match(/^\+appended$/gm)).toHaveLength(1);
    expect(out).toMatchObject({ turns: 3, toolCalls: { total: 2, failed: 0, denied: 0 } });
  });

  it('a destructive server tool asked about and approved runs once, without the server holding it again', async () => {
    fake.setScript([stream(toolTurn([call('d1', 'test:destroy', { target: 'old-branch' })])), stream(textTurn('Deleted.'))]);
    const id = await start({ id: 'fix', type: 'agent_prompt', prompt: 'Clean up', tools: ['test:*'] });
    await waitUntil(async () => (await pendingAsks(id)).length === 1, 20_000, 'the ask');
    const [asked] = await pendingAsks(id);
    expect(asked).toMatchObject({ ask: 'tool', tool: { name: 'test:destroy', arguments: { target: 'old-branch' } } });
    expect(destroyed).toEqual([]);
    expect((await s.request('POST', `/api/approvals/${asked.id}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
    const ex = await finishedExecution(s, id);
    expect(ex.status, JSON.stringify(ex.steps)).toBe('succeeded');
    expect(destroyed).toEqual(['old-branch']);
    // One approval in all: the call carried the ask's id, so the server did not hold it for a second one.
    expect((await s.request('GET', `/api/approvals?executionId=${id}`)).body.approvals).toHaveLength(1);
    expect(resultsIn(fake.requests[1]!)[0]).toMatchObject({ isError: false });
  });

  it('a destructive server tool approved for the rest of the step: later calls with other arguments run without a card', async () => {
    destroyed.length = 0;
    fake.setScript([
      stream(toolTurn([call('d1', 'test:destroy', { target: 'branch-a' })])),
      stream(toolTurn([call('d2', 'test:destroy', { target: 'branch-b' })])),
      stream(textTurn('Both deleted.')),
    ]);
    const id = await start({ id: 'fix', type: 'agent_prompt', prompt: 'Clean up', tools: ['test:*'] });
    await waitUntil(async () => (await pendingAsks(id)).length === 1, 20_000, 'the ask');
    const [asked] = await pendingAsks(id);
    expect((await s.request('POST', `/api/approvals/${asked.id}/decision`, { body: { decision: 'approve', scope: 'step' } })).status).toBe(200);
    const ex = await finishedExecution(s, id);
    expect(ex.status, JSON.stringify(ex.steps)).toBe('succeeded');
    expect(destroyed).toEqual(['branch-a', 'branch-b']);
    // The second call named the step-scoped approval: no second ask and no held card.
    expect((await s.request('GET', `/api/approvals?executionId=${id}`)).body.approvals).toHaveLength(1);
  });
});
