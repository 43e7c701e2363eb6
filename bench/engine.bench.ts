import fs from 'node:fs';
import { percentile, sleep, startBenchServer, startRunnerProcess } from './lib/weft';

export const title = 'Engine: per-step overhead, concurrent executions, approval resume';

const FINISHED = new Set(['succeeded', 'failed', 'canceled', 'denied']);

/** Peak RSS of another process (VmHWM), in MiB. */
function peakRssOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * A real server (in this process, SQLite synchronous=FULL) and a real runner process. Trivial
 * steps are `notify` steps: each one is journaled (started, succeeded, its chat event) like any step.
 */
export async function run() {
  const server = await startBenchServer({ env: { WEFT_TOKEN: 'bench-engine-token-0123456789' } });
  const runner = startRunnerProcess({ url: server.url, token: server.token, dataDir: server.dataDir, capacity: 64 });
  const { journal } = server.app.services;
  const waitFinished = (id: string) =>
    new Promise<void>((resolve) => {
      const check = () => FINISHED.has(server.app.services.executions.repo.get(id)?.status ?? '');
      if (check()) return resolve();
      const stop = journal.subscribe(`execution:${id}`, () => {
        if (check()) {
          stop();
          resolve();
        }
      });
    });
  const workflow = async (steps: unknown[], name: string) => (await server.request('POST', '/api/workflows', { definition: { name, steps } })).body.id as string;
  const start = async (id: string) => (await server.request('POST', `/api/workflows/${id}/run`, {})).body.executionId as string;
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  try {
    // 1. A 1,000-step workflow: per-step overhead, median of runs.
    const runs = Number(process.env.BENCH_RUNS ?? 5);
    const longId = await workflow(Array.from({ length: 1000 }, (_, i) => ({ id: `s${i}`, type: 'notify', message: `step ${i}` })), 'Thousand steps');
    await waitFinished(await start(longId)); // warm-up
    const perStep: number[] = [];
    for (let i = 0; i < runs; i++) {
      const id = await start(longId);
      await waitFinished(id);
      const ex = server.app.services.executions.get(id);
      if (ex.status !== 'succeeded') throw new Error(`1,000-step run ${ex.status}`);
      perStep.push((Date.parse(ex.finishedAt!) - Date.parse(ex.startedAt!)) / 1000);
    }
    perStep.sort((a, b) => a - b);

    // 2. 200 executions at once of a 5-step workflow.
    const fiveId = await workflow(Array.from({ length: 5 }, (_, i) => ({ id: `f${i}`, type: 'notify', message: `f${i}` })), 'Five steps');
    rssPeak = 0;
    const t0 = Date.now();
    const ids = await Promise.all(Array.from({ length: 200 }, () => start(fiveId)));
    await Promise.all(ids.map(waitFinished));
    const wall = Date.now() - t0;
    const failed = ids.filter((id) => server.app.services.executions.repo.get(id)!.status !== 'succeeded').length;

    // 3. Approval decision -> next step started.
    const gateId = await workflow([{ id: 'gate', type: 'approval', message: 'go?' }, { id: 'next', type: 'notify', message: 'after' }], 'Gate');
    const resume: number[] = [];
    const rounds = Number(process.env.BENCH_APPROVALS ?? 100);
    for (let i = 0; i < rounds; i++) {
      const id = await start(gateId);
      let approvalId: string | undefined;
      while (!approvalId) {
        approvalId = server.app.services.approvals.list({ status: 'pending', executionId: id, limit: 1 })[0]?.id;
        if (!approvalId) await sleep(2);
      }
      const started = new Promise<number>((resolve) => {
        const stop = journal.subscribe(`execution:${id}`, (e) => {
          const d = e.data as { stepId?: string; status?: string };
          if (e.type === 'step.updated' && d.stepId === 'next' && d.status === 'running') {
            stop();
            resolve(performance.now());
          }
        });
      });
      const t = performance.now();
      await server.request('POST', `/api/approvals/${approvalId}/decision`, { decision: 'approve' });
      resume.push((await started) - t);
      await waitFinished(id);
    }
    resume.sort((a, b) => a - b);
    return {
      thousandSteps: { runs, perStepMs: { median: Number(percentile(perStep, 50).toFixed(3)), min: Number(perStep[0]!.toFixed(3)), max: Number(perStep.at(-1)!.toFixed(3)) } },
      concurrent: { executions: 200, steps: 5, wallMs: wall, executionsPerSecond: Math.round((200 / wall) * 1000), failed, serverPeakRssMiB: Math.round(rssPeak / 2 ** 20), runnerPeakRssMiB: peakRssOf(runner.child.pid) },
      approvalResumeMs: { rounds, p50: Number(percentile(resume, 50).toFixed(1)), p99: Number(percentile(resume, 99).toFixed(1)), max: Number(resume.at(-1)!.toFixed(1)) },
    };
  } finally {
    clearInterval(sampler);
    await runner.stop();
    await server.close();
  }
}

export function markdown(r: Record<string, any>) {
  return `Server in the bench process (real SQLite file, synchronous=FULL), one real runner process (capacity 64); trivial steps are \`notify\` steps, each journaled (started, succeeded, its log event).

| scenario | result |
| --- | --- |
| 1,000-step workflow, per-step overhead (median of ${r.thousandSteps.runs}) | ${r.thousandSteps.perStepMs.median} ms (min ${r.thousandSteps.perStepMs.min}, max ${r.thousandSteps.perStepMs.max}) |
| 200 executions × 5 steps at once | ${r.concurrent.wallMs} ms wall, ${r.concurrent.executionsPerSecond} executions/s, ${r.concurrent.failed} failed; peak RSS server ${r.concurrent.serverPeakRssMiB} MiB, runner ${r.concurrent.runnerPeakRssMiB} MiB |
| approval decision → next step running (${r.approvalResumeMs.rounds} rounds) | p50 ${r.approvalResumeMs.p50} ms, p99 ${r.approvalResumeMs.p99} ms, max ${r.approvalResumeMs.max} ms |

Goals: per-step overhead under 0.5 ms; approval resume p99 under 50 ms.`;
}
