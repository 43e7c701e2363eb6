import { z } from 'zod';
import { defineNotice } from './notices';

/** A cancel for a runner connected to another server (`executions.onCancel`): the server holding its socket sends it. */
export const RunnerCancel = z.object({
  type: z.literal('cancel'),
  runnerId: z.string(),
  executionId: z.string(),
  attempt: z.number().int().nonnegative(),
});
export type RunnerCancel = z.infer<typeof RunnerCancel>;

/** `weft_runner`: tells the server holding a runner's socket something for that runner. */
export const runnerWakeups = defineNotice('weft_runner', RunnerCancel);
