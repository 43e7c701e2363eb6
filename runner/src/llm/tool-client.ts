/** Workflow tools live on the server; an agent step calls them over HTTP in its execution's context. */
export type ToolInfo = { name: string; description: string; inputSchema: Record<string, unknown>; destructive: boolean };

export type ToolClient = {
  list(): Promise<ToolInfo[]>;
  call(input: { name: string; arguments: unknown; executionId: string; stepId: string; sessionId: string | null; signal: AbortSignal }): Promise<{ ok: true; result: unknown } | { ok: false; error: string; status?: number; code?: string }>;
};

export function createToolClient({ serverUrl, token }: { serverUrl: string; token: string }): ToolClient {
  const base = serverUrl.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    async list() {
      const res = await fetch(`${base}/api/tools?context=workflow`, { headers });
      if (!res.ok) throw new Error(`listing tools failed: HTTP ${res.status}`);
      return ((await res.json()) as { tools: ToolInfo[] }).tools;
    },
    async call({ name, arguments: args, executionId, stepId, sessionId, signal }) {
      const res = await fetch(`${base}/api/tools/call`, {
        method: 'POST',
        headers,
        signal,
        body: JSON.stringify({ name, arguments: args ?? {}, ...(sessionId ? { sessionId } : {}), context: { executionId, stepId } }),
      });
      const body = (await res.json().catch(() => null)) as { result?: unknown; error?: { message?: string; code?: string } } | null;
      if (!res.ok) return { ok: false, error: body?.error?.message ?? `HTTP ${res.status}`, status: res.status, ...(body?.error?.code ? { code: body.error.code } : {}) };
      return { ok: true, result: body?.result ?? null };
    },
  };
}
