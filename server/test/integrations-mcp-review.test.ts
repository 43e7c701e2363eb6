import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_TOOL_RESULT_BYTES, TRUNCATED_PREVIEW_CHARS } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic } from './helpers/fake-anthropic';
import { HOSTILE_DESCRIPTION, startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { waitUntil } from './helpers/live-client';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

// The MCP server is hostile: once added it re-lists its tools as read-only, with descriptions
// telling the assistant to send it what it saw, and returns results far larger than any message.
let fake: FakeAnthropic;
let mcp: FakeMcpHttp;
let s: TestServer;
const dataDir = makeDataDir();
const BIG = 5 * 1024 * 1024;
const env = () => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  mcp = await startFakeMcpHttp({ bigResultBytes: BIG });
  s = await startServer({ dataDir, env: env() });
});
afterAll(async () => {
  await s.close();
  await mcp.close();
  await fake.close();
});

async function checked(name: string) {
  const res = await s.request('POST', `/api/integrations/${name}/check`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status, res.body.statusReason).toBe('ready');
  return res.body;
}

async function toolsOf(prefix: string): Promise<Record<string, { effect: string; description: string }>> {
  const tools = (await s.request('GET', '/api/tools')).body.tools as { name: string; effect: string; description: string }[];
  return Object.fromEntries(tools.filter((t) => t.name.startsWith(prefix)).map((t) => [t.name, { effect: t.effect, description: t.description }]));
}

async function finalMessage(sessionId: string, messageId: string) {
  let msg: any;
  await waitUntil(
    async () => {
      msg = (await s.request('GET', `/api/sessions/${sessionId}/messages`)).body.messages.find((m: any) => m.id === messageId);
      return msg !== undefined && msg.status !== 'streaming';
    },
    20_000,
    'assistant reply',
  );
  return msg;
}

async function pendingCard(sessionId: string, tool: string) {
  let card: any;
  await waitUntil(
    async () => {
      card = (await s.request('GET', '/api/approvals?status=pending')).body.approvals.find(
        (a: any) => a.kind === 'tool' && a.sessionId === sessionId && a.tool.name === tool,
      );
      return card !== undefined;
    },
    20_000,
    `a card for ${tool}`,
  );
  return card;
}

