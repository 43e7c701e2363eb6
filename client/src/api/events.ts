import { EventsResponse } from '@weft/shared';
import { isApiError, request } from './http';

/**
 * The topic's journal head: load a snapshot after reading it, then follow the topic from it.
 * Events between the head and the snapshot replay over state that already has them, which every
 * consumer applies idempotently; nothing after the snapshot can be missed.
 */
export async function topicHead(topic: string, signal?: AbortSignal): Promise<number> {
  try {
    const page = await request(`/api/events?topic=${encodeURIComponent(topic)}&limit=1`, { schema: EventsResponse, ...(signal ? { signal } : {}) });
    return page.lastSeq;
  } catch (error) {
    // The topic's start was compacted by retention (410 topic_pruned): its head is in the answer.
    const head = isApiError(error) && error.code === 'topic_pruned' ? (error.details as { lastSeq?: unknown } | undefined)?.lastSeq : undefined;
    if (typeof head === 'number') return head;
    throw error;
  }
}
