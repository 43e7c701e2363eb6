import { Writable } from 'node:stream';
import { prettyLogLine } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { buildServer } from '../src/server';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir } from './helpers/server';

/** Server and runner logs of a real run: JSON lines carrying the run's ids, or readable lines with WEFT_LOG_FORMAT=pretty. */
function captured() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function startLogged(format: 'json' | 'pretty') {
  const log = captured();
  const dataDir = makeDataDir();
  const config = loadConfig({ PORT: '0', WEFT_DATA_DIR: dataDir, WEFT_LOG_LEVEL: 'info', WEFT_LOG_FORMAT: format });
  const app = await buildServer({ config, logStream: log.stream });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const runner = startRunner({ url, token: app.auth.runnerToken, dataDir, env: { WEFT_LOG_LEVEL: 'debug', WEFT_LOG_FORMAT: format } });
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${app.auth.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const definition = {
    name: 'Logged',
    steps: [
      { id: 'fine', type: 'bash', command: 'echo fine' },
      { id: 'broken', type: 'bash', command: 'exit 3' },
    ],
  };
  const workflowId = (await request('POST', '/api/workflows', { definition })).body.id;
  const executionId = (await request('POST', `/api/workflows/${workflowId}/run`, {})).body.executionId as string;
  const finished = async () => ['succeeded', 'failed', 'canceled'].includes((await request('GET', `/api/executions/${executionId}`)).body.status);
  await waitUntil(finished, 30_000, 'the run to finish');
  return {
    executionId,
    serverLog: log.text,
    runnerLog: () => runner.output(),
    async close(r: RunnerProcess = runner) {
      await r.kill();
      await app.close();
    },
  };
}

describe('logs', () => {
  let run: Awaited<ReturnType<typeof startLogged>>;
  beforeAll(async () => {
    run = await startLogged('json');
  }, 60_000);
  afterAll(async () => run.close());

  it('a run writes JSON lines with executionId, and stepId where a step is concerned, in server and runner, in one shape', async () => {
    await waitUntil(() => run.runnerLog().includes('"step failed"'), 20_000, 'the runner to log the failed step');
    const lines = (text: string) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const server = lines(run.serverLog()).filter((l) => l.executionId === run.executionId);
    expect(server.map((l) => l.msg)).toEqual(expect.arrayContaining(['execution started', 'execution finished']));
    expect(server.find((l) => l.msg === 'execution finished')).toMatchObject({ status: 'failed', level: 40 });

    const runner = lines(run.runnerLog()).filter((l) => l.executionId === run.executionId);
    const steps = runner.filter((l) => typeof l.stepId === 'string');
    expect(steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'step started', stepId: 'fine', level: 20 }),
        expect.objectContaining({ msg: 'step succeeded', stepId: 'fine' }),
        expect.objectContaining({ msg: 'step failed', stepId: 'broken', level: 40 }),
      ]),
    );
    // Both processes write pino's shape: numeric level, epoch-millisecond time.
    for (const line of [...server, ...runner]) {
      expect(typeof line.level).toBe('number');
      expect(typeof line.time).toBe('number');
      expect(Math.abs((line.time as number) - Date.now())).toBeLessThan(10 * 60_000);
    }
    expect(runner.map((l) => l.msg)).toEqual(expect.arrayContaining(['execution started', 'execution ended']));
  }, 60_000);
});

describe('WEFT_LOG_FORMAT=pretty', () => {
  it('writes one readable line per event, not JSON, with the message and the ids', async () => {
    const run = await startLogged('pretty');
    try {
      await waitUntil(() => run.runnerLog().includes('step failed'), 20_000, 'the runner to log the failed step');
      for (const text of [run.serverLog(), run.runnerLog()]) {
        for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).toThrow();
      }
      expect(run.serverLog()).toMatch(new RegExp(`WARN +execution finished .*executionId=${run.executionId}.*status=failed`));
      expect(run.runnerLog()).toMatch(new RegExp(`WARN +runner step failed executionId=${run.executionId} stepId=broken`));
    } finally {
      await run.close();
    }
  }, 60_000);

  it('keeps every field, quoting what has spaces and keeping stacks on the line', () => {
    const line = prettyLogLine({
      level: 50,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      pid: 1,
      msg: 'it broke',
      executionId: 'ex_1',
      err: { message: 'a\nb' },
      note: 'two words',
    });
    expect(line).toBe('03:04:05.006 ERROR it broke executionId=ex_1 err={"message":"a\\nb"} note="two words"');
  });
});
