import { FIX_VALUE_MAX_CHARS } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn, type FakeAnthropic } from './helpers/fake-anthropic';
import { newChat, runToEnd, say, scratchDir } from './helpers/fixes';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { startServer, type TestServer } from './helpers/server';

/** Review of "Fix with the assistant": failing tests that show two bugs (see the review report). */

let fake: FakeAnthropic;
let s: TestServer;
let runner: RunnerProcess;
beforeAll(async () => {
  fake = await startFakeAnthropic();
  s = await startServer({ env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url, WEFT_MODEL: 'claude-a' } });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir: s.dataDir });
});
afterAll(async () => {
  await runner.kill();
  await s.close();
  await fake.close();
});

const answer = (body: unknown) => ({ kind: 'stream' as const, events: textTurn(JSON.stringify(body), { chunks: 3 }) });

const broken = (dir: string, field: string, extra: Record<string, unknown>[] = []) => ({
  name: 'Disk check',
  inputs: { host: { type: 'string', required: true } },
  steps: [
    { id: 'measure', type: 'bash', command: `echo ran >> ${dir}/measure.count; echo 91` },
    { id: 'check', type: 'bash', command: '[ -n "$USED" ] || exit 2; echo "$USED"', env: { USED: `{{ steps.measure.output.${field} }}` } },
    ...extra,
  ],
});

describe('fix review', () => {
  it('applying a fix of a run of an older version keeps the changes saved since (no silent revert)', async () => {
    const dir = scratchDir();
    const chat = await newChat(s);
    const { workflowId, run } = await runToEnd(s, broken(dir, 'stdot'), chat.id);
    expect(run.status).toBe('failed');
    // Someone else saves version 2 after the run: a step `notify_ops` is added.
    const v2 = broken(dir, 'stdot', [{ id: 'notify_ops', type: 'bash', command: 'echo ops' }]);
    const saved = await s.request('PUT', `/api/workflows/${workflowId}`, { body: { definition: v2, baseVersion: 1 } });
    expect(saved.status).toBe(200);
    // The model is shown the run's version 1 and answers a fixed version 1.
    fake.setScript([answer({ diagnosis: 'wrong field', summary: 'read stdout', definition: broken(dir, 'stdout') })]);
    const fixId = (await say(s, chat.id, `/fix ${run.id}`)).parts.find((p) => p.type === 'fix').fixId;
    const applied = await s.request('POST', `/api/fixes/${fixId}/apply`);
    // Either refused (the fix was made against version 1) or applied on top of version 2: never a revert of version 2.
    if (applied.status === 200) {
      const latest = (await s.request('GET', `/api/workflows/${workflowId}`)).body;
      expect(latest.definition.steps.map((st: any) => st.id)).toContain('notify_ops');
    } else {
      expect(applied.status).toBe(409);
    }
  });

  it("cuts a fix context's log lines (a step that prints one long line)", async () => {
    const chat = await newChat(s);
    const { run } = await runToEnd(
      s,
      {
        name: 'Long line',
        inputs: { host: { type: 'string' } },
        steps: [{ id: 'big', type: 'bash', command: "head -c 300000 /dev/zero | tr '\\0' x; exit 3" }],
      },
      chat.id,
    );
    expect(run.status).toBe('failed');
    fake.setScript([answer({ diagnosis: 'it exits 3' })]);
    const fixId = (await say(s, chat.id, `/fix ${run.id}`)).parts.find((p) => p.type === 'fix').fixId;
    const fix = (await s.request('GET', `/api/fixes/${fixId}`)).body;
    const longest = Math.max(0, ...fix.context.logTail.map((l: string) => l.length));
    expect(longest).toBeLessThanOrEqual(FIX_VALUE_MAX_CHARS);
  });
});
