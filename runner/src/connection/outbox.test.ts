import type { RunnerClientMessage } from '@weft/shared';
import { describe, expect, it, vi } from 'vitest';
import { flushPromises } from '../../test/helpers/wait-for';
import { silentLogger } from '../log';
import { Outbox } from './outbox';

type EventsFrame = Extract<RunnerClientMessage, { type: 'events' }>;

function setup({ maxFrameBytes }: { maxFrameBytes?: number } = {}) {
  const sent: EventsFrame[] = [];
  let connected = true;
  const queued: (() => void)[] = [];
  const onLeaseLost = vi.fn();
  const outbox = new Outbox({
    send: (frame) => {
      if (!connected) return false;
      sent.push(frame);
      return true;
    },
    onLeaseLost,
    log: silentLogger,
    schedule: (flush) => queued.push(flush),
    ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
  });
  const tick = () => {
    for (const flush of queued.splice(0)) flush();
  };
  const seqs = () => sent.map((frame) => frame.events.map((event) => event.seq));
  return { outbox, sent, tick, seqs, onLeaseLost, setConnected: (value: boolean) => (connected = value) };
}

const lease = { executionId: 'exe_1', attempt: 1 };
const started = (stepId: string) => ({ type: 'step.started' as const, stepId, iterationPath: '', attempt: 1 });

describe('Outbox', () => {
  it('numbers events per lease from 1 and batches one tick into one frame', () => {
    const { outbox, sent, tick, seqs } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    outbox.emit(lease, started('b'));
    outbox.emit({ executionId: 'exe_2', attempt: 4 }, started('c'));
    expect(sent).toHaveLength(0);
    tick();
    expect(seqs()).toEqual([[1, 2], [1]]);
    expect(sent[1]).toMatchObject({ executionId: 'exe_2', attempt: 4 });
    outbox.emit(lease, started('d'));
    tick();
    expect(seqs()[2]).toEqual([3]);
  });

  it('caps frames at 500 events', () => {
    const { outbox, tick, seqs } = setup();
    outbox.setOnline();
    for (let i = 0; i < 1203; i++) outbox.emit(lease, started('a'));
    tick();
    expect(seqs().map((frame) => frame.length)).toEqual([500, 500, 203]);
    expect(seqs()[2]?.[0]).toBe(1001);
  });

  it('keeps frames under the byte budget unless one event alone is larger', () => {
    const { outbox, tick, seqs } = setup({ maxFrameBytes: 450 });
    outbox.setOnline();
    const log = (text: string) => ({ type: 'step.log' as const, stepId: 'a', iterationPath: '', attempt: 1, stream: 'stdout' as const, text });
    outbox.emit(lease, log('x'.repeat(100)));
    outbox.emit(lease, log('x'.repeat(100)));
    outbox.emit(lease, log('x'.repeat(500)));
    outbox.emit(lease, log('y'));
    tick();
    expect(seqs()).toEqual([[1, 2], [3], [4]]);
  });

  it('keeps events until acknowledged and resends the rest in order after a reconnect', () => {
    const { outbox, sent, tick, seqs, setConnected } = setup();
    outbox.setOnline();
    for (const id of ['a', 'b', 'c']) outbox.emit(lease, started(id));
    tick();
    outbox.ack({ ...lease, seq: 1 });
    expect(outbox.unacknowledged).toBe(2);
    setConnected(false);
    outbox.setOffline();
    outbox.emit(lease, started('d'));
    tick();
    expect(sent).toHaveLength(1);
    setConnected(true);
    outbox.setOnline();
    expect(seqs()[1]).toEqual([2, 3, 4]);
    outbox.ack({ ...lease, seq: 4 });
    expect(outbox.unacknowledged).toBe(0);
  });

  it('a send that fails holds everything until the next handshake', () => {
    const { outbox, tick, seqs, setConnected } = setup();
    outbox.setOnline();
    setConnected(false);
    outbox.emit(lease, started('a'));
    tick();
    setConnected(true);
    outbox.emit(lease, started('b'));
    tick();
    expect(seqs()).toEqual([]);
    outbox.setOnline();
    expect(seqs()).toEqual([[1, 2]]);
  });

  it('resends from the lowest unacknowledged seq on seq_gap', () => {
    const { outbox, tick, seqs } = setup();
    outbox.setOnline();
    for (const id of ['a', 'b', 'c']) outbox.emit(lease, started(id));
    tick();
    outbox.ack({ ...lease, seq: 1 });
    outbox.reject({ ...lease, code: 'seq_gap', message: 'gap' });
    tick();
    expect(seqs()).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
  });

  it('stops resending after repeated seq gaps without progress', () => {
    const { outbox, tick, seqs } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    tick();
    for (let i = 0; i < 6; i++) {
      outbox.reject({ ...lease, code: 'seq_gap', message: 'gap' });
      tick();
    }
    expect(seqs()).toHaveLength(4);
  });

  it('drops a lease refused as stale, tells the engine, and ignores its later events', () => {
    const { outbox, tick, seqs, onLeaseLost } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    tick();
    outbox.reject({ ...lease, code: 'stale_lease', message: 'not yours' });
    expect(onLeaseLost).toHaveBeenCalledWith(lease, 'stale_lease: not yours');
    expect(outbox.unacknowledged).toBe(0);
    expect(outbox.leases()).toEqual([]);
    outbox.emit(lease, started('b'));
    tick();
    expect(seqs()).toEqual([[1]]);
  });

  it('treats execution_finished like a stale lease', () => {
    const { outbox, onLeaseLost } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    outbox.reject({ ...lease, code: 'execution_finished', message: 'done' });
    expect(onLeaseLost).toHaveBeenCalledTimes(1);
  });

  it('stops an execution whose batch was refused for passing an approval gate, instead of sending it again', () => {
    const { outbox, tick, seqs, onLeaseLost } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    tick();
    outbox.reject({ ...lease, code: 'approval_refused', message: 'only the server resolves approval step confirm' });
    expect(onLeaseLost).toHaveBeenCalledWith(lease, 'approval_refused: only the server resolves approval step confirm');
    expect(outbox.unacknowledged).toBe(0);
    tick();
    expect(seqs()).toEqual([[1]]);
  });

  it('forgets a closed lease once everything is acknowledged, and reports drained', async () => {
    const { outbox, tick } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    tick();
    outbox.close(lease);
    expect(outbox.leases()).toEqual([lease]);
    const drained = outbox.whenDrained(1000);
    outbox.ack({ ...lease, seq: 1 });
    await expect(drained).resolves.toBe(true);
    expect(outbox.leases()).toEqual([]);
  });

  it('drops invalid events instead of poisoning the frame', () => {
    const { outbox, tick, seqs } = setup();
    outbox.setOnline();
    outbox.emit(lease, { type: 'step.started', stepId: 'Not Valid', iterationPath: '', attempt: 1 });
    outbox.emit(lease, started('ok'));
    tick();
    expect(seqs()).toEqual([[1]]);
  });
});

