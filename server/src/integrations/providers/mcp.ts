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

const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_TOOLS = 500;

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
  connect({ config, credentials, known, onOperationsChanged }): Connection {
    const timeout = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let client: Client | null = null;
    let connecting: Promise<Client> | null = null;
    // Records stored before effects were recorded (or with anything else) are destructive until the next listing.
    let tools: OperationRecord[] = known.map((k) => ({ ...k, effect: k.effect === 'read' ? 'read' : 'destructive' }));
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
        });
        t.stderr?.on('data', (chunk: Buffer) => {
          stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
        });
        return t;
      }
      const headers = { ...config.headers, ...credentials?.headers };
      return new StreamableHTTPClientTransport(new URL(config.url!), { requestInit: { headers } });
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
              description: (t.description ?? t.title ?? `MCP tool ${t.name}`).slice(0, 4000),
              inputSchema: t.inputSchema as Record<string, unknown>,
              effect: mcpEffect(t.annotations),
            });
          }
          cursor = page.nextCursor;
        } while (cursor && listed.length < MAX_TOOLS);
      } catch (err) {
        throw mcpFailure(err, { connecting: false, tail: tail() });
      }
      tools = listed;
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
