// One writer of the concurrent seq test: appends step.log events to shared topics through the real
// journal (createJournal), in group-commit batches of several logical transactions per turn, some
// failing, and in plain transactions, some rolled back; prints what it committed per topic, the
// conflicts (40P01) that reached it (it does not retry them: the journal does) and the journal's reruns.
import fs from 'node:fs';
import { executionTopic } from '@weft/shared';
import { systemClock } from '../../src/clock';
import { openDatabase } from '../../src/db/open';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { createJournal } from '../../src/journal/journal';

const { WEFT_TEST_STORE_KIND: kind, WEFT_TEST_STORE: target, WEFT_TEST_GO_FILE: goFile, WEFT_TEST_WRITER: writer, WEFT_TEST_ROUNDS: rounds } = process.env;
const TOPIC_IDS = ['a', 'b', 'c'];

const db = kind === 'postgres' ? new PgDatabase(target!) : openDatabase({ dataDir: target! });
let lastRuns = 0;
/** The most runs one logical transaction took. */
let mostRuns = 1;
const journal = createJournal({
  db,
  clock: systemClock,
  onRerun: (_err, runs) => {
    reruns++;
    lastRuns = runs;
    mostRuns = Math.max(mostRuns, runs + 1);
  },
});
const committed: Record<string, number> = Object.fromEntries(TOPIC_IDS.map((id) => [executionTopic(id), 0]));
// A small deterministic generator per writer, so a failure can be replayed.
let state = Number(writer) * 7919 + 1;
const random = () => {
  state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
  return state / 2 ** 31;
};

/** Numbers this writer's appends in the order it makes them (`attempt`): a topic must show them in that order. */
let appended = 0;
const log = (id: string, text: 'kept' | 'undone') =>
  journal.append(executionTopic(id), 'step.log', {
    executionId: id,
    stepId: `w${writer}`,
    iterationPath: '',
    attempt: ++appended,
    stream: 'stdout',
    text,
  });

/** Conflicts that reached this writer (none should: the journal reruns them) and reruns the journal made. */
const conflicts: string[] = [];
let reruns = 0;

/**
 * One logical transaction over `ids`, always in TOPIC_IDS order (one writer's order is fixed). A
 * batch still mixes orders (its logical transactions lock their heads one after another), so two
 * processes' batches can deadlock on PostgreSQL: the journal then reruns the aborted logical
 * transaction itself, after committing its batch. `run`'s `fn` may run more than once, so what it
 * counts is assigned anew on each run, and the counts are taken once its COMMIT is durable.
 */
function write(run: (fn: () => void) => void, ids: string[], fail: 'inner' | 'whole' | null): void {
  let counts: Record<string, number> = {};
  lastRuns = 0;
  try {
    run(() => {
      counts = {};
      for (const id of ids) {
        log(id, 'kept');
        counts[executionTopic(id)] = (counts[executionTopic(id)] ?? 0) + 1;
      }
      if (fail === 'whole') throw new Error('rolled back');
    });
  } catch (err) {
    if ((err as Error).message === 'rolled back') return;
    const code = (err as { code?: string }).code;
    if (code !== '40P01' && code !== '40001') throw err;
    conflicts.push(`${code} after ${lastRuns + 1} runs: ${(err as Error).stack}`);
    return;
  }
  if (fail === 'inner') {
    // A logical transaction that fails beside this one: its events (and seqs) are undone alone.
    try {
      run(() => {
        log(ids[0]!, 'undone');
        throw new Error('inner');
      });
    } catch (err) {
      if ((err as Error).message !== 'inner') throw err;
    }
  }
  journal.afterCommit(() => {
    for (const [topic, n] of Object.entries(counts)) committed[topic] = (committed[topic] ?? 0) + n;
  });
}

async function main(): Promise<void> {
  process.stdout.write('ready\n');
  while (!fs.existsSync(goFile!)) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < Number(rounds); i++) {
    const pick = () => {
      const ids = TOPIC_IDS.filter(() => random() < 0.5);
      return ids.length > 0 ? ids : [TOPIC_IDS[i % TOPIC_IDS.length]!];
    };
    const outcome = random();
    const fail = outcome < 0.2 ? 'inner' : outcome > 0.9 ? 'whole' : null;
    if (i % 4 === 0) {
      // A plain transaction of its own.
      write(journal.transaction, pick(), fail === 'inner' ? null : fail);
    } else {
      // Several logical transactions in one turn: one group-commit batch (joinBatch on PostgreSQL).
      for (let k = 0; k < 3; k++) write(journal.batched, pick(), k === 1 ? fail : null);
    }
    await journal.durable();
  }
  journal.close();
  db.close();
  process.stdout.write(`${JSON.stringify({ committed, conflicts, reruns, mostRuns })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
