import { describe, expect, it } from 'vitest';
import { createHealthMonitor, type Timers } from '../src/integrations/health';
import { GITHUB_TOKEN, startFakeGithub } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { startServer } from './helpers/server';

function manualTimers() {
  const callbacks = new Map<number, () => void>();
  let next = 0;
  const timers: Timers = {
    setInterval: (fn) => {
      callbacks.set(++next, fn);
      return next;
    },
    clearInterval: (h) => void callbacks.delete(h as number),
  };
  return {
    timers,
    fire: () => {
      for (const fn of callbacks.values()) fn();
    },
    get armed() {
      return callbacks.size;
    },
  };
}

describe('health monitor', () => {
  it('checks once at start, then on every interval; never two rounds at once; stop waits for the round', async () => {
    const clock = manualTimers();
    let rounds = 0;
    let release: (() => void) | null = null;
    const monitor = createHealthMonitor({
      intervalMs: 1000,
      timers: clock.timers,
      checkAll: () => {
        rounds++;
        return new Promise<void>((r) => (release = r));
      },
    });
    monitor.start();
    expect(rounds).toBe(1);
    clock.fire();
    clock.fire();
    expect(rounds).toBe(1); // the first round is still running
    release!();
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    clock.fire();
    expect(rounds).toBe(2);
    const stopped = monitor.stop();
    expect(clock.armed).toBe(0);
    release!();
    await stopped;
    clock.fire();
    expect(rounds).toBe(2);
  });

  it('a failing round is reported and the next one still runs', async () => {
    const clock = manualTimers();
    const errors: unknown[] = [];
    let rounds = 0;
    const monitor = createHealthMonitor({
      intervalMs: 1000,
      timers: clock.timers,
      onError: (e) => errors.push(e),
      checkAll: async () => {
        if (rounds++ === 0) throw new Error('boom');
      },
    });
    monitor.start();
    await monitor.tick();
    expect(errors).toEqual([expect.objectContaining({ message: 'boom' })]);
    await new Promise((r) => setImmediate(r));
    clock.fire();
    await monitor.tick();
    expect(rounds).toBe(2);
    expect(errors).toHaveLength(1);
    await monitor.stop();
  });

  it('a running server re-checks periodically and journals status changes', async () => {
    const github = await startFakeGithub();
    const s = await startServer({ config: { integrationCheckMs: 150 } });
    try {
      await s.request('POST', '/api/integrations', {
        body: { provider: 'github', name: 'gh', config: { apiBaseUrl: github.url }, credentials: { token: GITHUB_TOKEN } },
      });
      await waitUntil(async () => (await s.request('GET', '/api/integrations/gh')).body.status === 'ready', 10_000, 'ready');
      github.mode = 'broken';
      await waitUntil(async () => (await s.request('GET', '/api/integrations/gh')).body.status === 'degraded', 10_000, 'degraded by a periodic check');
      github.mode = 'ok';
      await waitUntil(async () => (await s.request('GET', '/api/integrations/gh')).body.status === 'ready', 10_000, 'ready again');
      const events = (await s.request('GET', '/api/events?topic=integrations&limit=1000')).body.events;
      expect(events.map((e: any) => `${e.type}:${e.data.status}`)).toEqual(
        expect.arrayContaining(['integration.updated:degraded', 'integration.updated:ready']),
      );
    } finally {
      await s.close();
      await github.close();
    }
  });
});
