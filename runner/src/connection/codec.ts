import { RunnerClientMessage, RunnerEventsFrameEnvelope, RunnerServerMessage } from '@weft/shared';

export type DecodeResult = { ok: true; message: RunnerServerMessage } | { ok: false; reason: string };

const MAX_REASON = 500;

/** Parses one incoming frame. Never throws: a bad frame is reported as data for the caller to log. */
export function decodeServerMessage(data: unknown): DecodeResult {
  const text = frameText(data);
  if (text === null) return { ok: false, reason: 'binary or unreadable frame' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not JSON' };
  }
  const parsed = RunnerServerMessage.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; ');
    return { ok: false, reason: issues.slice(0, MAX_REASON) };
  }
  return { ok: true, message: parsed.data };
}

export class OutgoingFrameError extends Error {
  override readonly name = 'OutgoingFrameError';
}

/** Validates an outgoing frame against the protocol before it leaves; a failure is a runner bug. */
export function encodeClientMessage(message: RunnerClientMessage): string {
  // Events were each validated when emitted (outbox); checking them again per frame is the hot path's cost.
  const parsed = message.type === 'events' ? RunnerEventsFrameEnvelope.safeParse(message) : RunnerClientMessage.safeParse(message);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; ');
    throw new OutgoingFrameError(`refusing to send an invalid ${message.type} frame: ${issues.slice(0, MAX_REASON)}`);
  }
  // The original, not `parsed.data`: defaults are the server's to apply and `unknown` payloads stay as they are.
  return JSON.stringify(message);
}

/**
 * An `events` frame whose events are already JSON (the outbox wrote each once, as it sized frames):
 * the envelope is checked as `encodeClientMessage` checks it, and the events go in as they are.
 */
export function encodeEventsFrame(frame: Extract<RunnerClientMessage, { type: 'events' }>, eventTexts: readonly string[]): string {
  const parsed = RunnerEventsFrameEnvelope.safeParse(frame);
  if (!parsed.success || eventTexts.length !== frame.events.length) {
    const issues = parsed.success
      ? 'events: their texts do not match them'
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; ');
    throw new OutgoingFrameError(`refusing to send an invalid events frame: ${issues.slice(0, MAX_REASON)}`);
  }
  const { type, id, executionId, attempt } = frame;
  return `${JSON.stringify({ type, id, executionId, attempt }).slice(0, -1)},"events":[${eventTexts.join(',')}]}`;
}

function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data) && data.every((chunk) => Buffer.isBuffer(chunk))) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return null;
}
