import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | null = null;

/**
 * prom-client's process metrics (CPU, memory, handles, GC, event-loop lag as
 * `weft_nodejs_eventloop_lag_seconds`), with the `weft_` prefix. They describe the process, not a
 * server, so every server in the process shares one registry, created at the first scrape: a
 * registry per server would start an event-loop monitor and a GC observer per test server.
 */
export function processMetrics(): Registry {
  if (shared === null) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: 'weft_' });
  }
  return shared;
}
