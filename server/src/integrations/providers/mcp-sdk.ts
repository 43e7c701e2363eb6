import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

/**
 * The parts of the MCP SDK the provider uses, imported at the first MCP connection rather than at
 * start-up: the SDK (client, both transports and its zod schemas) costs several MB and hundreds of
 * ms to load, and most servers have no MCP integration.
 */
export type McpSdk = {
  Client: typeof Client;
  StdioClientTransport: typeof import('@modelcontextprotocol/sdk/client/stdio.js').StdioClientTransport;
  getDefaultEnvironment: typeof import('@modelcontextprotocol/sdk/client/stdio.js').getDefaultEnvironment;
  StreamableHTTPClientTransport: typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js').StreamableHTTPClientTransport;
  StreamableHTTPError: typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js').StreamableHTTPError;
  ErrorCode: typeof import('@modelcontextprotocol/sdk/types.js').ErrorCode;
  McpError: typeof import('@modelcontextprotocol/sdk/types.js').McpError;
  ToolListChangedNotificationSchema: typeof import('@modelcontextprotocol/sdk/types.js').ToolListChangedNotificationSchema;
};

let loading: Promise<McpSdk> | undefined;
let loaded: McpSdk | null = null;

export function loadMcpSdk(): Promise<McpSdk> {
  loading ??= Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]).then(([client, stdio, http, types]) => {
    loaded = {
      Client: client.Client,
      StdioClientTransport: stdio.StdioClientTransport,
      getDefaultEnvironment: stdio.getDefaultEnvironment,
      StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
      StreamableHTTPError: http.StreamableHTTPError,
      ErrorCode: types.ErrorCode,
      McpError: types.McpError,
      ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema,
    };
    return loaded;
  });
  return loading;
}

/** The SDK once loaded; before that no error can be one of its classes. */
export const loadedMcpSdk = (): McpSdk | null => loaded;
