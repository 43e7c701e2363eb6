import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcpHttp, type FakeMcpHttp } from './helpers/fake-mcp-http';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

// An MCP server is hostile input: its `lookup` tool's schema has a pattern RE2 cannot run
// (`^(?=.*\d)[A-Z0-9]+$`). Before, its arguments were then only checked to be an object.

let s: TestServer;
let mcp: FakeMcpHttp;

beforeAll(async () => {
  mcp = await startFakeMcpHttp({ lookaheadTool: true });
  s = await startServer();
  const res = await s.request('POST', '/api/integrations', { body: { provider: 'mcp', name: 'hostile', config: { url: mcp.url } } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  let view: any;
  await waitUntil(
    async () => {
      view = (await s.request('GET', '/api/integrations/hostile')).body;
      return view.status === 'ready';
    },
    15_000,
    'the MCP integration to be ready',
  );
  expect(view.tools).toContain('hostile:lookup');
});
afterAll(async () => {
  await s.close();
  await mcp.close();
});

const UNUSABLE_MESSAGE =
  /^hostile:lookup cannot be called: its input schema, as the MCP server lists it, has a pattern Weft cannot check arguments with, at properties\.code\.pattern: pattern "\^\(\?=\.\*\\\\d\)\[A-Z0-9\]\+\$" is not supported: it uses a lookahead `\(\?=`, which RE2 cannot run/;

describe('an MCP tool whose input schema has a pattern RE2 cannot run', () => {
  it('is refused on every call with 424 unsupported_input_schema naming the tool and the pattern, and the MCP server is never called', async () => {
    for (const args of [{ code: 'AB12' }, { code: 'no digits' }, {}, { code: 1 }]) {
      const res = await s.request('POST', '/api/tools/call', { body: { name: 'hostile:lookup', arguments: args } });
      expect(res.status, JSON.stringify(res.body)).toBe(424);
      expect(res.body.error).toEqual({
        code: 'unsupported_input_schema',
        message: expect.stringMatching(UNUSABLE_MESSAGE),
        details: { tool: 'hostile:lookup', pattern: '^(?=.*\\d)[A-Z0-9]+$', path: 'properties.code.pattern' },
      });
    }
    expect(mcp.calls).toEqual([]);
    // The server's other tools work as before.
    const greet = await s.request('POST', '/api/tools/call', { body: { name: 'hostile:greet', arguments: { name: 'Ada' } } });
    expect(greet.status).toBe(200);
  });

  it('is listed as unusable, and left out of the tools a workflow or an agent is offered', async () => {
    const all = (await s.request('GET', '/api/tools')).body.tools;
    const lookup = all.find((t: { name: string }) => t.name === 'hostile:lookup');
    expect(lookup).toMatchObject({
      allowedInWorkflows: false,
      unusable: { code: 'unsupported_input_schema', message: expect.stringMatching(UNUSABLE_MESSAGE) },
    });
    expect(all.find((t: { name: string }) => t.name === 'hostile:greet')).not.toHaveProperty('unusable');
    const inWorkflows = (await s.request('GET', '/api/tools?context=workflow')).body.tools.map((t: { name: string }) => t.name);
    expect(inWorkflows).toContain('hostile:greet');
    expect(inWorkflows).not.toContain('hostile:lookup');
  });

  it('makes a tool step calling it fail on save, at the tool of the step, with the same code', async () => {
    const res = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Lookup', steps: [{ id: 'find', type: 'tool', tool: 'hostile:lookup', arguments: { code: 'AB12' } }] } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_definition');
    expect(res.body.error.details.errors).toEqual([
      { path: 'steps[0].tool', code: 'unsupported_input_schema', message: expect.stringMatching(UNUSABLE_MESSAGE) },
    ]);
  });
});
