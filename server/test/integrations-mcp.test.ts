import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpEffect, mcpProvider } from '../src/integrations/providers/mcp';
import { startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

const STDIO_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/mcp-stdio-server.mjs');
const FIXTURE_TOKEN = 'fixture-secret-token-value-42';
const HTTP_BEARER = 'mcp-http-bearer-secret-0123456789';

let s: TestServer;
let runner: RunnerProcess;
let http: FakeMcpHttp;
const dataDir = makeDataDir();

beforeAll(async () => {
  http = await startFakeMcpHttp({ bearer: HTTP_BEARER });
  s = await startServer({ dataDir, env: { WEFT_TOKEN: 'integrations-mcp-token-0123456789' }, config: { engineTickMs: 50 } });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir });
});
afterAll(async () => {
  await runner.kill('SIGKILL');
  await s.close();
  await http.close();
});

async function until(name: string, status: string) {
  let body: any;
  await waitUntil(
    async () => {
      body = (await s.request('GET', `/api/integrations/${name}`)).body;
      return body.status === status;
    },
    15_000,
    `${name} to be ${status} (last ${JSON.stringify(body?.status)}: ${body?.statusReason})`,
  );
  return body;
}

async function runToEnd(definition: unknown) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  let ex: any;
  await waitUntil(
    async () => {
      ex = (await s.request('GET', `/api/executions/${run.body.executionId}`)).body;
      return ['succeeded', 'failed', 'canceled'].includes(ex.status);
    },
    30_000,
    'execution to finish',
  );
  return ex;
}

