import type { JournalEvent, JournalEventEnvelope } from '@weft/shared';

/** `local`: written by this process, published after its COMMIT. `remote`: another server's, read back from the table. */
export type EventOrigin = 'local' | 'remote';

export type Listener = (event: JournalEvent, origin: EventOrigin) => void;

/** The journal's committed events, as a followed bus reads them (the events table). */
export type CommittedEvents = {
  lastSeq(topic: string): number;
  read(topic: string, after: number, limit: number): JournalEventEnvelope[];
};

/** Events read per query when a followed topic catches up. */
const CATCH_UP_PAGE = 500;

/**
 * In-process fan-out of committed events, by topic. Listeners must not throw; one that does is isolated.
 *
 * Followed (`follow`, several servers on one PostgreSQL: cluster/journal-follower.ts), the bus also
 * carries other servers' events to topic listeners, read from the table by seq (`catchUp`), and
 * keeps per topic with listeners the highest seq its listeners were given (its head): an event at
 * or below the head is not given again, and a local event above the head + 1 first brings the
 * events between from the table (committed already: its seq was allocated after theirs committed).
 * So each topic's listeners see its events in seq order, with no gap and no duplicate, whichever
 * server wrote them. A topic's first listener starts after the topic's last committed seq (`head`).
 * `subscribeAll` listeners get this process's writes only. Unfollowed (SQLite), it is a plain bus.
 */
export class EventBus {
  private readonly byTopic = new Map<string, Set<Listener>>();
  private readonly all = new Set<Listener>();
  private committed: CommittedEvents | null = null;
  private readonly heads = new Map<string, number>();

  subscribe(topic: string, listener: Listener): () => void {
    let set = this.byTopic.get(topic);
    if (!set) {
      // The start is known before the listener is: anything committed later comes after it.
      if (this.committed && !this.heads.has(topic)) this.heads.set(topic, this.committed.lastSeq(topic));
      set = new Set();
      this.byTopic.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byTopic.get(topic) === set) {
        this.byTopic.delete(topic);
        this.heads.delete(topic);
      }
    };
  }

  subscribeAll(listener: Listener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /** Carries other writers' events too, read from `committed` (see the class comment). */
  follow(committed: CommittedEvents): void {
    this.committed = committed;
    for (const topic of this.byTopic.keys()) this.heads.set(topic, committed.lastSeq(topic));
  }

  get following(): boolean {
    return this.committed !== null;
  }

  /** Followed: the last seq `topic`'s listeners were given, or start after (undefined with no listener or unfollowed). */
  head(topic: string): number | undefined {
    return this.heads.get(topic);
  }

  /** Topics with listeners (what a followed bus catches up). */
  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** A committed event this process wrote. */
  publish(event: JournalEvent, onError: (err: unknown) => void): void {
    if (this.committed && this.byTopic.has(event.topic)) this.publishFollowed(event, onError);
    else this.deliver(this.byTopic.get(event.topic), event, 'local', onError);
    if (this.all.size > 0) this.deliver(this.all, event, 'local', onError);
  }

  private publishFollowed(event: JournalEvent, onError: (err: unknown) => void): void {
    const head = this.heads.get(event.topic) ?? 0;
    if (event.seq <= head) return;
    if (event.seq > head + 1) {
      try {
        this.catchUp(event.topic, event.seq - 1, onError);
      } catch (err) {
        // Not given yet: the follower brings it with what is missing (its own notification, or the catch-up after a reconnect).
        onError(err);
        return;
      }
      if ((this.heads.get(event.topic) ?? 0) >= event.seq) return;
      if (!this.byTopic.has(event.topic)) return;
    }
    this.heads.set(event.topic, event.seq);
    this.deliver(this.byTopic.get(event.topic), event, 'local', onError);
  }

  /**
   * Followed: gives `topic`'s listeners the committed events after its head, up to `upTo` (every
   * one with null), read from the table in pages. Events pruned by retention are skipped. Throws
   * what the read throws (nothing past the last event given is marked given).
   */
  catchUp(topic: string, upTo: number | null, onError: (err: unknown) => void): void {
    const committed = this.committed;
    if (!committed) return;
    for (;;) {
      const head = this.heads.get(topic);
      if (head === undefined || (upTo !== null && head >= upTo)) return;
      const limit = upTo === null ? CATCH_UP_PAGE : Math.min(CATCH_UP_PAGE, upTo - head);
      const page = committed.read(topic, head, limit);
      for (const envelope of page) {
        const current = this.heads.get(topic);
        // Unsubscribed meanwhile, or a listener's own write already went out past it.
        if (current === undefined) return;
        if (envelope.seq <= current) continue;
        this.heads.set(topic, envelope.seq);
        // Rows may predate today's payload schemas; listeners read them as the live socket replays them.
        this.deliver(this.byTopic.get(topic), envelope as JournalEvent, 'remote', onError);
      }
      if (page.length < limit) {
        // Short of `upTo`: pruned (or compacted) away. Nothing more will come below it.
        if (upTo !== null && this.heads.has(topic) && this.heads.get(topic)! < upTo) this.heads.set(topic, upTo);
        return;
      }
    }
  }

  private deliver(set: Set<Listener> | undefined, event: JournalEvent, origin: EventOrigin, onError: (err: unknown) => void): void {
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event, origin);
      } catch (err) {
        onError(err);
      }
    }
  }

  listenerCount(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }
}
