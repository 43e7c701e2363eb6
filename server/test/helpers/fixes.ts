import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messageText } from '@weft/shared';
import { expect } from 'vitest';
import { finishedExecution } from './executions';
import { waitUntil } from './live-client';
import type { TestServer } from './server';

/** Where scratch directories are made: give it to the runner as WEFT_SANDBOX_WRITE_PATHS. */
export const SCRATCH_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-fix-'));
/** A workspace of files the test workflows write (run counters) and read (flags). */
export const scratchDir = () => fs.mkdtempSync(path.join(SCRATCH_ROOT, 'run-'));
export const runCount = (dir: string, name: string) =>
  fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean).length : 0;

export async function newChat(s: TestServer, token?: string) {
  const res = await s.request('POST', '/api/sessions', { body: {}, ...(token ? { token } : {}) });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

/** Waits for a chat message to stop streaming; its text, links and fix parts. */
export async function finalReply(s: TestServer, sessionId: string, messageId: string) {
  let msg: any;
  await waitUntil(
    async () => {
      msg = (await s.request('GET', `/api/sessions/${sessionId}/messages?limit=200`)).body.messages.find((m: any) => m.id === messageId);
      return msg !== undefined && msg.status !== 'streaming';
    },
    30_000,
    'chat reply',
  );
  return { msg, text: messageText(msg), parts: msg.parts as any[] };
}

export async function say(s: TestServer, sessionId: string, content: string) {
  const posted = await s.request('POST', `/api/sessions/${sessionId}/messages`, { body: { content } });
  expect(posted.status).toBe(202);
  return finalReply(s, sessionId, posted.body.assistantMessageId);
}

/** Creates the workflow, runs it (in `sessionId` when given) and answers the finished run. */
export async function runToEnd(s: TestServer, definition: unknown, sessionId?: string) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status).toBe(201);
  const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: { inputs: { host: 'web-1' }, ...(sessionId ? { sessionId } : {}) } });
  expect(started.status).toBe(202);
  return { workflowId: wf.body.id as string, run: await finishedExecution(s, started.body.executionId) };
}

/** The `fix.updated` events of one fix on the workflows topic, oldest first. */
export async function fixEvents(s: TestServer, fixId: string): Promise<any[]> {
  const res = await s.request('GET', '/api/events?topic=workflows&after=0&limit=1000');
  return res.body.events.filter((e: any) => e.type === 'fix.updated' && e.data.id === fixId).map((e: any) => e.data);
}
