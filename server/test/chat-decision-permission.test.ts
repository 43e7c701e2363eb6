import { randomBytes } from 'node:crypto';
import { messageText } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, PAT_PREFIX } from '../src/people/api-tokens';
import { startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { waitUntil } from './helpers/live-client';
import { addPersonWithToken } from './helpers/people';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { startServer, type TestServer } from './helpers/server';
import { finishedExecution } from './helpers/executions';

/**
 * `/approve` and `/deny` in a chat need what `POST /api/approvals/:id/decision` needs: the `approve`
 * permission of the credential that posts them. A workflow's destructive tool call held in a chat has
 * no other check (once approved it runs as nobody's call), so a person who may only read and run, or
 * whose token only reads, must not get it run by typing `/approve` in their own chat.
 */

let s: TestServer;
let runner: RunnerProcess;
let mcp: FakeMcpHttp;

beforeAll(async () => {
  mcp = await startFakeMcpHttp();
  s = await startServer({ config: { engineTickMs: 50 } });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir: s.dataDir });
  const added = await s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'remote', config: { url: mcp.url } } });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  await waitUntil(async () => (await s.request('GET', '/api/integrations/remote')).body.status === 'ready', 15_000, 'the MCP integration');
}, 60_000);
afterAll(async () => {
  await runner?.kill('SIGKILL');
  await s?.close();
  await mcp?.close();
});

