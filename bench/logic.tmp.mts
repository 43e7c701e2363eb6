import { startBenchServer } from './lib/weft';
const s = await startBenchServer({ env: { WEFT_SYNCHRONOUS: process.env.SYNC ?? 'FULL' } });
const { triggers, journal, engine } = s.app.services as any;
const steps = [1, 2, 3, 4, 5].map((i) => ({ id: `s${i}`, type: 'wait', until: '2000-01-01T00:00:00Z' }));
const wf = await s.request('POST', '/api/workflows', { definition: { name: 'x', steps } });
await s.request('PUT', '/api/triggers/h', { workflowId: wf.body.id, type: 'webhook', enabled: true, webhook: { path: 'bench/hook', rateLimitPerMinute: 1_000_000 } });
const grants: any[] = [];
const runner = { runnerId: 'rn_fake', name: 'fake', capacity: 1000, send: (m: any) => { JSON.stringify(m); grants.push(m.grant); }, lastSeenAt: Date.now() + 1e9 };
engine.dispatcher.register(runner);
const t = triggers.repo.byPath('bench/hook');
const PER_BATCH = Number(process.env.PER ?? 3);
async function one(round: number) {
  // fire PER_BATCH executions in one batch (granted inside it)
  for (let i = 0; i < PER_BATCH; i++) {
    journal.batched(() => triggers.firing.fire({ trigger: t, kind: 'webhook', receivedAt: new Date(), payload: { type: 'webhook', key: 'h', body: { n: 1 }, headers: { 'content-type': 'application/json' }, query: {}, receivedAt: new Date().toISOString() } }));
  }
  await journal.durable();
  const batch = grants.splice(0);
  for (const g of batch) {
    const events: any[] = [];
    let seq = 1;
    for (const st of steps) {
      events.push({ type: 'step.started', stepId: st.id, iterationPath: '', attempt: 1, seq: seq++ });
      events.push({ type: 'step.succeeded', stepId: st.id, iterationPath: '', attempt: 1, output: { waitedUntil: '2000-01-01T00:00:00.000Z', resumedAt: new Date().toISOString() }, seq: seq++ });
    }
    events.push({ type: 'execution.finished', status: 'succeeded', output: { ok: 1 }, seq: seq++ });
    engine.ingest({ runnerId: 'rn_fake', executionId: g.executionId, attempt: g.attempt, events });
  }
  await journal.durable();
  return batch.length;
}
for (let i = 0; i < 200; i++) await one(i);
const N = Number(process.env.N ?? 1500);
const c0 = process.cpuUsage(); const t0 = performance.now(); let done = 0;
while (done < N) done += await one(0);
const c1 = process.cpuUsage(c0);
console.log('logic cpu ms/exec', ((c1.user + c1.system) / 1000 / done).toFixed(3), 'wall ms/exec', ((performance.now() - t0) / done).toFixed(3));
await s.close(); process.exit(0);
