import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpConfig, McpCredentials } from '@weft/shared';
import { WEFT_VERSION } from '../../version';
import { loadedMcpSdk, loadMcpSdk, type McpSdk } from './mcp-sdk';
import {
  DEFAULT_TIMEOUT_MS,
  ProviderError,
  checkResultOf,
  failureMessage,
  type Connection,
  type Operation,
  type OperationRecord,
  type ProviderDefinition,
} from './types';
import type { ToolEffect } from '../../tools/tool';

const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_TOOLS = 500;
/** What of a tool's description reaches the model (and the tool list). */
export const MAX_MCP_DESCRIPTION_CHARS = 1000;
/**
 * The most one MCP answer may be on the wire (an HTTP response, or the stdio read buffer): reading
 * stops there and the call fails. Results that fit are then capped by the tool registry (1 MiB of JSON).
 */
export const MAX_MCP_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * `res` whose body errors (and stops downloading) once more than `max` bytes came. A server-sent
 * event stream (Streamable HTTP's long-lived GET, a call answered as a stream) is bounded per
 * event, not in all: it may run for hours, each message small.
 */
export function bounded(res: Response, max: number): Response {
  // A status that cannot have a body (204, 304, …) is passed as it is.
  if (!res.body || [101, 204, 205, 304].includes(res.status)) return res;
  const events = (res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
  let size = 0;
  const limited = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        // Bytes since the last blank line (an event's end), or since the start; the event a blank
        // line in this chunk ends counts what came before it too.
        const ends = events ? eventEnds(chunk) : null;
        let over: boolean;
        if (ends === null) {
          size += chunk.byteLength;
          over = size > max;
        } else {
          over = size + ends.first > max;
          size = chunk.byteLength - ends.last;
        }
        if (over || size > max) controller.error(new ProviderError('rejected', `MCP server: its answer is larger than ${max} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(limited, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** The offsets just past the first and the last blank line (`\n\n`, `\r\r`, `\r\n\r\n`) in `chunk`, or null. */
function eventEnds(chunk: Uint8Array): { first: number; last: number } | null {
  let first = -1;
  let last = -1;
  for (let i = 1; i < chunk.byteLength; i++) {
    const a = chunk[i - 1]!;
    const b = chunk[i]!;
    const blank = (a === 10 && b === 10) || (a === 13 && b === 13) || (i >= 3 && chunk[i - 3] === 13 && chunk[i - 2] === 10 && a === 13 && b === 10);
    if (!blank) continue;
    if (first === -1) first = i + 1;
    last = i + 1;
  }
  return first === -1 ? null : { first, last };
}

const boundedFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => bounded(await fetch(url, init), MAX_MCP_ANSWER_BYTES);

const EFFECT_RANK: Record<string, number> = { read: 0, write: 1, destructive: 2 };
/** The stricter of two effects (anything unknown is destructive). */
const stricter = (a: ToolEffect, b: ToolEffect): ToolEffect => ((EFFECT_RANK[a] ?? 2) >= (EFFECT_RANK[b] ?? 2) ? a : b);

/**
 * A listing held to the reviewed one (what was listed when an admin last saved the integration):
 * a known tool keeps its reviewed description and an effect no looser than its reviewed one; a
 * tool new since the review is `destructive` (every call asks a person) until an admin saves the
 * integration again. Input schemas are the server's current ones (arguments are checked against them).
 */
export function heldToReview(listed: OperationRecord[], reviewed: OperationRecord[]): OperationRecord[] {
  const before = new Map(reviewed.map((r) => [r.name, r]));
  return listed.map((t) => {
    const seen = before.get(t.name);
    if (!seen) {
      const description = `(Not reviewed: listed after the integration was last saved; every call asks a person.) ${t.description}`;
      return { ...t, description: description.slice(0, MAX_MCP_DESCRIPTION_CHARS), effect: 'destructive' };
    }
    return { ...t, description: seen.description.slice(0, MAX_MCP_DESCRIPTION_CHARS), effect: stricter(t.effect, seen.effect) };
  });
}

/** An SDK or transport failure, as the status rules see it. `connecting`: nothing answered yet. */
function mcpFailure(err: unknown, { connecting, tail }: { connecting: boolean; tail: string }): ProviderError {
  if (err instanceof ProviderError) return err;
  const detail = failureMessage(err).slice(0, 300) + (tail ? ` (stderr: ${tail})` : '');
  const sdk = loadedMcpSdk();
  if (sdk === null) return new ProviderError(connecting ? 'unreachable' : 'unavailable', `MCP server: ${detail}`);
  const { ErrorCode, McpError, StreamableHTTPError } = sdk;
  if (err instanceof StreamableHTTPError) {
    const code = err.code ?? 0;
    if (code === 401 || code === 403) return new ProviderError('auth', `MCP server rejected the credentials (HTTP ${code})`, code);
    if (code >= 500 || code === 429) return new ProviderError(connecting ? 'unreachable' : 'unavailable', `MCP server: HTTP ${code}`, code);
    return new ProviderError(connecting ? 'unreachable' : 'rejected', `MCP server: ${detail}`, code > 0 ? code : undefined);
  }
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) return new ProviderError(connecting ? 'unreachable' : 'unavailable', `MCP server did not answer in time`);
    if (err.code === ErrorCode.ConnectionClosed) return new ProviderError('unreachable', `MCP server closed the connection${tail ? ` (stderr: ${tail})` : ''}`);
    if (err.code === ErrorCode.MethodNotFound) return new ProviderError('not_found', `MCP server: ${detail}`);
    if (err.code === ErrorCode.InternalError) return new ProviderError('unavailable', `MCP server: ${detail}`);
    return new ProviderError('rejected', `MCP server: ${detail}`);
  }
  return new ProviderError(connecting ? 'unreachable' : 'unavailable', `MCP server: ${detail}`);
}

/**
 * MCP tool annotations are hints from the server; the specification's defaults assume a tool may
 * change and destroy things. Only `readOnlyHint: true` makes a tool a plain read: everything else
 * (no annotations, `destructiveHint: false`, …) is destructive, so a person approves its calls
 * from the assistant and from workflows.
 */
export function mcpEffect(annotations: { readOnlyHint?: boolean | undefined } | undefined): 'read' | 'destructive' {
  return annotations?.readOnlyHint === true ? 'read' : 'destructive';
}

const textOf = (content: unknown): string =>
  Array.isArray(content)
    ? content
        .map((c: { type?: string; text?: string }) => (c?.type === 'text' && typeof c.text === 'string' ? c.text : ''))
        .filter(Boolean)
        .join('\n')
    : '';

/**
 * Any MCP server, over stdio (`command`, `args`, `env`: the server runs it as a child process) or
 * streamable HTTP (`url`, `headers`). One client per integration, connected on first use and again
 * after the connection drops; its tools become Weft tools `<integration>:<tool>`.
 */
export const mcpProvider: ProviderDefinition<McpConfig, McpCredentials> = {
  provider: 'mcp',
  configSchema: McpConfig,
  credentialsSchema: McpCredentials,
  credentialsRequired: false,
  connect({ config, credentials, known, reviewed: reviewedBefore, onOperationsChanged }): Connection {
    const timeout = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let client: Client | null = null;
    let connecting: Promise<Client> | null = null;
    // Records stored before effects were recorded (or with anything else) are destructive until the next listing.
    let tools: OperationRecord[] = known.map((k) => ({ ...k, effect: k.effect === 'read' ? 'read' : 'destructive' }));
    // The baseline: the tools as listed when an admin last saved the integration (null: the next listing is).
    let reviewed: OperationRecord[] | null = reviewedBefore ?? null;
    let closed = false;
    let stderrTail = '';
    const tail = () => stderrTail.trim().split('\n').at(-1)?.slice(0, 200) ?? '';

    function transport({ StdioClientTransport, StreamableHTTPClientTransport, getDefaultEnvironment }: McpSdk): Transport {
      if (config.command !== undefined) {
        const t = new StdioClientTransport({
          command: config.command,
          args: config.args ?? [],
          env: { ...getDefaultEnvironment(), ...config.env, ...credentials?.env },
          ...(config.cwd ? { cwd: config.cwd } : {}),
          stderr: 'pipe',
          maxBufferSize: MAX_MCP_ANSWER_BYTES,
        });
        t.stderr?.on('data', (chunk: Buffer) => {
          stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
        });
        return t;
      }
      const headers = { ...config.headers, ...credentials?.headers };
      return new StreamableHTTPClientTransport(new URL(config.url!), { requestInit: { headers }, fetch: boundedFetch });
    }

    function ensure(signal?: AbortSignal): Promise<Client> {
      if (closed) return Promise.reject(new ProviderError('unreachable', 'the integration was closed'));
      if (client) return Promise.resolve(client);
      connecting ??= (async () => {
        const sdk = await loadMcpSdk();
        const c = new sdk.Client({ name: 'weft', version: WEFT_VERSION }, { capabilities: {} });
        c.setNotificationHandler(sdk.ToolListChangedNotificationSchema, () => {
          void refresh().then(onOperationsChanged, () => {});
        });
        try {
          await c.connect(transport(sdk), { timeout, ...(signal ? { signal } : {}) });
        } catch (err) {
          await c.close().catch(() => {});
          throw mcpFailure(err, { connecting: true, tail: tail() });
        }
        if (closed) {
          await c.close().catch(() => {});
          throw new ProviderError('unreachable', 'the integration was closed');
        }
        c.onclose = () => {
          if (client === c) client = null;
        };
        client = c;
        return c;
      })().finally(() => {
        connecting = null;
      });
      return connecting;
    }

    async function refresh(signal?: AbortSignal): Promise<void> {
      const c = await ensure(signal);
      const listed: OperationRecord[] = [];
      let cursor: string | undefined;
      try {
        do {
          const page = await c.listTools(cursor ? { cursor } : {}, { timeout, ...(signal ? { signal } : {}) });
          for (const t of page.tools) {
            if (!MCP_TOOL_NAME.test(t.name) || listed.length >= MAX_TOOLS) continue;
            listed.push({
              name: t.name,
              description: (t.description ?? t.title ?? `MCP tool ${t.name}`).slice(0, MAX_MCP_DESCRIPTION_CHARS),
              inputSchema: t.inputSchema as Record<string, unknown>,
              effect: mcpEffect(t.annotations),
            });
          }
          cursor = page.nextCursor;
        } while (cursor && listed.length < MAX_TOOLS);
      } catch (err) {
        throw mcpFailure(err, { connecting: false, tail: tail() });
      }
      reviewed ??= listed;
      tools = heldToReview(listed, reviewed);
    }

    async function callTool(name: string, args: unknown, signal: AbortSignal): Promise<unknown> {
      const c = await ensure(signal);
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await c.callTool({ name, arguments: (args ?? {}) as Record<string, unknown> }, undefined, { timeout, signal });
      } catch (err) {
        throw mcpFailure(err, { connecting: false, tail: tail() });
      }
      if (result.isError) throw new ProviderError('rejected', `${name}: ${textOf(result.content).slice(0, 2000) || 'the tool reported an error'}`);
      return { content: result.content ?? [], ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}) };
    }

    return {
      reviewed: () => reviewed,
      capabilities: () => tools.map((t) => t.name),
      operations: (): Operation[] => tools.map((t) => ({ ...t, run: (args, signal) => callTool(t.name, args, signal) })),
      async check(signal) {
        try {
          await refresh(signal);
          return { status: 'ready', reason: tools.length === 0 ? 'the server lists no tools' : null };
        } catch (err) {
          return checkResultOf(err);
        }
      },
      async close() {
        closed = true;
        const pending = connecting;
        const c = client ?? (pending ? await pending.catch(() => null) : null);
        client = null;
        await c?.close().catch(() => {});
      },
    };
  },
};