/** A second personal token of the same person, carrying only `scopes`. */
function narrowedToken(userId: string, scopes: string[]): string {
  const token = `${PAT_PREFIX}${randomBytes(24).toString('base64url')}`;
  s.app.db
    .prepare('INSERT INTO api_tokens (id, user_id, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(`tok_${randomBytes(6).toString('hex')}`, userId, 'narrow', JSON.stringify(scopes), hashToken(token), Date.now());
  return token;
}

/** A run of a workflow whose one step erases `record` (a destructive MCP tool), started by `token` into its own chat, once its call is held there. */
async function heldInChat(token: string, record: string) {
  const definition = { name: `Erase ${record}`, requires: ['remote'], steps: [{ id: 'erase', type: 'tool', tool: 'remote:erase', arguments: { id: record } }] };
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const chat = (await s.request('POST', '/api/sessions', { token, body: {} })).body.id as string;
  const started = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { token, body: { sessionId: chat } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  let card: any;
  await waitUntil(
    async () => {
      const pending = (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat}`, { token })).body.approvals;
      card = pending?.find((a: any) => a.kind === 'tool' && a.tool.name === 'remote:erase');
      return card !== undefined;
    },
    20_000,
    'the held call in the chat',
  );
  expect(card).toMatchObject({ executionId: started.body.executionId, sessionId: chat, status: 'pending', tool: { arguments: { id: record } } });
  return { chat, executionId: started.body.executionId as string, approvalId: card.id as string };
}

/** Posts `content` into the chat as `token` and answers the finished reply's text. */
async function say(token: string, chat: string, content: string): Promise<string> {
  const posted = await s.request('POST', `/api/sessions/${chat}/messages`, { token, body: { content } });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  let msg: any;
  await waitUntil(
    async () => {
      msg = (await s.request('GET', `/api/sessions/${chat}/messages?limit=200`, { token })).body.messages.find(
        (m: any) => m.id === posted.body.assistantMessageId,
      );
      return msg !== undefined && msg.status !== 'streaming';
    },
    20_000,
    'the reply',
  );
  return messageText(msg);
}

const statusOf = (approvalId: string) =>
  s.app.db.prepare<[string], { status: string }>('SELECT status FROM tool_approvals WHERE id = ?').get(approvalId)?.status;

describe("a workflow's destructive call held in a chat", () => {
  it('is neither approved nor denied by the chat of an operator (read and run, no approve): it stays pending and does not run', async () => {
    const operator = addPersonWithToken(s, 'operator');
    const held = await heldInChat(operator.token, 'op-1');

    for (const command of ['/approve', '/deny'] as const) {
      const reply = await say(operator.token, held.chat, command);
      expect(reply).toBe(`${command}: You need the approve permission to decide approvals (${command}); ask someone with the owner, admin, approver role.`);
      expect(statusOf(held.approvalId), command).toBe('pending');
    }
    // Nothing reached the tool, and the run still waits on the card.
    await new Promise((r) => setTimeout(r, 300));
    expect(mcp.calls).not.toContain('erase op-1');
    expect((await s.request('GET', `/api/approvals/${held.approvalId}`, { token: operator.token })).body).toMatchObject({
      status: 'pending',
      mayDecide: false,
    });
    // As the decision route answers the same person.
    const rest = await s.request('POST', `/api/approvals/${held.approvalId}/decision`, { token: operator.token, body: { decision: 'approve' } });
    expect(rest.status).toBe(403);

    expect((await s.request('POST', `/api/executions/${held.executionId}/cancel`, { token: operator.token })).status).toBe(200);
    expect((await finishedExecution(s, held.executionId)).status).toBe('canceled');
    expect(mcp.calls).not.toContain('erase op-1');
  });

  it("is not decided by an admin's token narrowed to read; the same admin's full token approves it and it runs", async () => {
    const admin = addPersonWithToken(s, 'admin');
    const readOnly = narrowedToken(admin.id, ['read']);
    const held = await heldInChat(admin.token, 'adm-1');

    for (const command of ['/approve', '/deny'] as const) {
      const reply = await say(readOnly, held.chat, command);
      expect(reply).toBe(`${command}: You need the approve permission to decide approvals (${command}); this token does not carry it.`);
      expect(statusOf(held.approvalId), command).toBe('pending');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(mcp.calls).not.toContain('erase adm-1');

    expect(await say(admin.token, held.chat, '/approve')).toBe('Approved the call remote:erase.');
    expect(statusOf(held.approvalId)).toBe('approved');
    expect((await finishedExecution(s, held.executionId)).status).toBe('succeeded');
    expect(mcp.calls).toContain('erase adm-1');
  });

  it('is denied by the chat of a person holding approve: the call does not run', async () => {
    const admin = addPersonWithToken(s, 'admin');
    const held = await heldInChat(admin.token, 'adm-2');
    expect(await say(admin.token, held.chat, '/deny')).toBe('Denied the call remote:erase.');
    expect(statusOf(held.approvalId)).toBe('denied');
    expect((await finishedExecution(s, held.executionId)).status).toBe('failed');
    expect(mcp.calls).not.toContain('erase adm-2');
  });

  it("is the same for the chat's own /run: an operator's /approve of it is refused and nothing starts", async () => {
    const operator = addPersonWithToken(s, 'operator');
    const wf = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Operator start', steps: [{ id: 'a', type: 'bash', command: 'echo hi' }] } },
    });
    const chat = (await s.request('POST', '/api/sessions', { token: operator.token, body: {} })).body.id as string;
    const posted = await s.request('POST', `/api/sessions/${chat}/messages`, { token: operator.token, body: { content: '/run operator start' } });
    expect(posted.status).toBe(202);
    let card: any;
    await waitUntil(async () => {
      card = (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat}`, { token: operator.token })).body.approvals.find(
        (a: any) => a.kind === 'tool',
      );
      return card !== undefined;
    });
    expect(await say(operator.token, chat, '/approve')).toBe(
      '/approve: You need the approve permission to decide approvals (/approve); ask someone with the owner, admin, approver role.',
    );
    expect(statusOf(card.id)).toBe('pending');
    expect((await s.request('GET', `/api/executions?workflowId=${wf.body.id}`)).body.executions).toEqual([]);
    // Deleting the chat stops the waiting /run: its call closes undecided.
    expect((await s.request('DELETE', `/api/sessions/${chat}`, { token: operator.token })).status).toBe(204);
    expect(statusOf(card.id)).toBe('closed');
  });
});
