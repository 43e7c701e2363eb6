export type Timers = {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
};

const systemTimers: Timers = {
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * Periodic health checks: `checkAll` once at start, then every `intervalMs`. A round still running
 * when the next is due is not doubled up. Timers are injectable so tests drive rounds by hand.
 */
export function createHealthMonitor({
  intervalMs,
  checkAll,
  onError,
  timers = systemTimers,
}: {
  intervalMs: number;
  checkAll: () => Promise<void>;
  onError?: (err: unknown) => void;
  timers?: Timers;
}) {
  let handle: unknown = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  function tick(): Promise<void> {
    if (stopped) return Promise.resolve();
    running ??= checkAll()
      .catch((err: unknown) => onError?.(err))
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    start() {
      if (handle !== null || stopped) return;
      handle = timers.setInterval(() => void tick(), intervalMs);
      void tick();
    },
    /** Stops the timer and waits for a round in progress. */
    async stop() {
      stopped = true;
      if (handle !== null) timers.clearInterval(handle);
      handle = null;
      await running;
    },
    tick,
    get running() {
      return running !== null;
    },
  };
}

export type HealthMonitor = ReturnType<typeof createHealthMonitor>;
