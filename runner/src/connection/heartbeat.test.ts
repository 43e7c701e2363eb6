import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat';

describe('Heartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('beats at once and then every interval', () => {
    const beat = vi.fn(() => true);
    const heartbeat = new Heartbeat({ intervalMs: 1000, beat, onDead: vi.fn() });
    heartbeat.start();
    expect(beat).toHaveBeenCalledTimes(1);
    heartbeat.ack();
    vi.advanceTimersByTime(1000);
    heartbeat.ack();
    vi.advanceTimersByTime(1000);
    expect(beat).toHaveBeenCalledTimes(3);
    heartbeat.stop();
    vi.advanceTimersByTime(5000);
    expect(beat).toHaveBeenCalledTimes(3);
  });

  it('counts unanswered beats and declares the connection dead after maxMissed', () => {
    const onDead = vi.fn();
    const heartbeat = new Heartbeat({ intervalMs: 1000, beat: () => true, onDead, maxMissed: 3 });
    heartbeat.start();
    vi.advanceTimersByTime(1000);
    expect(heartbeat.missed).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(heartbeat.missed).toBe(2);
    expect(onDead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(onDead).toHaveBeenCalledWith(3);
    expect(heartbeat.running).toBe(false);
  });

  it('an ack resets the count', () => {
    const onDead = vi.fn();
    const heartbeat = new Heartbeat({ intervalMs: 1000, beat: () => true, onDead, maxMissed: 2 });
    heartbeat.start();
    vi.advanceTimersByTime(1000);
    expect(heartbeat.missed).toBe(1);
    heartbeat.ack();
    expect(heartbeat.missed).toBe(0);
    // The next beat goes out unanswered; two more ticks find it missed twice.
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(1000);
    expect(onDead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(onDead).toHaveBeenCalledTimes(1);
  });

  it('a beat that could not be sent is not counted as missed', () => {
    const onDead = vi.fn();
    const heartbeat = new Heartbeat({ intervalMs: 1000, beat: () => false, onDead, maxMissed: 1 });
    heartbeat.start();
    vi.advanceTimersByTime(5000);
    expect(onDead).not.toHaveBeenCalled();
    heartbeat.stop();
  });
});
