import http from 'node:http';
import type { Socket } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export type FakeMcpHttp = { url: string; requests: http.IncomingHttpHeaders[]; close(): Promise<void> };

/** A tool set for the tests: `greet` and `multiply`. */
function buildServer(): McpServer {
  const server = new McpServer({ name: 'weft-http-fixture', version: '1.0.0' });
  server.registerTool('greet', { description: 'Greets someone', inputSchema: { name: z.string().min(1) } }, async ({ name }) => ({
    content: [{ type: 'text', text: `hello ${name}` }],
    structuredContent: { greeting: `hello ${name}` },
  }));
  server.registerTool('multiply', { description: 'Multiplies two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a * b) }],
    structuredContent: { product: a * b },
  }));
  return server;
}

/**
 * A streamable-HTTP MCP server on 127.0.0.1:0, stateless (a fresh server per request). With
 * `bearer`, requests without `Authorization: Bearer <bearer>` get 401.
 */
export async function startFakeMcpHttp({ bearer }: { bearer?: string } = {}): Promise<FakeMcpHttp> {
  const requests: http.IncomingHttpHeaders[] = [];
  const sockets = new Set<Socket>();
  const httpServer = http.createServer((req, res) => {
    requests.push(req.headers);
    if (bearer && req.headers.authorization !== `Bearer ${bearer}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const server = buildServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, JSON.parse(raw || 'null'));
    });
  });
  httpServer.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