describe('Outbox: events too large to send', () => {
  function small() {
    const sent: EventsFrame[] = [];
    const queued: (() => void)[] = [];
    const warnings: { message: string; fields: unknown }[] = [];
    const outbox = new Outbox({
      send: (frame) => {
        sent.push(frame);
        return true;
      },
      onLeaseLost: vi.fn(),
      log: { ...silentLogger, warn: (message: string, fields?: unknown) => warnings.push({ message, fields }) },
      schedule: (flush) => queued.push(flush),
      maxEventBytes: 4096,
    });
    const tick = () => {
      for (const flush of queued.splice(0)) flush();
    };
    return { outbox, sent, tick, warnings };
  }
  const big = 'x'.repeat(10_000);

  it('replaces a workspace snapshot over the limit by a stderr note, numbered in its place', () => {
    const { outbox, sent, tick, warnings } = small();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    outbox.emit(lease, { type: 'workspace.snapshot', stepId: 'a', iterationPath: '', attempt: 1, key: 'w', baseCommit: null, changedFiles: [], diff: big });
    outbox.emit(lease, started('b'));
    tick();
    const events = sent.flatMap((f) => f.events);
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'step.started'],
      [2, 'step.log'],
      [3, 'step.started'],
    ]);
    expect(events[1]).toMatchObject({ stream: 'stderr', stepId: 'a', text: expect.stringMatching(/workspace\.snapshot event of .* MiB is over/) });
    expect(JSON.stringify(events).length).toBeLessThan(4096);
    expect(warnings[0]).toMatchObject({ message: 'an event too large to send was replaced' });
  });

  it('drops a checkpoint over the limit with a warning; a step result over it becomes a failure saying why', () => {
    const { outbox, sent, tick, warnings } = small();
    outbox.setOnline();
    outbox.emit(lease, { type: 'step.checkpoint', stepId: 'a', iterationPath: '', attempt: 1, state: { big } });
    outbox.emit(lease, { type: 'step.succeeded', stepId: 'a', iterationPath: '', attempt: 1, output: big });
    tick();
    const events = sent.flatMap((f) => f.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ seq: 1, type: 'step.failed', error: { code: 'event_too_large' } });
    expect(warnings.map((w) => w.message)).toEqual(['an event too large to send was dropped', 'an event too large to send was replaced']);
  });
});

describe('Outbox: waiting for acknowledgements', () => {
  it('resolves once the server acknowledged every event the lease emitted before the call, not an earlier one', async () => {
    const { outbox, tick } = setup();
    outbox.setOnline();
    expect(await outbox.whenAcked(lease)).toBe(true); // nothing emitted
    outbox.emit(lease, started('a'));
    outbox.emit(lease, started('b'));
    tick();
    let acked: boolean | undefined;
    void outbox.whenAcked(lease).then((value) => (acked = value));
    outbox.emit(lease, started('c')); // emitted after the call: not waited for
    outbox.ack({ ...lease, seq: 1 });
    await flushPromises();
    expect(acked).toBeUndefined();
    outbox.ack({ ...lease, seq: 2 });
    await flushPromises();
    expect(acked).toBe(true);
    // Another lease's stream is its own.
    expect(await outbox.whenAcked({ executionId: 'exe_2', attempt: 1 })).toBe(true);
  });

  it('answers false when the lease is dropped, and rejects with the reason when the signal aborts', async () => {
    const { outbox, tick } = setup();
    outbox.setOnline();
    outbox.emit(lease, started('a'));
    tick();
    const controller = new AbortController();
    const aborted = outbox.whenAcked(lease, controller.signal);
    const dropped = outbox.whenAcked(lease);
    controller.abort(new Error('step canceled'));
    await expect(aborted).rejects.toThrow('step canceled');
    outbox.reject({ ...lease, code: 'stale_lease', message: 'gone' });
    expect(await dropped).toBe(false);
    expect(await outbox.whenAcked(lease)).toBe(false);
  });
});
