/**
 * Coalesces values pushed faster than the screen refreshes (a drag's pointer moves, a held key) to
 * one `apply` per animation frame, with the latest value: a frame never renders a position already
 * overtaken, and never renders two.
 */
export type LatestPerFrame<T> = {
  push(value: T): void;
  /** Drops a pending value (something else decided the state, e.g. playback started). */
  cancel(): void;
};

export function latestPerFrame<T>(apply: (value: T) => void): LatestPerFrame<T> {
  let pending: { value: T } | null = null;
  let frame = 0;
  return {
    push(value) {
      if (pending !== null) {
        pending.value = value;
        return;
      }
      const entry = { value };
      pending = entry;
      frame = requestAnimationFrame(() => {
        pending = null;
        apply(entry.value);
      });
    },
    cancel() {
      if (pending === null) return;
      cancelAnimationFrame(frame);
      pending = null;
    },
  };
}
