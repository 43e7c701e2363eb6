import { z } from 'zod';

/**
 * What a call changes. `read`: nothing; anyone may call it at once. `write`: state (workflows,
 * triggers, proposals, runs, approvals, integrations, messages sent out): the assistant asks the
 * person first. `destructive`: deletes, rewrites history, or may do anything (MCP tools without
 * `readOnlyHint`): the assistant and workflows ask the person first.
 */
export const ToolEffect = z.enum(['read', 'write', 'destructive']);
export type ToolEffect = z.infer<typeof ToolEffect>;

/** One tool as `GET /api/tools` lists it. */
export const ToolInfo = z.object({
  name: z.string().max(200),
  description: z.string(),
  /** JSON Schema of the call's `arguments`. */
  inputSchema: z.record(z.string(), z.unknown()),
  effect: ToolEffect,
  /** `effect === 'destructive'`: a workflow's call waits for a person too. */
  destructive: z.boolean(),
  /** False for the tools refused inside a workflow execution (and for an unusable one). */
  allowedInWorkflows: z.boolean(),
  /**
   * Present when no call of the tool can be made as its integration publishes it: every call is
   * refused with this code (`unsupported_input_schema`: an MCP tool whose input schema has a pattern
   * RE2 cannot run) and `message` says why. `context=workflow` leaves such a tool out.
   */
  unusable: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ToolInfo = z.infer<typeof ToolInfo>;

/** `GET /api/tools?context=workflow`: `workflow` leaves out the tools refused inside executions. */
export const ToolListQuery = z.object({ context: z.enum(['workflow']).optional() });
export type ToolListQuery = z.infer<typeof ToolListQuery>;
export const ToolListResponse = z.object({ tools: z.array(ToolInfo) });
export type ToolListResponse = z.infer<typeof ToolListResponse>;

/** `POST /api/tools/call`. */
export const ToolCallRequest = z.object({
  name: z.string().min(1).max(200),
  arguments: z.unknown().optional(),
  sessionId: z.string().min(1).max(100).optional(),
  /**
   * An agent step's call its tool policy says to ask for: the id of the approved ask (`POST
   * /api/tools/ask`) of the same execution, step, tool and arguments. Without one it waits for a person.
   */
  askApprovalId: z.string().min(1).max(100).optional(),
  /** Set by a runner's agent or tool step: the call happens inside that execution (workflow context). */
  context: z
    .object({
      executionId: z.string().min(1).max(100),
      stepId: z.string().max(64).optional(),
      /** The step instance's iteration path (`""` outside a foreach): an ask approval covers only its own. */
      iterationPath: z.string().max(2000).optional(),
      /** With the runner credential: the calling runner and its lease attempt on the execution. */
      runnerId: z.string().min(1).max(100).optional(),
      leaseAttempt: z.number().int().min(1).optional(),
    })
    .optional(),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequest>;

export const ToolCallResponse = z.object({ ok: z.literal(true), result: z.unknown() });
export type ToolCallResponse = z.infer<typeof ToolCallResponse>;