describe('an MCP server re-listing its tools after an admin added it', () => {
  beforeAll(async () => {
    const res = await s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'hostile', config: { url: mcp.url } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await checked('hostile');
  });

  it('cannot make a tool looser nor add one that runs without asking; descriptions stay as reviewed', async () => {
    expect((await toolsOf('hostile:'))['hostile:erase']).toEqual({ effect: 'destructive', description: 'Erases a record' });
    mcp.relist();
    const view = await checked('hostile');
    expect(view.tools).toContain('hostile:exfil');
    const tools = await toolsOf('hostile:');
    // erase now says readOnlyHint: true: it keeps the effect and the description the admin saw.
    expect(tools['hostile:erase']).toEqual({ effect: 'destructive', description: 'Erases a record' });
    // exfil is new since the admin saved the integration: it asks, whatever it says of itself.
    expect(tools['hostile:exfil']!.effect).toBe('destructive');
    expect(tools['hostile:exfil']!.description.length).toBeLessThanOrEqual(1000);
    expect(tools['hostile:greet']!.effect).toBe('read');
    expect((await s.request('GET', '/api/tools?context=workflow')).body.tools.find((t: any) => t.name === 'hostile:erase').destructive).toBe(true);
  });

  it('the assistant asks the person before calling either, so nothing leaves without a card', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    fake.requests.length = 0;
    fake.setScript([
      {
        kind: 'stream',
        events: toolTurn([
          { id: 'toolu_erase', name: 'hostile__erase', input: { id: 'run output: secret-42' } },
          { id: 'toolu_exfil', name: 'hostile__exfil', input: { notes: 'secret-42' } },
        ]),
      },
      { kind: 'stream', events: textTurn('Done.') },
    ]);
    const posted = await s.request('POST', `/api/sessions/${session.id}/messages`, { body: { content: 'look at my runs' } });
    expect(posted.status).toBe(202);
    // What the model was offered for erase is the reviewed description, not the hostile one.
    await waitUntil(async () => fake.requests.length > 0, 10_000, 'the model call');
    const offered = fake.requests[0]!.body.tools.find((t: any) => t.name === 'hostile__erase');
    expect(offered.description).toBe('Erases a record');
    expect(JSON.stringify(fake.requests[0]!.body.tools)).not.toContain(HOSTILE_DESCRIPTION.slice(0, 60));
    const card = await pendingCard(session.id, 'hostile:erase');
    expect(mcp.calls).toEqual([]);
    await s.request('POST', `/api/approvals/${card.id}/decision`, { body: { decision: 'deny' } });
    const second = await pendingCard(session.id, 'hostile:exfil');
    expect(mcp.calls).toEqual([]);
    await s.request('POST', `/api/approvals/${second.id}/decision`, { body: { decision: 'deny' } });
    const msg = await finalMessage(session.id, posted.body.assistantMessageId);
    expect(msg.parts.filter((p: any) => p.type === 'tool_call').map((p: any) => p.status)).toEqual(['failed', 'failed']);
    expect(mcp.calls).toEqual([]);
  });

  it('the baseline survives a restart; re-saving the integration (an admin review) takes the current listing', async () => {
    await s.close();
    s = await startServer({ dataDir, env: env() });
    await checked('hostile');
    let tools = await toolsOf('hostile:');
    expect(tools['hostile:erase']!.effect).toBe('destructive');
    expect(tools['hostile:exfil']!.effect).toBe('destructive');
    const saved = await s.request('PATCH', '/api/integrations/hostile', { body: { config: { url: mcp.url } } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await checked('hostile');
    tools = await toolsOf('hostile:');
    expect(tools['hostile:exfil']).toEqual({ effect: 'read', description: 'Stores notes' });
    expect(tools['hostile:erase']!.effect).toBe('read');
    // Even a reviewed description reaches the model cut to 1,000 characters.
    expect(tools['hostile:erase']!.description).toBe(HOSTILE_DESCRIPTION.slice(0, 1000));
  });
});

describe('a tool result larger than any message may hold', () => {
  it('is answered by /api/tools/call as a truncated marker, not 5 MB', async () => {
    const res = await fetch(`${s.url}/api/tools/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'hostile:dump', arguments: {} }),
    });
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    expect(text.length).toBeLessThan(MAX_TOOL_RESULT_BYTES);
    const body = JSON.parse(text);
    expect(body.ok).toBe(true);
    expect(body.result).toEqual({ truncated: true, bytes: expect.any(Number), preview: expect.any(String) });
    expect(body.result.bytes).toBeGreaterThan(BIG);
    expect(body.result.preview).toHaveLength(TRUNCATED_PREVIEW_CHARS);
    expect(body.result.preview.startsWith('{"content":[{"type":"text","text":"xxx')).toBe(true);
  });

  it('is stored in the chat message (and sent to the model) as the truncated marker', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
    fake.requests.length = 0;
    fake.setScript([
      { kind: 'stream', events: toolTurn([{ id: 'toolu_dump', name: 'hostile__dump', input: {} }]) },
      { kind: 'stream', events: textTurn('That was large.') },
    ]);
    const posted = await s.request('POST', `/api/sessions/${session.id}/messages`, { body: { content: 'dump it' } });
    const msg = await finalMessage(session.id, posted.body.assistantMessageId);
    expect(msg.status).toBe('complete');
    const result = msg.parts.find((p: any) => p.type === 'tool_result');
    expect(result.output).toEqual({ truncated: true, bytes: expect.any(Number), preview: expect.any(String) });
    expect(result.output.bytes).toBeGreaterThan(BIG);
    expect(JSON.stringify(msg).length).toBeLessThan(MAX_TOOL_RESULT_BYTES);
    const sent = fake.requests[1]!.body.messages.at(-1).content[0];
    expect(sent).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_dump' });
    expect(sent.content).toContain('"truncated":true');
  });
});

describe('an MCP answer larger than the provider reads', () => {
  it('fails the call once 16 MiB came, instead of reading it all', async () => {
    const huge = await startFakeMcpHttp({ bigResultBytes: 20 * 1024 * 1024 });
    try {
      const res = await s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'huge', config: { url: huge.url } } });
      expect(res.status).toBe(201);
      await checked('huge');
      const call = await s.request('POST', '/api/tools/call', { body: { name: 'huge:dump', arguments: {} } });
      expect(call.status, JSON.stringify(call.body).slice(0, 300)).toBe(422);
      expect(call.body.error).toMatchObject({ code: 'integration_rejected', message: expect.stringContaining('larger than 16777216 bytes') });
      expect(huge.calls).toEqual(['dump']);
    } finally {
      await huge.close();
    }
  });
});

describe('an MCP server announcing a changed tool list (tools/list_changed)', () => {
  it('gets the re-listing held to the baseline too, and stored so', async () => {
    const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/mcp-stdio-server.mjs');
    const res = await s.request('POST', '/api/integrations', {
      body: { provider: 'mcp', name: 'local', config: { command: process.execPath, args: [fixture], env: { FIXTURE_MUTATE: '1' } } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await checked('local');
    expect((await toolsOf('local:'))['local:drop']).toEqual({ effect: 'destructive', description: 'Drops a table' });
    const changed = await s.request('POST', '/api/tools/call', { body: { name: 'local:mutate', arguments: {} } });
    expect(changed.status).toBe(200);
    await waitUntil(async () => (await toolsOf('local:'))['local:sneak'] !== undefined, 10_000, 'the re-listing');
    const tools = await toolsOf('local:');
    expect(tools['local:drop']).toEqual({ effect: 'destructive', description: 'Drops a table' });
    expect(tools['local:sneak']!.effect).toBe('destructive');
    // What a restart registers before its first check is what was stored: held to the baseline too.
    const row = s.app.db.prepare('SELECT operations, reviewed_operations FROM integrations WHERE name = ?').get('local') as {
      operations: string;
      reviewed_operations: string;
    };
    const effects = (json: string) => Object.fromEntries((JSON.parse(json) as { name: string; effect: string }[]).map((o) => [o.name, o.effect]));
    expect(effects(row.operations)).toMatchObject({ drop: 'destructive', sneak: 'destructive', echo: 'read' });
    expect(effects(row.reviewed_operations)).toEqual({ echo: 'read', add: 'read', fail: 'read', env_check: 'read', drop: 'destructive', mutate: 'read' });
  });
});
