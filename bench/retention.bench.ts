/**
 * Retention: N executions (default 50,000; BENCH_RETENTION_EXECUTIONS for a quicker run) through a
 * webhook with `?wait`, a real runner process finishing them, with retention set tight
 * (WEFT_RETENTION_MAX_EXECUTIONS=2000, a 2 s interval, journal compaction at once), then the same
 * load with retention off for contrast. The database file and its WAL are sampled as runs go: with
 * retention the file must plateau, without VACUUM.
 *
 * The audit trail records every start and has its own retention (WEFT_AUDIT_RETENTION_DAYS, whole
 * days), so its pages are reported apart: "data" is the file without them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { asSqlite } from '../server/src/db/open';
import { postLoad, startBenchServer, startRunnerProcess, type BenchServer } from './lib/weft';

export const title = 'Retention: database file size under a steady load';

const EXECUTIONS = Number(process.env.BENCH_RETENTION_EXECUTIONS ?? 50_000);
const KEEP = 2000;
const CONCURRENCY = 10;
const RUNNER_CAPACITY = 16;
const SAMPLE_MS = 2000;
const MiB = 1024 * 1024;

type Sample = { seconds: number; executions: number; dbMiB: number; walMiB: number; dataMiB: number; auditMiB: number; freePages: number };

const AUDIT_OBJECTS = ['audit_log', 'audit_log_action', 'audit_log_actor', 'audit_log_target'];

function sample(s: BenchServer, startedAt: number, finishedBefore: number): Sample {
  const db = asSqlite(s.app.db, 'bench');
  const file = path.join(s.dataDir, 'weft.db');
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const pages = Number(db.pragma('page_count', { simple: true }));
  const auditPages = AUDIT_OBJECTS.reduce(
    (n, name) => n + (db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM dbstat WHERE name = ?').get(name)?.n ?? 0),
    0,
  );
  const live = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM executions').get()!.n;
  const pruned = s.app.retention.report().totals.executions;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    seconds: Math.round((Date.now() - startedAt) / 1000),
    executions: live + pruned - finishedBefore,
    dbMiB: round(size(file) / MiB),
    walMiB: round(size(`${file}-wal`) / MiB),
    dataMiB: round(((pages - auditPages) * pageSize) / MiB),
    auditMiB: round((auditPages * pageSize) / MiB),
    freePages: Number(db.pragma('freelist_count', { simple: true })),
  };
}

async function load(retention: boolean) {
  const env: Record<string, string> = retention
    ? { WEFT_RETENTION_MAX_EXECUTIONS: String(KEEP), WEFT_RETENTION_INTERVAL_MS: '2000', WEFT_JOURNAL_COMPACT_AFTER_HOURS: '0' }
    : { WEFT_RETENTION_DAYS: '0', WEFT_JOURNAL_COMPACT_AFTER_HOURS: '87600' };
  const s = await startBenchServer({ env });
  const runner = startRunnerProcess({ url: s.url, token: s.runnerToken, dataDir: s.dataDir, capacity: RUNNER_CAPACITY });
  try {
    const wf = await s.request('POST', '/api/workflows', {
      definition: { name: 'One wait', steps: [{ id: 'w', type: 'wait', until: '2000-01-01T00:00:00Z' }] },
    });
    const hook = await s.request('PUT', '/api/triggers/bench-retention', {
      workflowId: wf.body.id,
      type: 'webhook',
      enabled: true,
      webhook: { path: 'bench/retention', verify: 'none', rateLimitPerMinute: 1_000_000 },
    });
    if (hook.status !== 200) throw new Error(`PUT trigger: ${hook.status} ${JSON.stringify(hook.body)}`);
    const startedAt = Date.now();
    const samples: Sample[] = [sample(s, startedAt, 0)];
    // The worst retention transaction of the runs seen (each run reports its own longest).
    let worst = { ms: 0, workMs: 0, rows: 0, runs: 0 };
    const seen = new Set<string>();
    const timer = setInterval(() => {
      samples.push(sample(s, startedAt, 0));
      const last = s.app.retention.report().lastRun;
      if (last && !seen.has(last.startedAt)) {
        seen.add(last.startedAt);
        worst = {
          ms: Math.max(worst.ms, last.maxTransactionMs),
          workMs: Math.max(worst.workMs, last.maxWorkMs),
          rows: Math.max(worst.rows, last.maxRowsPerTransaction),
          runs: seen.size,
        };
      }
    }, SAMPLE_MS);
    const result = await postLoad({ url: `${s.url}/hooks/bench/retention?wait=30`, concurrency: CONCURRENCY, requests: EXECUTIONS, timeoutSeconds: 60 });
    clearInterval(timer);
    if (retention) await s.app.retention.run();
    samples.push(sample(s, startedAt, 0));
    const report = s.app.retention.report();
    return { ok2xx: result['2xx'], non2xx: result.non2xx, seconds: Math.round((Date.now() - startedAt) / 1000), samples, report, worst };
  } finally {
    await runner.stop();
    await s.close();
  }
}

/** Ten samples spread over the run (the first and last included). */
function spread(samples: Sample[]): Sample[] {
  if (samples.length <= 10) return samples;
  return Array.from({ length: 10 }, (_, i) => samples[Math.round((i * (samples.length - 1)) / 9)]!);
}

