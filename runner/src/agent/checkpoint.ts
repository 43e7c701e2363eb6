import { z } from 'zod';
import type { StepContext } from '../steps/types';

/** Bigger checkpoints are not saved: a crash then restarts from the last one that fit. */
export const MAX_CHECKPOINT_BYTES = 4 * 1024 * 1024;

const Count = z.number().int().min(0);

/**
 * An agent step's resumable state (docs/workspaces.md, "Resume after a crash"): the conversation
 * so far and what it cost. `openRound` holds the results of a tool round that was still running
 * (the last message is then the assistant turn that called the tools), null between rounds.
 */
export const AgentCheckpoint = z.object({
  v: z.literal(1),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(z.unknown())]) })).min(1),
  openRound: z.array(z.unknown()).nullable().default(null),
  usage: z.object({ inputTokens: Count, outputTokens: Count, costUsd: z.number().nullable() }),
  turns: Count,
  toolCalls: z.object({ total: Count, failed: Count, denied: Count }),
  approvedForStep: z.array(z.string()),
  /** The approval id behind each tool approved for the step (server tools name it in later calls). */
  stepApprovalIds: z.record(z.string(), z.string()).default({}),
  /** Model attempts so far (failovers count). */
  attempts: Count.default(0),
  /** Time the step instance has been paused for people so far, over all its attempts (`MAX_PAUSED_MS`). */
  pausedMs: Count.default(0),
});
export type AgentCheckpoint = z.infer<typeof AgentCheckpoint>;

/** The step instance's checkpoint, or null when there is none or it is not one this runner understands. */
export function readCheckpoint(ctx: Pick<StepContext, 'checkpoint' | 'logger' | 'stepId'>): AgentCheckpoint | null {
  if (ctx.checkpoint === undefined || ctx.checkpoint === null) return null;
  const parsed = AgentCheckpoint.safeParse(ctx.checkpoint);
  if (parsed.success) return parsed.data;
  ctx.logger.warn('ignoring an agent checkpoint of unknown shape', { stepId: ctx.stepId, error: parsed.error.message.slice(0, 500) });
  return null;
}

/** Saves `state` unless it is over `MAX_CHECKPOINT_BYTES`; says whether it did. */
export function saveCheckpoint(ctx: Pick<StepContext, 'emitCheckpoint' | 'logger' | 'stepId'>, state: AgentCheckpoint): boolean {
  if (!ctx.emitCheckpoint) return false;
  // The one serialisation of the runner's own: it sizes the checkpoint and is handed on with it.
  const json = JSON.stringify(state);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_CHECKPOINT_BYTES) {
    ctx.logger.warn('agent checkpoint too large: not saved', { stepId: ctx.stepId, bytes });
    return false;
  }
  ctx.emitCheckpoint(state, json);
  return true;
}