describe('MCP over stdio', () => {
  beforeAll(async () => {
    const res = await s.request('POST', '/api/integrations', {
      body: { provider: 'mcp', name: 'local', config: { command: process.execPath, args: [STDIO_SERVER] }, credentials: { env: { FIXTURE_TOKEN } } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.credentialFields).toEqual(['env.FIXTURE_TOKEN']);
  });

  it('connects, lists the server tools as <name>:<tool> with their JSON Schemas', async () => {
    const view = await until('local', 'ready');
    expect(view.capabilities).toEqual(['echo', 'add', 'fail', 'env_check']);
    expect(view.tools).toEqual(['local:echo', 'local:add', 'local:fail', 'local:env_check']);
    const tools = (await s.request('GET', '/api/tools?context=workflow')).body.tools;
    const add = tools.find((t: any) => t.name === 'local:add');
    expect(add).toMatchObject({
      inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      allowedInWorkflows: true,
    });
    expect(add.inputSchema.$schema).toBeUndefined();
  });

  it('calls tools through /api/tools/call; arguments are checked against the JSON Schema; tool errors are 422', async () => {
    const sum = await s.request('POST', '/api/tools/call', { body: { name: 'local:add', arguments: { a: 2, b: 40 } } });
    expect(sum.body).toEqual({ ok: true, result: { content: [{ type: 'text', text: '42' }], structuredContent: { sum: 42 } } });
    const bad = await s.request('POST', '/api/tools/call', { body: { name: 'local:add', arguments: { a: 'two' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_arguments');
    expect(bad.body.error.details.errors.map((e: any) => e.path).sort()).toEqual(['a', 'b']);
    const failing = await s.request('POST', '/api/tools/call', { body: { name: 'local:fail', arguments: {} } });
    expect(failing.status).toBe(422);
    expect(failing.body.error).toMatchObject({ code: 'integration_rejected', message: expect.stringContaining('this tool always fails') });
    const env = await s.request('POST', '/api/tools/call', { body: { name: 'local:env_check', arguments: {} } });
    expect(env.body.result.structuredContent).toEqual({ tokenPresent: true, tokenLength: FIXTURE_TOKEN.length, pid: expect.any(Number) });
  });

  it('a tool step calls it through a real runner; templates render and the output is the tool result', async () => {
    const ex = await runToEnd({
      name: 'MCP tool step',
      requires: ['local'],
      steps: [
        { id: 'sum', type: 'tool', tool: 'local:add', arguments: { a: 20, b: 22 } },
        { id: 'say', type: 'tool', tool: 'local:echo', arguments: { text: 'sum is {{ steps.sum.output.structuredContent.sum }}' } },
      ],
    });
    expect(ex.status, JSON.stringify(ex)).toBe('succeeded');
    expect(ex.steps.find((st: any) => st.stepId === 'sum').output).toEqual({ content: [{ type: 'text', text: '42' }], structuredContent: { sum: 42 } });
    expect(ex.steps.find((st: any) => st.stepId === 'say').output.structuredContent).toEqual({ text: 'sum is 42' });
  });

  it('a tool step with arguments the schema refuses at run time fails without retrying', async () => {
    const ex = await runToEnd({
      name: 'MCP bad args',
      steps: [
        { id: 'seed', type: 'tool', tool: 'workflows:list_workflows' },
        { id: 'sum', type: 'tool', tool: 'local:add', arguments: { a: '{{ steps.seed.output[0].name }}', b: 1 }, retry: { maxAttempts: 3, backoffSeconds: 0 } },
      ],
    });
    expect(ex.status).toBe('failed');
    const attempts = ex.steps.filter((st: any) => st.stepId === 'sum');
    expect(attempts).toHaveLength(1);
    expect(attempts[0].error).toMatchObject({ code: 'invalid_arguments', message: expect.stringContaining('a:') });
  });

  it('save-time: arguments are checked when the integration is connected; templates are left to the run', async () => {
    const bad = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'x', steps: [{ id: 'a', type: 'tool', tool: 'local:add', arguments: { a: 'one' } }] } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_definition');
    expect(bad.body.error.details.errors).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].arguments.a', message: expect.any(String) },
        { path: 'steps[0].arguments.b', message: 'required' },
      ]),
    );
    const unknown = await s.request('POST', '/api/workflows', { body: { definition: { name: 'x', steps: [{ id: 'a', type: 'tool', tool: 'local:nope' }] } } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toMatch(/steps\[0\]\.tool: unknown tool "local:nope"/);
    const selfMutating = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'x', steps: [{ id: 'a', type: 'tool', tool: 'workflows:delete_workflow', arguments: { id: 'wf_1' } }] } },
    });
    expect(selfMutating.status).toBe(422);
    const templated = await s.request('POST', '/api/workflows', {
      body: {
        definition: {
          name: 'x',
          inputs: { n: { type: 'number', default: 1 } },
          steps: [{ id: 'a', type: 'tool', tool: 'local:add', arguments: { a: '{{ inputs.n }}', b: 2 } }],
        },
      },
    });
    expect(templated.status, JSON.stringify(templated.body)).toBe(201);
    const notConnected = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'x', steps: [{ id: 'a', type: 'tool', tool: 'elsewhere:anything', arguments: { any: 1 } }] } },
    });
    expect(notConnected.status).toBe(201);
    const validate = await s.request('POST', '/api/workflows/validate', {
      body: { definition: { name: 'x', steps: [{ id: 'a', type: 'tool', tool: 'local:add', arguments: { a: 1 } }] } },
    });
    expect(validate.body).toEqual({ ok: false, errors: [{ path: 'steps[0].arguments.b', message: 'required' }] });
  });

  it('reconnects after the server process dies', async () => {
    const before = (await s.request('POST', '/api/tools/call', { body: { name: 'local:env_check', arguments: {} } })).body.result.structuredContent
      .pid as number;
    process.kill(before, 'SIGKILL');
    let after: number | undefined;
    await waitUntil(
      async () => {
        const res = await s.request('POST', '/api/tools/call', { body: { name: 'local:env_check', arguments: {} } });
        after = res.status === 200 ? res.body.result.structuredContent.pid : undefined;
        return after !== undefined;
      },
      15_000,
      'a reconnect',
    );
    expect(after).not.toBe(before);
  });
});