/**
 * Plateau: after the warm-up (until the first KEEP runs), the mean data size over the second half
 * of the run is within 20 % of the first half's. Means, not peaks: with retention running every
 * 2 s behind 500 runs/s, each sample catches it at a different point of its cycle.
 */
function plateau(samples: Sample[]): { firstHalfMeanMiB: number; secondHalfMeanMiB: number; peakMiB: number; flat: boolean } {
  const warm = samples.filter((x) => x.executions >= KEEP);
  const half = Math.floor(warm.length / 2);
  const mean = (xs: Sample[]) => Math.round((xs.reduce((n, x) => n + x.dataMiB, 0) / Math.max(1, xs.length)) * 100) / 100;
  const first = mean(warm.slice(0, half));
  const second = mean(warm.slice(half));
  return { firstHalfMeanMiB: first, secondHalfMeanMiB: second, peakMiB: Math.max(...samples.map((x) => x.dataMiB)), flat: second <= first * 1.2 };
}

export async function run() {
  const withRetention = await load(true);
  process.stderr.write(`with retention: ${JSON.stringify({ ...withRetention, samples: spread(withRetention.samples) })}\n`);
  const without = await load(false);
  process.stderr.write(`without: ${JSON.stringify({ ...without, samples: spread(without.samples) })}\n`);
  return {
    executions: EXECUTIONS,
    withRetention: { ...withRetention, samples: spread(withRetention.samples), plateau: plateau(withRetention.samples) },
    withoutRetention: { ...without, samples: spread(without.samples), plateau: plateau(without.samples) },
  };
}

type Loaded = Awaited<ReturnType<typeof load>> & { plateau: ReturnType<typeof plateau> };

export function markdown(r: Record<string, unknown>): string {
  const table = (label: string, x: Loaded) => [
    `### ${label}: ${x.ok2xx} runs answered 2xx (${x.non2xx} other) in ${x.seconds} s`,
    '',
    '| s | executions | weft.db MiB | WAL MiB | data MiB (file − audit) | audit MiB | free pages |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...x.samples.map((p) => `| ${p.seconds} | ${p.executions} | ${p.dbMiB} | ${p.walMiB} | ${p.dataMiB} | ${p.auditMiB} | ${p.freePages} |`),
    '',
    `Data after warm-up, mean of the first half → second half: ${x.plateau.firstHalfMeanMiB} → ${x.plateau.secondHalfMeanMiB} MiB (peak ${x.plateau.peakMiB}): ${x.plateau.flat ? 'flat (plateau)' : 'GROWING'}.`,
    '',
  ];
  const withR = r.withRetention as Loaded;
  const last = withR.report.lastRun;
  return [
    `${String(r.executions)} executions through a one-step webhook workflow (\`?wait\`, concurrency ${CONCURRENCY}, real runner process, capacity ${RUNNER_CAPACITY}), default \`synchronous=FULL\`.`,
    `With retention: \`WEFT_RETENTION_MAX_EXECUTIONS=${KEEP}\`, \`WEFT_RETENTION_INTERVAL_MS=2000\`, \`WEFT_JOURNAL_COMPACT_AFTER_HOURS=0\`; without: retention off.`,
    'Sizes are sampled every 2 s; "data" is the page count without the audit trail (which has its own retention, in days).',
    '',
    ...table('With retention', withR),
    `Retention totals: ${withR.report.totals.executions} executions pruned, ${withR.report.totals.compactedTopics} topics compacted; last run: ${last?.transactions ?? 0} transactions. Over the ${withR.worst.runs} runs sampled, the longest retention transaction took ${withR.worst.ms} ms with its COMMIT (fsync, and the WAL restart when one was due) and ${withR.worst.workMs} ms without (the deletes; goal ≤ 20 ms), and deleted at most ${withR.worst.rows} rows.`,
    '',
    ...table('Without retention', r.withoutRetention as Loaded),
  ].join('\n');
}
