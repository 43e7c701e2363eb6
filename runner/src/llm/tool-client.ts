import { ToolAskResponse, type AskPreview, type RunnerToolInfo, type ToolAskRequestInput, type ToolCallRequest } from '@weft/shared';
import type { ServerUrlSource } from '../connection/server-addresses';
import { readCapped } from '../net/read-body';

/** Workflow tools live on the server; an agent step calls them over HTTP in its execution's context. */
export type ToolClient = {
  list(): Promise<RunnerToolInfo[]>;
  call(input: {
    name: string;
    arguments: unknown;
    executionId: string;
    stepId: string;
    /** The step instance's iteration path: the server matches an `askApprovalId` against it. */
    iterationPath?: string;
    sessionId: string | null;
    signal: AbortSignal;
    /** The approved ask (`POST /api/tools/ask`) that covers this call, so the server does not hold it again. */
    askApprovalId?: string;
  }): Promise<{ ok: true; result: unknown } | { ok: false; error: string; status?: number; code?: string }>;
  /** One long poll of `POST /api/tools/ask`: the ask's state now, or after up to `waitMs` if still pending. */
  ask(input: {
    key: string;
    kind: 'tool' | 'question';
    tool: { name: string; arguments: unknown };
    preview: AskPreview;
    executionId: string;
    stepId: string;
    iterationPath: string;
    waitMs?: number;
    signal: AbortSignal;
  }): Promise<{ ok: true; response: ToolAskResponse } | { ok: false; error: string; status?: number; code?: string }>;
};

/**
 * The most of a `POST /api/tools/call` answer the runner reads. The server caps every tool result
 * at `MAX_TOOL_RESULT_BYTES` (1 MiB of JSON, else `{ truncated: true, bytes, preview }`), so a
 * larger answer is not one it sent as it should: it is refused, never buffered.
 */
export const MAX_TOOL_ANSWER_BYTES = 4 * 1024 * 1024;

/** The body's text, or null (nothing buffered past `max` bytes) when the server sent more than `max`. */
async function readBounded(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  const { text, truncated } = await readCapped(res, max);
  return truncated ? null : text;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

/**
 * Calls go to `POST /api/tools/call` with the runner credential, naming the lease this runner
 * holds on the execution (the server refuses a call for an execution the runner does not hold).
 * The list comes over the runner socket (`listTools`): the runner credential opens nothing else.
 * Each call goes to the server the runner is connected to at that moment (`serverUrl`).
 */
export function createToolClient({
  serverUrl,
  token,
  runnerId,
  leaseAttemptOf,
  listTools,
}: {
  serverUrl: ServerUrlSource;
  token: string;
  runnerId: string;
  /** The attempt of the lease this runner holds on the execution, if it holds one. */
  leaseAttemptOf: (executionId: string) => number | undefined;
  listTools: () => Promise<RunnerToolInfo[]>;
}): ToolClient {
  const endpoint = async (path: string, signal: AbortSignal) => `${(await serverUrl(signal)).replace(/\/+$/, '')}${path}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    list: listTools,
    async call({ name, arguments: args, executionId, stepId, iterationPath, sessionId, signal, askApprovalId }) {
      const leaseAttempt = leaseAttemptOf(executionId);
      if (leaseAttempt === undefined) return { ok: false, error: `this runner no longer holds execution ${executionId}`, status: 409, code: 'lease_not_held' };
      const request: ToolCallRequest = {
        name,
        arguments: args ?? {},
        ...(sessionId ? { sessionId } : {}),
        ...(askApprovalId ? { askApprovalId } : {}),
        context: { executionId, stepId, ...(iterationPath ? { iterationPath } : {}), runnerId, leaseAttempt },
      };
      const res = await fetch(await endpoint('/api/tools/call', signal), { method: 'POST', headers, signal, body: JSON.stringify(request) });
      const read = await readBounded(res, MAX_TOOL_ANSWER_BYTES);
      if (read === null)
        return {
          ok: false,
          error: `the server's answer to ${name} is larger than ${MAX_TOOL_ANSWER_BYTES} bytes; it was not read`,
          status: res.status,
          code: 'tool_answer_too_large',
        };
      const body = parseJson(read) as { result?: unknown; error?: { message?: string; code?: string } } | null;
      if (!res.ok)
        return { ok: false, error: body?.error?.message ?? `HTTP ${res.status}`, status: res.status, ...(body?.error?.code ? { code: body.error.code } : {}) };
      return { ok: true, result: body?.result ?? null };
    },
    async ask({ key, kind, tool, preview, executionId, stepId, iterationPath, waitMs, signal }) {
      const leaseAttempt = leaseAttemptOf(executionId);
      if (leaseAttempt === undefined) return { ok: false, error: `this runner no longer holds execution ${executionId}`, status: 409, code: 'lease_not_held' };
      const request: ToolAskRequestInput = {
        key,
        kind,
        tool,
        preview,
        ...(waitMs !== undefined ? { waitMs } : {}),
        context: { executionId, stepId, iterationPath, runnerId, leaseAttempt },
      };
      const res = await fetch(await endpoint('/api/tools/ask', signal), { method: 'POST', headers, signal, body: JSON.stringify(request) });
      const read = await readBounded(res, MAX_TOOL_ANSWER_BYTES);
      if (read === null)
        return {
          ok: false,
          error: `the server's answer to the ask is larger than ${MAX_TOOL_ANSWER_BYTES} bytes`,
          status: res.status,
          code: 'ask_bad_response',
        };
      const body = parseJson(read) as { error?: { message?: string; code?: string } } | null;
      if (!res.ok)
        return { ok: false, error: body?.error?.message ?? `HTTP ${res.status}`, status: res.status, ...(body?.error?.code ? { code: body.error.code } : {}) };
      const parsed = ToolAskResponse.safeParse(body);
      if (!parsed.success) return { ok: false, error: 'the server answered the ask with an unexpected shape', status: res.status, code: 'ask_bad_response' };
      return { ok: true, response: parsed.data };
    },
  };
}
