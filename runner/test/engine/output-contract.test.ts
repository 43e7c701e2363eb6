import { STEP_CATALOGUE, type StepType } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testRegistry } from '../helpers/step-handlers';
import { runGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';
import { sendJson, startHttpServer } from '../helpers/http-server';

let server: Awaited<ReturnType<typeof startHttpServer>>;
beforeAll(async () => {
  server = await startHttpServer((_req, res) => sendJson(res, 200, { ok: true }));
});
afterAll(() => server.close());

/** Every output the runner reports must satisfy the catalogue's `outputSchema` for its step type. */
describe('step outputs match the shared catalogue', () => {
  it('bash, notify, http, conditional, loop and wait', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    try {
      const { sink } = await runGrant(
        workflow([
          { id: 'shell', type: 'bash', command: 'echo hi' },
          { id: 'tell', type: 'notify', message: 'hi' },
          { id: 'call', type: 'http', method: 'GET', url: `${server.url}/x` },
          { id: 'pick', type: 'conditional', condition: 'true', then: [{ id: 'inner', type: 'bash', command: 'true' }] },
          { id: 'each', type: 'loop', over: [1], steps: [{ id: 'body', type: 'bash', command: 'true' }] },
          { id: 'pause', type: 'wait', until: '2020-01-01T00:00:00Z' },
        ]),
        { registry: testRegistry() },
      );
      const types: Record<string, StepType> = {
        shell: 'bash',
        tell: 'notify',
        call: 'http',
        pick: 'conditional',
        each: 'loop',
        pause: 'wait',
        inner: 'bash',
        body: 'bash',
      };
      const succeeded = sink.ofType('step.succeeded');
      expect(succeeded).toHaveLength(8);
      for (const event of succeeded) {
        const type = types[event.stepId];
        if (!type) throw new Error(`unexpected step ${event.stepId}`);
        const parsed = STEP_CATALOGUE[type].outputSchema.safeParse(event.output);
        expect(parsed.success, `${event.stepId}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
    } finally {
      vi.useRealTimers();
    }
  });
});
