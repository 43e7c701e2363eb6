import { autocannon, sleep, startBenchServer } from './lib/weft';
const s = await startBenchServer({ env: {} });
const wf = await s.request('POST', '/api/workflows', { definition: { name: 'x', steps: [{ id: 's1', type: 'wait', until: '2000-01-01T00:00:00Z' }] } });
await s.request('PUT', '/api/triggers/h', { workflowId: wf.body.id, type: 'webhook', enabled: true, webhook: { path: 'bench/hook', rateLimitPerMinute: 1_000_000 } });
for (const [name, url, extra] of [['health', `${s.url}/api/health`, ['-m', 'GET']], ['hook test mode', `${s.url}/hooks/bench/hook?test=1`, ['-m', 'POST', '-H', 'content-type=application/json', '-b', '{"n":1}']], ['hook no runner 202', `${s.url}/hooks/bench/hook`, ['-m', 'POST', '-H', 'content-type=application/json', '-b', '{"n":1}']]] as const) {
  const c0 = process.cpuUsage();
  const res = await autocannon(['-c', '10', '-d', '5', ...extra, url]);
  const c1 = process.cpuUsage(c0);
  console.log(name, 'rps', res.requests.average, 'cpu/req ms', ((c1.user + c1.system) / 1000 / res.requests.total).toFixed(3), 'non2xx', res.non2xx);
}
await s.close(); process.exit(0);
