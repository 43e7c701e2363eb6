import type { JournalEvent } from '@weft/shared';

export type Listener = (event: JournalEvent) => void;

/** In-process fan-out of committed events, by topic. Listeners must not throw; one that does is isolated. */
export class EventBus {
  private readonly byTopic = new Map<string, Set<Listener>>();
  private readonly all = new Set<Listener>();

  subscribe(topic: string, listener: Listener): () => void {
    let set = this.byTopic.get(topic);
    if (!set) {
      set = new Set();
      this.byTopic.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
    };
  }

  subscribeAll(listener: Listener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  publish(event: JournalEvent, onError: (err: unknown) => void): void {
    for (const listener of [...(this.byTopic.get(event.topic) ?? []), ...this.all]) {
      try {
        listener(event);
      } catch (err) {
        onError(err);
      }
    }
  }

  listenerCount(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }
}
