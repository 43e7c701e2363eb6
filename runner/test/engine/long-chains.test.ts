import { describe, expect, it } from 'vitest';
import { startGrant } from '../helpers/engine-harness';
import { workflow } from '../helpers/grants';

describe('engine: a long chain of steps that finish at once', () => {
  it('gives the event loop turns while it runs, and still runs every step once, in order', async () => {
    // `wait` until an instant already past: each step completes without I/O, on microtasks alone.
    const steps = Array.from({ length: 3000 }, (_, i) => ({ id: `s${i}`, type: 'wait', until: '2000-01-01T00:00:00Z' }));
    const started = startGrant(workflow(steps));
    // Events emitted by the time each turn of the loop came: more than one turn before the end
    // means frames could leave (and heartbeats be answered) while the chain ran.
    const seenAtTurns: number[] = [];
    let finished = false;
    const turn = () => {
      seenAtTurns.push(started.sink.events.length);
      if (!finished) setImmediate(turn);
    };
    setImmediate(turn);
    await started.done;
    finished = true;
    const during = seenAtTurns.filter((n) => n > 0 && n < 6001);
    expect(during.length).toBeGreaterThan(1);
    expect(started.sink.trace()).toEqual([...steps.flatMap((s) => [`step.started ${s.id}#1`, `step.succeeded ${s.id}#1`]), 'execution.finished succeeded']);
  });

  it('runs a short chain in one turn', async () => {
    const steps = Array.from({ length: 20 }, (_, i) => ({ id: `s${i}`, type: 'wait', until: '2000-01-01T00:00:00Z' }));
    // Start in a turn of its own: steps that finish at once share the turn's slice, and the test
    // before may have ended its chain in this one (on a loaded host, past the slice's 2 ms).
    await new Promise((resolve) => setImmediate(resolve));
    const started = startGrant(workflow(steps));
    const seenAtTurns: number[] = [];
    setImmediate(() => seenAtTurns.push(started.sink.events.length));
    await started.done;
    // The first turn after the start saw either nothing yet or the whole chain, never a part of it.
    expect(seenAtTurns.every((n) => n === 0 || n === 41)).toBe(true);
    expect(started.sink.events).toHaveLength(41);
  });
});
