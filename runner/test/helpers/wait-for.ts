// Captured at import, before any test installs fake timers, so waiting never depends on faked time.
const realSetTimeout = globalThis.setTimeout;

/** Polls `condition` (real time) until it is truthy; fails with `message` after `timeoutMs`. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, message = 'condition' }: { timeoutMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${message}${detail}`);
    }
    await new Promise((resolve) => realSetTimeout(resolve, 5));
  }
}

/** Lets pending promise callbacks run (a few microtask and I/O turns), for fake-timer tests. */
export async function flushPromises(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
