import type { RawData } from 'ws';
import type { z } from 'zod';

/** The answer to a frame that could not be read; `id` echoes the frame's own when it has one. */
export type BadFrameReply = { type: 'error'; id: string | number | null; code: 'bad_frame'; message: string };

/**
 * Reads one frame a WebSocket client sent (`/ws/runner`, `/ws/live`) against that socket's message
 * schema. A binary frame, text that is not JSON and a message the schema refuses come back as the
 * reply to send instead; nothing throws.
 */
export function parseClientFrame<S extends z.ZodType>(schema: S, raw: RawData, isBinary: boolean): { ok: true; message: z.infer<S> } | { ok: false; reply: BadFrameReply } {
  let json: unknown;
  try {
    json = JSON.parse(isBinary ? '' : String(raw));
  } catch {
    return { ok: false, reply: { type: 'error', id: null, code: 'bad_frame', message: 'frame is not valid JSON' } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const id = typeof json === 'object' && json && 'id' in json && (typeof json.id === 'string' || typeof json.id === 'number') ? json.id : null;
    const issue = parsed.error.issues[0];
    return { ok: false, reply: { type: 'error', id, code: 'bad_frame', message: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}` } };
  }
  return { ok: true, message: parsed.data };
}