describe('MCP over streamable HTTP', () => {
  it('connects with the bearer header from the credentials; a wrong one is an error', async () => {
    const res = await s.request('POST', '/api/integrations', {
      body: { provider: 'mcp', name: 'remote', config: { url: http.url }, credentials: { headers: { authorization: `Bearer ${HTTP_BEARER}` } } },
    });
    expect(res.status).toBe(201);
    const view = await until('remote', 'ready');
    expect(view.tools).toEqual(['remote:greet', 'remote:multiply', 'remote:erase', 'remote:label']);
    const product = await s.request('POST', '/api/tools/call', { body: { name: 'remote:multiply', arguments: { a: 6, b: 7 } } });
    expect(product.body.result.structuredContent).toEqual({ product: 42 });

    const ex = await runToEnd({
      name: 'Remote greet',
      requires: ['remote'],
      steps: [{ id: 'hi', type: 'tool', tool: 'remote:greet', arguments: { name: 'Ada' } }],
    });
    expect(ex.status).toBe('succeeded');
    expect(ex.steps[0].output.structuredContent).toEqual({ greeting: 'hello Ada' });

    const wrong = await s.request('POST', '/api/integrations', {
      body: { provider: 'mcp', name: 'remote-bad', config: { url: http.url }, credentials: { headers: { authorization: 'Bearer nope' } } },
    });
    expect(wrong.status).toBe(201);
    const failed = await until('remote-bad', 'error');
    expect(failed.statusReason).toMatch(/rejected the credentials|401/);
    expect(failed.tools).toEqual([]);
  });

  it('its tools are destructive unless the server marks them readOnlyHint: a workflow waits for a person before erase', async () => {
    const effects = Object.fromEntries(
      (await s.request('GET', '/api/tools')).body.tools.filter((t: any) => t.name.startsWith('remote:')).map((t: any) => [t.name, t.effect]),
    );
    // greet and multiply say readOnlyHint: true; erase says nothing; label says "not read-only, not destructive".
    expect(effects).toEqual({ 'remote:greet': 'read', 'remote:multiply': 'read', 'remote:erase': 'destructive', 'remote:label': 'destructive' });
    const wf = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Erase', requires: ['remote'], steps: [{ id: 'erase', type: 'tool', tool: 'remote:erase', arguments: { id: 'r1' } }] } },
    });
    const executionId = (await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} })).body.executionId;
    let card: any;
    await waitUntil(
      async () => {
        card = (await s.request('GET', '/api/approvals?status=pending')).body.approvals.find((a: any) => a.kind === 'tool' && a.tool.name === 'remote:erase');
        return card !== undefined;
      },
      20_000,
      'the approval card',
    );
    expect(card).toMatchObject({
      tool: { arguments: { id: 'r1' } },
      message: expect.stringContaining(`Execution ${executionId} (step erase) wants to run remote:erase`),
    });
    expect(http.calls).toEqual([]);
    await s.request('POST', `/api/approvals/${card.id}/decision`, { body: { decision: 'approve' } });
    let ex: any;
    await waitUntil(
      async () => {
        ex = (await s.request('GET', `/api/executions/${executionId}`)).body;
        return ex.status === 'succeeded' || ex.status === 'failed';
      },
      20_000,
      'the run',
    );
    expect(ex.status).toBe('succeeded');
    expect(http.calls).toEqual(['erase r1']);
  });

  it('tools remembered from before effects were recorded count as destructive until the server lists them again', () => {
    const connection = mcpProvider.connect({
      name: 'old',
      config: { url: 'http://127.0.0.1:1/mcp' },
      credentials: undefined,
      known: [{ name: 'wipe', description: 'old record', destructive: false } as never, { name: 'look', description: 'read one', effect: 'read' }],
      onOperationsChanged: () => {},
    });
    expect(connection.operations().map((o) => [o.name, o.effect])).toEqual([
      ['wipe', 'destructive'],
      ['look', 'read'],
    ]);
    expect(mcpEffect(undefined)).toBe('destructive');
    expect(mcpEffect({ readOnlyHint: false })).toBe('destructive');
    expect(mcpEffect({ readOnlyHint: true })).toBe('read');
  });

  it('an unreachable server is an error', async () => {
    await s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'nowhere', config: { url: 'http://127.0.0.1:1/mcp', timeoutMs: 2000 } } });
    const view = await until('nowhere', 'error');
    expect(view.statusReason).toBeTruthy();
  });
});
