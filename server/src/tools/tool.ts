import type { z } from 'zod';

/** Where a tool call comes from: a person (REST), the chat assistant, or an agent step in a workflow. */
export type ToolContext = {
  actor: 'user' | 'assistant' | 'workflow';
  sessionId?: string | undefined;
  /** Set when an agent_prompt step calls the tool: the self-mutating tools are refused then. */
  executionId?: string | undefined;
  stepId?: string | undefined;
  signal?: AbortSignal | undefined;
};

export type ToolDefinition<S extends z.ZodType = z.ZodType> = {
  name: string;
  description: string;
  args: S;
  /** The JSON Schema to publish when `args` cannot express it (MCP tools bring their own); `args` still validates. */
  inputSchema?: Record<string, unknown>;
  /** Deletes or rewrites history: an agent's call waits for a human approval. */
  destructive: boolean;
  /** Changes workflows or triggers: refused inside a workflow execution. */
  selfMutating: boolean;
  run(args: z.infer<S>, ctx: ToolContext): unknown | Promise<unknown>;
};

export const defineTool = <S extends z.ZodType>(t: ToolDefinition<S>): ToolDefinition => t as unknown as ToolDefinition;
