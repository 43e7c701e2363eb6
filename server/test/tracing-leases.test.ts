import { parseTraceparent } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver';
import { makeDataDir, minimalDefinition, startServer } from './helpers/server';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

describe('trace context across leases and restarts', () => {
  it('a lease granted by a restarted server to another runner continues the trace; the execution span keeps its stored ids and start', async () => {
    const dataDir = makeDataDir();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
    const config = { leaseMs: 1000, runnerHeartbeatMs: 300, engineTickMs: 50 };
    const first = await startServer({ dataDir, env, config });
    const wf = await first.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Resumed') } });
    const runnerA = await connectFakeRunner(first.url, first.runnerToken);
    const run = await first.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
    const executionId = run.body.executionId as string;
    const grantA = (await runnerA.waitFor((f) => f.type === 'lease' && f.grant.executionId === executionId)).grant;
    const stored = first.app.db.prepare('SELECT traceparent, trace_parent_span_id FROM executions WHERE id = ?').get(executionId) as Record<
      string,
      string | null
    >;
    // Started from the API: a trace of its own.
    expect(stored).toEqual({ traceparent: grantA.traceparent, trace_parent_span_id: null });
    const own = parseTraceparent(grantA.traceparent)!;
    expect(own.flags).toBe(1);
    runnerA.close();
    await first.close();

    const restartedAt = Date.now();
    const second = await startServer({ dataDir, env, config });
    try {
      const runnerB = await connectFakeRunner(second.url, second.runnerToken);
      // The first lease expires after the restart grace; the execution is granted again, with the same context.
      const grantB = (await runnerB.waitFor((f) => f.type === 'lease' && f.grant.executionId === executionId, 15_000)).grant;
      expect(grantB.attempt).toBe(grantA.attempt + 1);
      expect(grantB.traceparent).toBe(grantA.traceparent);
      const ref = { stepId: 'say', iterationPath: '', attempt: 1 };
      const ack = await runnerB.events(grantB, [
        { seq: 1, type: 'step.started', ...ref },
        { seq: 2, type: 'step.succeeded', ...ref, output: { exitCode: 0 } },
        { seq: 3, type: 'execution.finished', status: 'succeeded' },
      ]);
      expect(ack.type).toBe('ack');
      await waitUntil(() => receiver.spans.some((x) => x.attributes['weft.execution.id'] === executionId), 10_000, 'the execution span');
      const span = receiver.spans.find((x) => x.attributes['weft.execution.id'] === executionId)!;
      expect(span).toMatchObject({ traceId: own.traceId, spanId: own.spanId, parentSpanId: '', status: { code: 1 } });
      expect(span.attributes).toMatchObject({ 'weft.execution.status': 'succeeded', 'weft.execution.lease_attempts': 2 });
      // From the execution's creation, before this server process existed.
      expect(Number(BigInt(span.startTimeUnixNano) / 1_000_000n)).toBeLessThan(restartedAt);
      runnerB.close();
    } finally {
      await second.close();
    }
  });
});
