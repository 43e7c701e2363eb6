import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestPerFrame } from './latest-per-frame';

let frames: Map<number, FrameRequestCallback>;
let nextId = 0;
const runFrame = () => {
  const callbacks = [...frames.values()];
  frames.clear();
  for (const callback of callbacks) callback(performance.now());
};

beforeEach(() => {
  frames = new Map();
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
    frames.set(++nextId, callback);
    return nextId;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => frames.delete(id));
});
afterEach(() => vi.unstubAllGlobals());

describe('latestPerFrame', () => {
  it('applies once per frame, the latest value pushed before it', () => {
    const applied: (number | null)[] = [];
    const seeks = latestPerFrame<number | null>((value) => applied.push(value));
    seeks.push(1);
    seeks.push(2);
    seeks.push(null);
    expect(applied).toEqual([]);
    expect(frames.size).toBe(1);
    runFrame();
    expect(applied).toEqual([null]);
    runFrame();
    expect(applied).toEqual([null]);
    seeks.push(5);
    runFrame();
    expect(applied).toEqual([null, 5]);
  });

  it('cancel drops the pending value; later pushes apply again', () => {
    const applied: number[] = [];
    const seeks = latestPerFrame<number>((value) => applied.push(value));
    seeks.push(1);
    seeks.cancel();
    runFrame();
    expect(applied).toEqual([]);
    seeks.push(2);
    runFrame();
    expect(applied).toEqual([2]);
  });
});
