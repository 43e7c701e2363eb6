import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric `GET /metrics` exposes, in one catalogue (docs/api.md, "Metrics", lists the same).
 * One registry per server, never prom-client's global one: tests run several servers in one
 * process. Names follow Prometheus conventions: `weft_` prefix, the unit in the name, `_total` on
 * counters. Labels only take bounded values (see `boundedLabel`).
 */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    executionsStarted: new Counter({
      name: 'weft_executions_started_total',
      help: 'Executions created (queued), by workflow id.',
      labelNames: ['workflow'] as const,
      registers,
    }),
    executionsFinished: new Counter({
      name: 'weft_executions_finished_total',
      help: 'Executions that reached a final status, by workflow id and status.',
      labelNames: ['workflow', 'status'] as const,
      registers,
    }),
    stepDuration: new Histogram({
      name: 'weft_step_duration_seconds',
      help: 'Time from a step attempt starting to finishing on a runner, by step type and final status.',
      labelNames: ['type', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
    queuedExecutions: new Gauge({ name: 'weft_executions_queued', help: 'Executions waiting for a runner.', registers }),
    oldestQueuedAge: new Gauge({
      name: 'weft_executions_oldest_queued_age_seconds',
      help: 'How long the oldest queued execution has waited (0 when none waits).',
      registers,
    }),
    runnersConnected: new Gauge({ name: 'weft_runners_connected', help: 'Runners connected now.', registers }),
    runnerCapacity: new Gauge({ name: 'weft_runner_capacity_slots', help: 'Executions the connected runners can hold at once, summed.', registers }),
    runnerCapacityInUse: new Gauge({
      name: 'weft_runner_capacity_in_use_slots',
      help: 'Executions the connected runners hold a lease on now.',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'weft_webhook_deliveries_total',
      help: 'Webhook calls by outcome (started, skipped, rejected, failed) and reason code.',
      labelNames: ['outcome', 'reason'] as const,
      registers,
    }),
    approvalWait: new Histogram({
      name: 'weft_approval_wait_seconds',
      help: 'Time from an approval being requested to its decision, by kind (step, tool) and outcome (approved, denied, expired).',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [1, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600],
      registers,
    }),
    llmTokens: new Counter({
      name: 'weft_llm_tokens_total',
      help: 'Model tokens, by model, direction (input, output) and source (agent, assistant, drafting).',
      labelNames: ['model', 'direction', 'source'] as const,
      registers,
    }),
    llmErrors: new Counter({
      name: 'weft_llm_errors_total',
      help: 'Model turns that ended in an error, by model and source (agent, assistant, drafting).',
      labelNames: ['model', 'source'] as const,
      registers,
    }),
    journalCommit: new Histogram({
      name: 'weft_journal_commit_duration_seconds',
      help: 'Writing a group-commit batch of journal events and its COMMIT.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    journalFsync: new Histogram({
      name: 'weft_journal_fsync_duration_seconds',
      help: 'The WAL sync that makes a group-commit batch durable (synchronous=FULL).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    websocketClients: new Gauge({
      name: 'weft_websocket_clients',
      help: 'WebSocket connections open now, by kind (browser: /ws, runner: /ws/runner).',
      labelNames: ['kind'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A label value from an open set (workflow ids, model names) kept bounded: the first `max`
 * distinct values are used as they are, any later one is counted under `other`, so a server that
 * sees many workflows over its life cannot grow a series per workflow without end.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}
