import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubWebHost } from '../src/integrations/git-credential';
import { fitsTemplate } from '../src/tools/git-credential-routes';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { GITHUB_TOKEN, startFakeGithub, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { auditActions } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/** Issue 20 §1: a runner gets a GitHub integration's token for a step's https clone, and for nothing else. */

let s: TestServer;
let runner: FakeRunner;
let github: FakeService;
let host: string;

beforeAll(async () => {
  s = await startServer();
  github = await startFakeGithub();
  host = new URL(github.url).host;
  for (const body of [
    { provider: 'github', name: 'gh', config: { apiBaseUrl: github.url }, credentials: { token: GITHUB_TOKEN } },
    { provider: 'github', name: 'other-gh', config: { apiBaseUrl: github.url }, credentials: { token: 'other-token-0123456789' } },
    { provider: 'mcp', name: 'tools-mcp', config: { url: 'http://127.0.0.1:9/mcp' } },
  ]) {
    const res = await s.request('POST', '/api/integrations', { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
});
afterAll(async () => {
  runner.close();
  await github.close();
  await s.close();
});

async function leasedRun() {
  const definition = {
    name: `Clone ${Math.random()}`,
    steps: [
      { id: 'fix', type: 'agent_prompt', prompt: 'Fix it', workspace: { git: { url: `https://${host}/o/r.git`, integration: 'gh' } } },
      { id: 'mcp', type: 'agent_prompt', prompt: 'Fix it', workspace: { git: { url: `https://${host}/o/r.git`, integration: 'tools-mcp' } } },
      { id: 'plain', type: 'agent_prompt', prompt: 'No workspace' },
    ],
  };
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  return { executionId, attempt: grant.attempt };
}

/** A run of one agent step `tpl` cloning `o/{{ inputs.repo }}.git` (repo: app), leased and reported started, as a real runner does before it clones. */
async function templatedRun() {
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
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  await runner.events(grant, [{ seq: 1, type: 'step.started', stepId: 'tpl', iterationPath: '', attempt: 1 }]);
  return { executionId, grant };
}

const ask = (body: unknown, token = s.runnerToken) => s.request('POST', '/api/tools/git-credential', { token, body });
const bodyFor = (run: { executionId: string; attempt: number }, over: Record<string, unknown> = {}) => ({
  context: { executionId: run.executionId, stepId: 'fix', runnerId: runner.runnerId, leaseAttempt: run.attempt },
  integration: 'gh',
  url: `https://${host}/o/r.git`,
  ...over,
});

describe('POST /api/tools/git-credential', () => {
  it("gives the step's integration token for its https host, audited without the token", async () => {
    const run = await leasedRun();
    const res = await ask(bodyFor(run));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ username: 'x-access-token', password: GITHUB_TOKEN });
    const entry = auditActions(s).find((a) => a.action === 'git_credential.issued');
    expect(entry).toMatchObject({ target_id: 'gh' });
    expect(JSON.parse(entry!.details)).toMatchObject({ executionId: run.executionId, stepId: 'fix', host });
    expect(entry!.details).not.toContain(GITHUB_TOKEN);
  });

  it('refuses anything else, with a code, and audits the refusal', async () => {
    const run = await leasedRun();
    const cases: [Record<string, unknown>, string][] = [
      [{ integration: 'other-gh' }, 'integration_not_in_workspace'],
      [{ context: { ...bodyFor(run).context, stepId: 'plain' } }, 'integration_not_in_workspace'],
      [{ context: { ...bodyFor(run).context, stepId: 'mcp' }, integration: 'tools-mcp' }, 'integration_not_github'],
      [{ url: `http://${host}/o/r.git` }, 'url_not_allowed'],
      [{ url: 'https://evil.example.com/o/r.git' }, 'url_not_allowed'],
      [{ url: `https://user:pw@${host}/o/r.git` }, 'url_not_allowed'],
      [{ url: `ssh://git@${host}/o/r.git` }, 'url_not_allowed'],
      [{ url: 'not a url' }, 'url_not_allowed'],
      // Another repository on the same host: the step's written URL is the only one the token is for.
      [{ url: `https://${host}/o/private.git` }, 'url_not_in_workspace'],
      [{ context: { ...bodyFor(run).context, leaseAttempt: run.attempt + 1 } }, 'lease_not_held'],
    ];
    for (const [over, code] of cases) {
      const res = await ask(bodyFor(run, over));
      expect(res.status, JSON.stringify(over)).toBe(403);
      expect(res.body.error.code, JSON.stringify(over)).toBe(code);
      expect(JSON.stringify(res.body)).not.toContain(GITHUB_TOKEN);
    }
    expect(auditActions(s).filter((a) => a.action === 'git_credential.refused').length).toBeGreaterThanOrEqual(9);
    const person = await ask(bodyFor(run), s.token);
    expect(person.status).toBe(403);
    expect(person.body.error.code).toBe('wrong_credential');
    const bad = await ask({ ...bodyFor(run), extra: 1 });
    expect(bad.status).toBe(422);
    const badName = await ask(bodyFor(run, { integration: '../gh' }));
    expect(badName.status).toBe(422);
    expect(badName.body.error.message).toMatch(/integration/);
  });

  it('binds a templated URL to the repository each running step instance first resolved to: no token for another repo on the host', async () => {
    const definition = {
      name: `Templated ${Math.random()}`,
      inputs: { repo: { type: 'string', required: true } },
      steps: [
        { id: 'tpl', type: 'agent_prompt', prompt: 'Fix it', workspace: { git: { url: `https://${host}/o/{{ inputs.repo }}.git`, integration: 'gh' } } },
        {
          id: 'each',
          type: 'loop',
          over: ['app', 'private'],
          steps: [{ id: 'per', type: 'agent_prompt', prompt: 'Fix it', workspace: { git: { url: `https://${host}/o/{{ item }}.git`, integration: 'gh' } } }],
        },
      ],
    };
    const wf = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: { inputs: { repo: 'app' } } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const executionId = started.body.executionId as string;
    await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
    const grant = runner.grants.find((g) => g.executionId === executionId)!;
    const run = { executionId, attempt: grant.attempt };
    const templated = (url: string, stepId: string, iterationPath?: string) =>
      ask(bodyFor(run, { url, context: { ...bodyFor(run).context, stepId, ...(iterationPath === undefined ? {} : { iterationPath }) } }));

    // Before the runner reports the step started, no instance of it runs: nothing to bind.
    const early = await templated(`https://${host}/o/app.git`, 'tpl');
    expect(early.status).toBe(403);
    expect(early.body.error).toMatchObject({ code: 'step_instance_not_running', message: expect.stringContaining('context.iterationPath') });
    const ev = (seq: number, stepId: string, iterationPath: string) => ({ seq, type: 'step.started', stepId, iterationPath, attempt: 1 });
    expect(await runner.events(grant, [ev(1, 'tpl', '')])).toMatchObject({ type: 'ack' });

    expect((await templated(`https://${host}/o/app.git`, 'tpl')).status).toBe(200);
    // The same repository again (a retry, a new lease rebuilding the clone) is fine, spelled as a URL may be.
    expect((await templated(`https://${host.toUpperCase()}/o/app.git`, 'tpl')).status).toBe(200);
    const other = await templated(`https://${host}/o/private.git`, 'tpl');
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'url_not_in_workspace', message: expect.stringContaining(`resolved to https://${host}/o/app.git`) });
    expect(JSON.stringify(other.body)).not.toContain(GITHUB_TOKEN);
    // A made-up iteration of a step outside any foreach is no instance of it.
    const madeUp = await templated(`https://${host}/o/private.git`, 'tpl', '[7]');
    expect(madeUp.status).toBe(403);
    expect(madeUp.body.error.code).toBe('step_instance_not_running');

    // Each foreach iteration is its own instance, bound to the URL it renders once it runs.
    expect(await runner.events(grant, [ev(2, 'tpl', ''), ev(3, 'each', ''), ev(4, 'per', 'each[0]'), ev(5, 'per', 'each[1]')])).toMatchObject({ type: 'ack' });
    expect((await templated(`https://${host}/o/app.git`, 'per', 'each[0]')).status).toBe(200);
    expect((await templated(`https://${host}/o/private.git`, 'per', 'each[1]')).status).toBe(200);
    expect((await templated(`https://${host}/o/app.git`, 'per', 'each[1]')).status).toBe(403);
    // An iteration the loop does not have, or the loop step's own path for its inner step, is none.
    expect((await templated(`https://${host}/o/other.git`, 'per', 'each[2]')).body.error?.code).toBe('step_instance_not_running');
    expect((await templated(`https://${host}/o/other.git`, 'per', '')).body.error?.code).toBe('step_instance_not_running');
    // A finished instance runs no more.
    expect(await runner.events(grant, [{ seq: 6, type: 'step.succeeded', stepId: 'per', iterationPath: 'each[0]', attempt: 1, output: {} }])).toMatchObject({
      type: 'ack',
    });
    expect((await templated(`https://${host}/o/app.git`, 'per', 'each[0]')).body.error?.code).toBe('step_instance_not_running');
    expect(
      s.app.db.prepare('SELECT step_id, iteration_path, url FROM execution_git_repos WHERE execution_id = ? ORDER BY step_id, iteration_path').all(executionId),
    ).toEqual([
      { step_id: 'per', iteration_path: 'each[0]', url: `https://${host}/o/app.git` },
      { step_id: 'per', iteration_path: 'each[1]', url: `https://${host}/o/private.git` },
      { step_id: 'tpl', iteration_path: '', url: `https://${host}/o/app.git` },
    ]);
    const refused = auditActions(s)
      .filter((a) => a.action === 'git_credential.refused')
      .map((a) => JSON.parse(a.details));
    expect(refused).toContainEqual(expect.objectContaining({ executionId, stepId: 'tpl', code: 'url_not_in_workspace' }));
    expect(refused).toContainEqual(expect.objectContaining({ executionId, stepId: 'tpl', code: 'step_instance_not_running' }));
  });

  it("a templated URL binds only to a repository that fits the template's literal text: not to whatever the first request names on the host", async () => {
    const { executionId, grant } = await templatedRun();
    const ask = (url: string) =>
      s.request('POST', '/api/tools/git-credential', {
        token: s.runnerToken,
        body: { context: { executionId, stepId: 'tpl', iterationPath: '', runnerId: runner.runnerId, leaseAttempt: grant.attempt }, integration: 'gh', url },
      });
    for (const url of [`https://${host}/other-org/secrets.git`, `https://${host}/o/app`, `https://${host}/o.git`]) {
      const refused = await ask(url);
      expect(refused.status, url).toBe(403);
      expect(refused.body.error, url).toMatchObject({ code: 'url_not_in_workspace', message: expect.stringContaining('does not fit') });
      expect(JSON.stringify(refused.body)).not.toContain(GITHUB_TOKEN);
    }
    expect(s.app.db.prepare('SELECT COUNT(*) AS n FROM execution_git_repos WHERE execution_id = ?').get(executionId)).toEqual({ n: 0 });
    expect((await ask(`https://${host}/o/app.git`)).status).toBe(200);
    expect((await ask(`https://${host}/other-org/secrets.git`)).status).toBe(403);
  });

  it('fitsTemplate: the literal text before the first {{ and after the last }}, not overlapping', () => {
    const t = 'https://h/o/{{ inputs.repo }}-{{ item }}.git';
    expect(fitsTemplate(t, 'https://h/o/a-b.git')).toBe(true);
    expect(fitsTemplate(t, 'https://H/o/a-b.git')).toBe(true);
    expect(fitsTemplate(t, 'https://h/x/a-b.git')).toBe(false);
    expect(fitsTemplate(t, 'https://h/o/a-b.tar')).toBe(false);
    expect(fitsTemplate('https://h/o/{{ x }}/o/', 'https://h/o/')).toBe(false);
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (pre, mid, post) => fitsTemplate(`${pre}{{ x }}${post}`, `${pre}${mid}${post}`)));
  });

  it('a step outside any foreach cannot get a token for another repository by naming a made-up iteration', async () => {
    const { executionId, grant } = await templatedRun();
    const attempt = grant.attempt;
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

  it('never answers 500, nor gives the token, to any body', async () => {
    const run = await leasedRun();
    const base = bodyFor(run);
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            context: fc.oneof(fc.constant(base.context), fc.jsonValue(), fc.record({ executionId: fc.string(), stepId: fc.string() })),
            integration: fc.oneof(fc.constantFrom('gh', 'tools-mcp', 'nope'), fc.string(), fc.jsonValue()),
            url: fc.oneof(
              fc.webUrl(),
              fc.string(),
              fc.constantFrom(`https://${host}@evil.example.com/`, `https://${host}.evil.example.com/x`, `HTTPS://${host.toUpperCase()}/o/r`),
            ),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const res = await ask(body);
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          if (res.status === 200) {
            expect(body.integration).toBe('gh');
            expect(new URL(String(body.url)).host.toLowerCase()).toBe(host);
          } else expect(JSON.stringify(res.body)).not.toContain(GITHUB_TOKEN);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds the web host of GitHub and GitHub Enterprise', () => {
    expect(githubWebHost(undefined)).toBe('github.com');
    expect(githubWebHost('https://api.github.com')).toBe('github.com');
    expect(githubWebHost('https://ghe.example.com/api/v3')).toBe('ghe.example.com');
    expect(githubWebHost('https://api.acme.ghe.com')).toBe('acme.ghe.com');
  });
});
