import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { autocannon, sleep, startBenchServer, startRunnerProcess } from './lib/weft';
const cpuOf = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const s = await startBenchServer({ env: {} });
const mode = process.env.MODE ?? 'auto';
let worker: Worker | null = null;
if (mode === 'worker') {
  s.app.db.pragma('wal_autocheckpoint = 0');
  const driver = createRequire(import.meta.url).resolve('better-sqlite3', { paths: [process.cwd() + '/server'] });
  worker = new Worker(`
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file);
    db.pragma('synchronous = FULL');
    let stats = { runs: 0, ms: 0 };
    setInterval(() => { const t = performance.now(); const r = db.pragma('wal_checkpoint(PASSIVE)'); stats.runs++; stats.ms += performance.now() - t; parentPort.postMessage({ r: r[0], stats }); }, 50);
  `, { eval: true, workerData: { driver, file: s.app.db.name } });
  let last: any; worker.on('message', (m) => (last = m)); (globalThis as any).last = () => last;
}
const runner = startRunnerProcess({ url: s.url, token: s.token, dataDir: s.dataDir, capacity: 16 });
const steps = [1, 2, 3, 4, 5].map((i) => ({ id: `s${i}`, type: 'wait', until: '2000-01-01T00:00:00Z' }));
const wf = await s.request('POST', '/api/workflows', { definition: { name: 'x', steps } });
await s.request('PUT', '/api/triggers/h', { workflowId: wf.body.id, type: 'webhook', enabled: true, webhook: { path: 'bench/hook', rateLimitPerMinute: 1_000_000 } });
const hook = `${s.url}/hooks/bench/hook?wait=30`;
for (let i = 0; i < 30; i++) { const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }); if (res.status === 200) break; await sleep(100); }
const c0 = process.cpuUsage(); const r0 = cpuOf(runner.child.pid!);
const res = await autocannon(['-c', '10', '-d', String(process.env.SECS ?? 15), '-t', '40', '-m', 'POST', '-H', 'content-type=application/json', '-b', '{"n":1}', hook]);
const c1 = process.cpuUsage(c0); const r1 = cpuOf(runner.child.pid!) - r0;
console.log(mode, JSON.stringify({ cpuPerReqMs: ((c1.user + c1.system) / 1000 / res.requests.total).toFixed(3), runnerPerReqMs: (r1 / res.requests.total).toFixed(3), rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, max: res.latency.max, walMB: (fs.statSync(s.dataDir + '/weft.db-wal').size / 1e6).toFixed(1), ckpt: worker ? (globalThis as any).last() : null }));
await worker?.terminate(); await runner.stop(); await s.close(); process.exit(0);
