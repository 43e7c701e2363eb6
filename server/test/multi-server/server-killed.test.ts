import { EXECUTIONS_TOPIC, executionTopic } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completions, extraRuns, overlaps, readTrace, tracedStep } from '../faults/harness';
import { waitUntil } from '../helpers/live-client';
import { usePostgres } from '../support/use-postgres';
import { followTopics, seqProblems, type FollowingClient } from './following-client';
import { CLUSTER_TOKEN, type Cluster, startCluster, topicSeqs, traceFile, waitForRunners } from './harness';

const pg = usePostgres();
const STEPS = ['a', 'b', 'c', 'd', 'e'];
const A = 0;
const B = 1;

let cluster: Cluster;
beforeAll(async () => {
  // Two servers; runner R1 starts on A, R2 on B, each with the other as its fallback.
  cluster = await startCluster({
    postgres: pg.server(),
    servers: 2,
    runners: [
      [A, B],
      [B, A],
    ],
    runnerCapacity: 3,
    env: { WEFT_LEASE_MS: '10000' },
  });
  await waitForRunners(cluster, 2);
}, 90_000);
afterAll(() => cluster?.stop());

type Load = { acknowledged: Map<string, number>; refused: number; stop(): Promise<void> };

/** Webhooks posted to A and B in turn by two senders until stopped; a 202 is an acknowledged delivery. */
function webhookLoad(onAcknowledged: (executionId: string) => void): Load {
  const acknowledged = new Map<string, number>();
  let refused = 0;
  let stopping = false;
  const sender = async (first: number) => {
    for (let n = first; !stopping; n++) {
      const server = n % 2;
      try {
        const res = await fetch(`${cluster.urls[server]}/hooks/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        if (res.status === 202) {
          const { executionId } = (await res.json()) as { executionId: string };
          acknowledged.set(executionId, server);
          onAcknowledged(executionId);
        } else refused++;
      } catch {
        refused++; // the killed server: the sender was never told "accepted"
      }
      await new Promise((r) => setTimeout(r, 600));
    }
  };
  const senders = [sender(0), sender(1)];
  return {
    acknowledged,
    get refused() {
      return refused;
    },
    async stop() {
      stopping = true;
      await Promise.all(senders);
    },
  };
}

/** At least `min` followed runs finished, and the client holds each finished one's topic up to its last stored seq. */
async function caughtUpOnFinishedRuns(client: FollowingClient, min: number): Promise<boolean> {
  const runs = [...client.seqs.keys()].filter((t) => t.startsWith('execution:'));
  const rows = await cluster.query<{ topic: string; head: string }>(
    `SELECT e.topic, max(e.seq) AS head FROM events e JOIN executions x ON e.topic = 'execution:' || x.id
      WHERE e.topic = ANY($1) AND x.status IN ('succeeded', 'failed', 'canceled') GROUP BY e.topic`,
    [runs],
  );
  return rows.length >= min && rows.every((r) => client.seqs.get(r.topic)!.at(-1) === Number(r.head));
}

describe('a server SIGKILLed mid webhook load, two servers on one PostgreSQL', { timeout: 90_000 }, () => {
  it('every acknowledged execution finishes, no completed step runs twice, live clients see every followed topic gap-free', async () => {
    const trace = traceFile(cluster);
    const wf = await cluster.api(A, 'POST', '/api/workflows', {
      definition: { name: 'Traced', steps: STEPS.map((id) => tracedStep(id, trace, { ticks: 2 })) },
    });
    expect(wf.status).toBe(201);
    const hook = await cluster.api(B, 'PUT', '/api/triggers/load-hook', {
      workflowId: wf.body.id,
      type: 'webhook',
      enabled: true,
      webhook: { path: 'load', verify: 'none', rateLimitPerMinute: 100_000 },
    });
    expect(hook.status).toBe(200);

    // One browser on A (it will reconnect to B), one on B all along; both follow the executions
    // list and the first executions acknowledged.
    const onA = await followTopics([cluster.urls[A]!, cluster.urls[B]!], CLUSTER_TOKEN, [EXECUTIONS_TOPIC]);
    const onB = await followTopics([cluster.urls[B]!], CLUSTER_TOKEN, [EXECUTIONS_TOPIC]);
    const clients: FollowingClient[] = [onA, onB];
    const load = webhookLoad((id) => {
      if (onA.seqs.size < 6) for (const c of clients) c.follow(executionTopic(id));
    });

    await waitUntil(() => readTrace(trace).filter((t) => t.what === 'end').length >= 4 && load.acknowledged.size >= 6, 30_000, 'steps completing under load');
    // Before the kill, the browser on A is live on B's work too: every followed run that finished
    // (through either server's runner) reached it whole, though A may never write to its topic again.
    await waitUntil(() => caughtUpOnFinishedRuns(onA, 2), 20_000, 'the browser on A to see the finished runs whole').catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify([...onA.seqs].map(([t, s]) => [t, s.at(-1)]))}\n${cluster.output()}`);
    });
    const acknowledgedBeforeKill = [...load.acknowledged.keys()];
    const unfinished = await cluster.query("SELECT id FROM executions WHERE id = ANY($1) AND status NOT IN ('succeeded', 'failed', 'canceled')", [
      acknowledgedBeforeKill,
    ]);
    await cluster.kill(A);
    await new Promise((r) => setTimeout(r, 2_000)); // the load goes on against B alone
    await load.stop();

    const ids = [...load.acknowledged.keys()];
    const story = () => `${ids.length} acknowledged (${load.refused} refused)\n${cluster.output()}`;
    expect(unfinished.length, 'executions under way at the kill').toBeGreaterThan(0);
    expect(ids.length).toBeGreaterThan(acknowledgedBeforeKill.length);
    await waitUntil(
      async () => {
        const rows = await cluster.query<{ status: string }>('SELECT status FROM executions WHERE id = ANY($1)', [ids]);
        return rows.length === ids.length && rows.every((r) => r.status === 'succeeded');
      },
      60_000,
      'every acknowledged execution to succeed',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${story()}`);
    });

    const steps = readTrace(trace);
    const done = completions(steps);
    for (const id of ids) for (const step of STEPS) expect(done.get(`${id}/${step}`), `${id}/${step}`).toBe(1);
    expect(extraRuns(steps), 'step runs beyond one per step').toBe(0);
    expect(overlaps(steps)).toEqual([]);
    for (const r of cluster.runners) expect(r.child.exitCode, r.output()).toBeNull();

    // The browser on A moved to B; each client saw each followed topic whole, in order, once.
    expect(onA.connections).toEqual([cluster.urls[A], cluster.urls[B]]);
    expect(onB.connections).toEqual([cluster.urls[B]]);
    expect(onA.seqs.size).toBe(6);
    for (const [topic] of onA.seqs) {
      const stored = await topicSeqs(cluster, topic);
      for (const [name, c] of [
        ['on A', onA],
        ['on B', onB],
      ] as const) {
        await waitUntil(() => c.seqs.get(topic)!.length >= stored.length, 10_000, `${name} to catch up on ${topic}`).catch(() => {});
        expect(seqProblems(c.seqs.get(topic)!, stored), `${name}: ${topic}`).toBeNull();
      }
    }
    for (const c of clients) c.close();
  });
});
