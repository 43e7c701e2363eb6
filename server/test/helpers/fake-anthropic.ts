import http from 'node:http';

/**
 * A local fake of the Messages API (POST /v1/messages, SSE streaming) that the real Anthropic SDK
 * talks to. Tests script each response: a streamed turn, an HTTP error, or a stream cut mid-way.
 */
export type SseEvent = { type: string; [k: string]: unknown };
export type FakeReply =
  | { kind: 'stream'; events: SseEvent[]; delayMs?: number; cutAfter?: number; hangAfter?: number }
  | { kind: 'error'; status: number; type: string; message: string; sdkRetries?: boolean };
export type RecordedRequest = { body: any; headers: http.IncomingHttpHeaders };
export type Script = FakeReply[] | ((req: RecordedRequest, index: number) => FakeReply);

export type FakeAnthropic = {
  url: string;
  requests: RecordedRequest[];
  setScript(script: Script): void;
  close(): Promise<void>;
};

let ids = 0;

export function textTurn(text: string, { chunks = 4, model = 'claude-test', inputTokens = 12, outputTokens = 34, stopReason = 'end_turn' } = {}): SseEvent[] {
  const size = Math.max(1, Math.ceil(text.length / chunks));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return [
    {
      type: 'message_start',
      message: {
        id: `msg_${++ids}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...pieces.map((p) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } },
    { type: 'message_stop' },
  ];
}

export function toolTurn(calls: { id?: string; name: string; input: unknown }[], { text = '', model = 'claude-test' } = {}): SseEvent[] {
  const events: SseEvent[] = [
    {
      type: 'message_start',
      message: { id: `msg_${++ids}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: 20, output_tokens: 1 } },
    },
  ];
  let index = 0;
  if (text) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    events.push({ type: 'content_block_stop', index });
    index++;
  }
  for (const call of calls) {
    const json = JSON.stringify(call.input);
    const half = Math.ceil(json.length / 2);
    events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id ?? `toolu_${++ids}`, name: call.name, input: {} } });
    events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } });
    events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(half) } });
    events.push({ type: 'content_block_stop', index });
    index++;
  }
  events.push({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } });
  events.push({ type: 'message_stop' });
  return events;
}

export const overloaded = (): FakeReply => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
export const serverError = (): FakeReply => ({ kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' });
/** The same error, left to the SDK's own retry rule (see `sdkRetries`). */
export const leftToSdk = (reply: FakeReply): FakeReply => ({ ...reply, sdkRetries: true }) as FakeReply;

export async function startFakeAnthropic(script: Script = []): Promise<FakeAnthropic> {
  let current: Script = script;
  let n = 0;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not found' } }));
        return;
      }
      const recorded = { body: JSON.parse(raw || '{}'), headers: req.headers };
      requests.push(recorded);
      const index = n++;
      const reply = typeof current === 'function' ? current(recorded, index) : current[index];
      if (!reply) {
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: `fake: no scripted reply #${index}` } }));
        return;
      }
      if (reply.kind === 'error') {
        // x-should-retry: false keeps the SDK from retrying, so tests count attempts exactly. With
        // `sdkRetries` the SDK decides as it would against the real API (it retries 5xx and 529),
        // told to wait 1 ms instead of its backoff.
        const retry = reply.sdkRetries ? { 'retry-after-ms': '1' } : { 'x-should-retry': 'false' };
        res
          .writeHead(reply.status, { 'content-type': 'application/json', ...retry })
          .end(JSON.stringify({ type: 'error', error: { type: reply.type, message: reply.message } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      for (let i = 0; i < reply.events.length; i++) {
        if (reply.cutAfter !== undefined && i >= reply.cutAfter) {
          res.destroy();
          return;
        }
        if (reply.hangAfter !== undefined && i >= reply.hangAfter) return; // never finishes: a timeout or cancel must end it
        const ev = reply.events[i]!;
        res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`);
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (res.destroyed) return;
      }
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setScript(s) {
      current = s;
      n = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
