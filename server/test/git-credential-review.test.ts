import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { GITHUB_TOKEN, startFakeGithub, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

/** Review: a failing test showing that a templated URL's binding is escaped by naming an iteration the step does not have. */

let s: TestServer;
let runner: FakeRunner;
let github: FakeService;
let host: string;

beforeAll(async () => {
  s = await startServer();
  github = await startFakeGithub();
  host = new URL(github.url).host;
  const res = await s.request('POST', '/api/integrations', {
    body: { provider: 'github', name: 'gh', config: { apiBaseUrl: github.url }, credentials: { token: GITHUB_TOKEN } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
});
afterAll(async () => {
  runner.close();
  await github.close();
  await s.close();
});

describe('templated git URL binding', () => {
  it('a step outside any foreach cannot get a token for another repository by naming a made-up iteration', async () => {
    const definition = {
      name: `Templated ${Math.random()}`,
      inputs: { repo: { type: 'string', required: true } },
      steps: [{ id: 'tpl', type: 'agent_prompt', prompt: 'Fix it', workspace: { git: { url: `https://${host}/o/{{ inputs.repo }}.git`, integration: 'gh' } } }],
    };
    const wf = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(wf.status).toBe(201);
    const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: { inputs: { repo: 'app' } } });
    const executionId = started.body.executionId as string;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const attempt = runner.grants.find((g) => g.executionId === executionId)!.attempt;
    const ask = (url: string, iterationPath: string) =>
      s.request('POST', '/api/tools/git-credential', {
        token: s.runnerToken,
        body: { context: { executionId, stepId: 'tpl', iterationPath, runnerId: runner.runnerId, leaseAttempt: attempt }, integration: 'gh', url },
      });
    expect((await ask(`https://${host}/o/app.git`, '')).status).toBe(200);
    expect((await ask(`https://${host}/o/private.git`, '')).status).toBe(403);
    // `tpl` has no iterations: "[7]" names no instance of it, and must not open a fresh binding.
    const spoofed = await ask(`https://${host}/o/private.git`, '[7]');
    expect(spoofed.status).not.toBe(200);
    expect(JSON.stringify(spoofed.body)).not.toContain(GITHUB_TOKEN);
  });
});
