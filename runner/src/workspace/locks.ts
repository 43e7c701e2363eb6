/**
 * One step at a time per workspace directory: steps of one execution in parallel branches, or
 * executions of one workflow sharing a `shared` workspace, take turns (first come, first served).
 */
export class DirectoryLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with the unlock function once the directory is free; rejects if `signal` aborts while waiting. */
  async lock(dir: string, signal: AbortSignal): Promise<() => void> {
    const previous = this.tails.get(dir) ?? Promise.resolve();
    let unlock!: () => void;
    const mine = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(dir, tail);
    void tail.then(() => {
      if (this.tails.get(dir) === tail) this.tails.delete(dir);
    });
    try {
      await waitOrAbort(previous, signal);
    } catch (error) {
      // Give the turn on: whoever queued after us waits for `previous` through our link.
      previous.then(unlock, unlock);
      throw error;
    }
    return unlock;
  }
}

function waitOrAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    );
  });
}
