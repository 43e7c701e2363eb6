import type { Db } from '../db/open';
import { AppError } from '../http/errors';

/**
 * How far each compacted topic's history was removed (`journal_floors`, written by retention).
 * A topic keeps its newest event, so its seqs go on; what a replay from before the floor would
 * have returned is gone, and the reader is told so (`topic_pruned`) instead of getting a gap.
 */
export function createJournalFloors(db: Db) {
  const s = {
    get: db.prepare<[string], { pruned_through: number }>('SELECT pruned_through FROM journal_floors WHERE topic = ?'),
    set: db.prepare(
      'INSERT INTO journal_floors (topic, pruned_through, pruned_at) VALUES (?, ?, ?) ON CONFLICT (topic) DO UPDATE SET pruned_through = excluded.pruned_through, pruned_at = excluded.pruned_at',
    ),
    remove: db.prepare('DELETE FROM journal_floors WHERE topic = ?'),
  };
  return {
    /** The highest seq removed from `topic` (0: nothing was). */
    floor: (topic: string): number => s.get.get(topic)?.pruned_through ?? 0,
    set: ({ topic, prunedThrough, at }: { topic: string; prunedThrough: number; at: string }) => s.set.run(topic, prunedThrough, at),
    remove: (topic: string): number => s.remove.run(topic).changes,
    /** Throws 410 `topic_pruned` when events after `after` were removed from `topic`. */
    assertReplayable({ topic, after, lastSeq }: { topic: string; after: number; lastSeq: number }): void {
      const floor = s.get.get(topic)?.pruned_through ?? 0;
      if (after < floor) throw topicPruned({ topic, prunedThrough: floor, lastSeq });
    },
  };
}

export type JournalFloors = ReturnType<typeof createJournalFloors>;

/**
 * 410 `topic_pruned`: the events asked for were removed by retention. `details` says from where a
 * replay works again (`prunedThrough`, null when the whole topic is gone) and the topic's head;
 * a reader reloads the REST state and follows the topic from `lastSeq`.
 */
export function topicPruned({ topic, prunedThrough, lastSeq }: { topic: string; prunedThrough: number | null; lastSeq: number }): AppError {
  const message =
    prunedThrough === null
      ? `${topic} was pruned by retention: its history is gone; reload its state`
      : `events of ${topic} up to seq ${prunedThrough} were compacted by retention; reload the state and follow from seq ${lastSeq}`;
  return new AppError(410, 'topic_pruned', message, { prunedThrough, lastSeq });
}
