import { z } from 'zod';

export const ExecutionStatus = z.enum(['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled', 'denied']);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;
export const StepStatus = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'canceled']);
export type StepStatus = z.infer<typeof StepStatus>;

export const FINISHED_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'canceled', 'denied'];
export const isFinishedExecution = (s: string) => (FINISHED_EXECUTION_STATUSES as readonly string[]).includes(s);

/** Runs a fix may be made for: the ones that ended without succeeding (the server refuses others with `not_failed`). */
export const FIXABLE_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['failed', 'canceled', 'denied'];
export const isFixableExecution = (s: string) => (FIXABLE_EXECUTION_STATUSES as readonly string[]).includes(s);
