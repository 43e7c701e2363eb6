import { afterAll, beforeEach } from 'vitest';
import type { FakeAnthropic } from './fake-anthropic';
import type { RunnerProcess } from './runner-process';
import type { TestServer } from './server';

/**
 * The hooks of a test file that runs agents on a real server and runner against a fake model:
 * each test starts with an empty request log; after the file the runner is killed, then the server
 * and the fake are closed. `stack` is read when a hook runs, since the file assigns (and may
 * replace) them in its own `beforeAll`.
 */
export function agentStackHooks(stack: () => { fake: FakeAnthropic; s: TestServer; r: RunnerProcess }): void {
  afterAll(async () => {
    const { fake, s, r } = stack();
    await r.kill('SIGKILL');
    await s.close();
    await fake.close();
  });
  beforeEach(() => {
    stack().fake.requests.length = 0;
  });
}
