import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXECUTIONS_TOPIC, executionTopic, type ExecutionSummary, type JournalEventType } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/open';
import { appendCheck, assertJournalEvent } from '../src/journal/event-check';
import { createJournal } from '../src/journal/journal';
import { takeRefused } from './helpers/journal-event-check';

const summary: ExecutionSummary = {
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 1,
  status: 'queued',
  inputs: {},
  trigger: { type: 'manual' },
  sessionId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
};

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

function journalOnFreshDb() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-event-check-'));
  const db: Db = openDatabase({ dataDir, synchronous: 'NORMAL' });
  const journal = createJournal({ db, clock: { now: () => new Date() } });
  cleanup.push(
    () => fs.rmSync(dataDir, { recursive: true, force: true }),
    () => db.close(),
    () => journal.close(),
  );
  return { db, journal };
}

describe('the journal event check', () => {
  it('accepts an event of a catalogue type whose data parses', () => {
    expect(() => assertJournalEvent('execution.updated', summary)).not.toThrow();
  });

  it('refuses a type outside the catalogue and data its schema refuses', () => {
    expect(() => assertJournalEvent('execution.pruned', {})).toThrow(/"execution.pruned" is not in JOURNAL_EVENT_DATA/);
    expect(() => assertJournalEvent('execution.updated', { id: 'ex_1' })).toThrow(/execution.updated has data its schema refuses/);
  });

  it('is on for the server suite: a bad append throws, writes nothing and is reported to the test', () => {
    expect(appendCheck).not.toBeNull();
    const { db, journal } = journalOnFreshDb();
    // Past the compiler on purpose: the type and payload below are what the check is for.
    expect(() => journal.append(EXECUTIONS_TOPIC, 'execution.pruned' as JournalEventType, {} as never)).toThrow(/not in JOURNAL_EVENT_DATA/);
    expect(() => journal.transaction(() => journal.append(executionTopic('ex_1'), 'execution.updated', { id: 'ex_1' } as never))).toThrow(/schema refuses/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 });
    // The suite's afterEach would fail this test with these; taken here because they were meant.
    expect(takeRefused()).toHaveLength(2);
  });
});
