import { RunnerClientMessage, type RunnerServerMessage } from './runner';

/** The answer to a runner frame that cannot be used: `bad_frame`, echoing the frame's id when it has one. */
export type BadFrameReply = Extract<RunnerServerMessage, { type: 'error' }>;

export type DecodedRunnerClientFrame = { ok: true; message: RunnerClientMessage } | { ok: false; reply: BadFrameReply };

/**
 * How the server side of `/ws/runner` reads one frame: the gateway and the runner tests' fake
 * server both call this, so the fake accepts and refuses exactly what the gateway does. `null`
 * stands for a frame with no text (binary). Never throws.
 */
export function decodeRunnerClientFrame(text: string | null): DecodedRunnerClientFrame {
  let json: unknown;
  try {
    json = JSON.parse(text ?? '');
  } catch {
    return { ok: false, reply: { type: 'error', id: null, code: 'bad_frame', message: 'frame is not valid JSON' } };
  }
  const parsed = RunnerClientMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const id = typeof json === 'object' && json && 'id' in json && (typeof json.id === 'string' || typeof json.id === 'number') ? json.id : null;
  const issue = parsed.error.issues[0];
  return { ok: false, reply: { type: 'error', id, code: 'bad_frame', message: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}` } };
}
