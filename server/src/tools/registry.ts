import { z } from 'zod';
import { AppError } from '../http/errors';
import type { ToolContext, ToolDefinition } from './tool';
import type { ToolApprovals } from './tool-approvals';

export type ToolInfo = {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  destructive: boolean;
  /** False for the self-mutating tools: refused inside a workflow execution. */
  allowedInWorkflows: boolean;
};

const toIssuePath = (path: PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');

/** `github:*` style allowlists for agent steps. */
export function matchesToolPattern(name: string, pattern: string): boolean {
  if (pattern === name || pattern === '*') return true;
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return false;
}

/**
 * One registry for every caller: `GET /api/tools`, `POST /api/tools/call`, the chat assistant and
 * agent steps. Arguments are checked against the tool's schema; self-mutating tools are refused in
 * workflow context; destructive tools called by an agent wait for a human approval.
 */
export function createToolRegistry({ toolApprovals }: { toolApprovals: ToolApprovals }) {
  const tools = new Map<string, ToolDefinition>();

  const info = (t: ToolDefinition): ToolInfo => {
    const schema = t.inputSchema ? { ...t.inputSchema } : (z.toJSONSchema(t.args, { unrepresentable: 'any' }) as Record<string, unknown>);
    delete schema.$schema;
    return { name: t.name, description: t.description, inputSchema: schema, destructive: t.destructive, allowedInWorkflows: !t.selfMutating };
  };

  return {
    register(defs: ToolDefinition[]) {
      for (const d of defs) tools.set(d.name, d);
    },
    unregister(prefix: string) {
      for (const name of [...tools.keys()]) if (name.startsWith(prefix)) tools.delete(name);
    },
    list(filter?: { workflowContext?: boolean; patterns?: string[] }): ToolInfo[] {
      return [...tools.values()]
        .filter((t) => !(filter?.workflowContext && t.selfMutating))
        .filter((t) => !filter?.patterns || filter.patterns.some((p) => matchesToolPattern(t.name, p)))
        .map(info);
    },
    has: (name: string) => tools.has(name),
    /** Throws AppError for unknown tools (404), bad arguments (422), refusals (403) and tool failures. */
    async call(name: string, rawArgs: unknown, ctx: ToolContext): Promise<unknown> {
      const tool = tools.get(name);
      if (!tool) throw new AppError(404, 'unknown_tool', `name: unknown tool ${JSON.stringify(name)}`);
      if (ctx.executionId !== undefined && tool.selfMutating) {
        throw new AppError(403, 'tool_denied', `${name} is not available inside a workflow execution: a workflow may not change workflows or triggers`);
      }
      const parsed = tool.args.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const where = toIssuePath(issue.path) || 'arguments';
        throw new AppError(422, 'invalid_arguments', `${where}: ${issue.message}`, { errors: parsed.error.issues.map((i) => ({ path: toIssuePath(i.path) || 'arguments', message: i.message })) });
      }
      if (tool.destructive && ctx.actor !== 'user') {
        const { decided } = toolApprovals.request({
          sessionId: ctx.sessionId,
          tool: name,
          args: parsed.data,
          message: `The assistant wants to run ${name} with ${JSON.stringify(parsed.data)}. Allow it?`,
          signal: ctx.signal,
        });
        const outcome = await decided;
        if (!outcome.approved) {
          throw new AppError(403, 'tool_call_denied', `${name} was denied by ${outcome.decidedBy}${outcome.comment ? `: ${outcome.comment}` : ''}`);
        }
      }
      return tool.run(parsed.data, ctx);
    },
  };
}

export type ToolRegistry = ReturnType<typeof createToolRegistry>;
