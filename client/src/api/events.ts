import { EventsResponse } from '@weft/shared';
import { request } from './http';

/**
 * The topic's journal head: load a snapshot after reading it, then follow the topic from it.
 * Events between the head and the snapshot replay over state that already has them, which every
 * consumer applies idempotently; nothing after the snapshot can be missed.
 */
export async function topicHead(topic: string, signal?: AbortSignal): Promise<number> {
  const page = await request(`/api/events?topic=${encodeURIComponent(topic)}&limit=1`, { schema: EventsResponse, ...(signal ? { signal } : {}) });
  return page.lastSeq;
}
