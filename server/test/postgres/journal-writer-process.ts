// One writer of the concurrent seq test: appends to shared topics in many small transactions,
// some rolled back whole and some in part, and prints what it committed per topic.
import fs from 'node:fs';
import { openDatabase } from '../../src/db/open';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { createJournalStore } from './journal-store';

const { WEFT_TEST_STORE_KIND: kind, WEFT_TEST_STORE: target, WEFT_TEST_GO_FILE: goFile, WEFT_TEST_WRITER: writer, WEFT_TEST_ROUNDS: rounds } = process.env;
const TOPICS = ['execution:a', 'execution:b', 'execution:c'];

const db = kind === 'postgres' ? new PgDatabase(target!) : openDatabase({ dataDir: target! });
const journal = createJournalStore(db);
const committed: Record<string, number> = Object.fromEntries(TOPICS.map((t) => [t, 0]));
// A small deterministic generator per writer, so a failure can be replayed.
let state = Number(writer) * 7919 + 1;
const random = () => {
  state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
  return state / 2 ** 31;
};

process.stdout.write('ready\n');
while (!fs.existsSync(goFile!)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);

for (let i = 0; i < Number(rounds); i++) {
  // Topics in one order in every writer: opposite orders could deadlock on PostgreSQL (sequences-postgres.ts).
  const topics = TOPICS.filter(() => random() < 0.5);
  if (topics.length === 0) topics.push(TOPICS[i % TOPICS.length]!);
  const outcome = random();
  const counts: Record<string, number> = {};
  try {
    journal.transaction(() => {
      for (const topic of topics) {
        journal.append(topic, { writer: Number(writer), i });
        counts[topic] = (counts[topic] ?? 0) + 1;
        if (outcome < 0.2) {
          // A logical transaction that fails: its event (and seq) are undone, the rest stays.
          try {
            journal.savepoint(() => {
              journal.append(topic, { writer: Number(writer), i, undone: true });
              throw new Error('inner');
            });
          } catch {}
        }
      }
      if (outcome > 0.9) throw new Error('rolled back');
    });
    for (const [topic, n] of Object.entries(counts)) committed[topic] = (committed[topic] ?? 0) + n;
  } catch (err) {
    if ((err as Error).message !== 'rolled back') throw err;
  }
}
db.close();
process.stdout.write(`${JSON.stringify({ committed })}\n`);
