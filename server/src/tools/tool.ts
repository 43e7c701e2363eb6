import type { StartedBy, ToolEffect } from '@weft/shared';
import type { UserPrincipal } from '../auth/principal';
import type { z } from 'zod';

/**
 * Who is calling, as the server established it (never from the caller's own arguments): a person
 * (a REST request authenticated as a user), the chat assistant, or a workflow (a runner's call in
 * an execution's context: a `tool` or `agent_prompt` step).
 */
export type ToolContext = {
  actor: 'user' | 'assistant' | 'workflow';
  /**
   * The person behind the call: the signed-in caller for `user`, or whoever approved the call's
   * tool approval. Tools that record a decision take the name from here.
   */
  person?: string | undefined;
  /**
   * The person the call acts for: the signed-in caller (`user`), or the person whose chat the
   * assistant or a chat command works in. The tool's scope (tool-scopes.ts) is checked against
   * theirs before anything runs or asks; runs started for them record their id (`startedBy`).
   */
  user?: UserPrincipal | undefined;
  /**
   * Who decides a step approval through this call when not `user`: the person who approved the
   * assistant's call (set by the registry after a tool approval).
   */
  personId?: string | undefined;
  sessionId?: string | undefined;
  /** Set for a workflow's call: the execution (and step) it runs in. */
  executionId?: string | undefined;
  stepId?: string | undefined;
  /** With `stepId`: the step instance's iteration path (`""` outside a foreach). */
  iterationPath?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called when the call waits for a person's tool approval (the chat shows the card). */
  onApprovalRequested?: ((approvalId: string) => void) | undefined;
};

/**
 * Who starts a run a tool call starts: the parent execution for a workflow's call, the person for
 * their own call (also one naming a run as its context), the assistant for the person whose chat it is (the id stays the person's, so the
 * self-approval rule sees who asked). Null when no person is known (a system call).
 */
export function startedByOf(ctx: ToolContext): StartedBy | null {
  switch (ctx.actor) {
    case 'workflow':
      // A person who names a run in their own call started what it starts: self-approval rules see them.
      if (ctx.user) return { kind: 'user', id: ctx.user.id };
      return ctx.executionId ? { kind: 'workflow', id: ctx.executionId } : null;
    case 'user':
      return ctx.user ? { kind: 'user', id: ctx.user.id } : null;
    case 'assistant':
      return ctx.user ? { kind: 'assistant', id: ctx.user.id } : null;
    default: {
      const never: never = ctx.actor;
      return never;
    }
  }
}

/** What a call changes (see the contract in `@weft/shared`): decides who must approve it. */
export type { ToolEffect };

/**
 * Whether a workflow may call it: `allowed`, or refused (403 `tool_denied`) because a workflow may
 * not change workflows or triggers (`self_mutating`) nor decide a human gate (`human_gate`).
 */
export type WorkflowUse = 'allowed' | 'self_mutating' | 'human_gate';

export type ToolDefinition<S extends z.ZodType = z.ZodType> = {
  name: string;
  description: string;
  args: S;
  /** The JSON Schema to publish when `args` cannot express it (MCP tools bring their own); `args` still validates. */
  inputSchema?: Record<string, unknown>;
  effect: ToolEffect;
  inWorkflows: WorkflowUse;
  /**
   * Set when no call can be made as the tool is published (an MCP tool whose input schema has a
   * pattern RE2 cannot run, so its arguments cannot be checked): every call is refused with 424 and
   * this code, whoever calls; the listing says why (`unusable`) and workflow context leaves it out.
   */
  unusable?: { code: string; message: string; details?: Record<string, unknown> };
  run(args: z.infer<S>, ctx: ToolContext): unknown | Promise<unknown>;
};

export const defineTool = <S extends z.ZodType>(t: ToolDefinition<S>): ToolDefinition => t as unknown as ToolDefinition;
