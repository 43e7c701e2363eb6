import type { z } from 'zod';

/** The answer to a client frame that cannot be used: `bad_frame`, echoing the frame's id when it has one. */
export type BadFrameReply = { type: 'error'; id: string | number | null; code: 'bad_frame'; message: string };

export type DecodedClientFrame<T> = { ok: true; message: T } | { ok: false; reply: BadFrameReply };

/**
 * How a server reads one frame a WebSocket client sent (`/ws/runner`, `/ws/live`) against that
 * socket's message schema. `null` stands for a frame with no text (binary). Text that is not JSON
 * and a message the schema refuses come back as the reply to send instead; never throws.
 */
export function decodeClientFrame<S extends z.ZodType>(schema: S, text: string | null): DecodedClientFrame<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text ?? '');
  } catch {
    return { ok: false, reply: { type: 'error', id: null, code: 'bad_frame', message: 'frame is not valid JSON' } };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const id = typeof json === 'object' && json && 'id' in json && (typeof json.id === 'string' || typeof json.id === 'number') ? json.id : null;
  const issue = parsed.error.issues[0];
  return { ok: false, reply: { type: 'error', id, code: 'bad_frame', message: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}` } };
}
