/** What time it is: injected everywhere time matters, so tests run schedules, leases and timeouts on a fake clock. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };
