import { z } from 'zod';
import { stepCommonShape } from './common';
import { formatDuration } from './text';
import type { StepCatalogueEntry } from './types';

export const WaitStep = z
  .strictObject({
    ...stepCommonShape,
    type: z.literal('wait'),
    seconds: z.number().positive().optional(),
    /** ISO 8601 date-time with an explicit offset or `Z`, so it means the same instant everywhere. */
    until: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset or Z, e.g. 2025-01-31T09:00:00Z' }).optional(),
  })
  .superRefine((step, ctx) => {
    if (step.seconds === undefined && step.until === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a wait step needs exactly one of "seconds" or "until"', path: ['seconds'] });
    } else if (step.seconds !== undefined && step.until !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'a wait step takes "seconds" or "until", not both', path: ['until'] });
    }
    if (step.seconds !== undefined && step.timeoutSeconds !== undefined && step.seconds > step.timeoutSeconds) {
      ctx.addIssue({ code: 'custom', message: `waits ${step.seconds} seconds but times out after ${step.timeoutSeconds}`, path: ['timeoutSeconds'] });
    }
  });
export type WaitStep = z.infer<typeof WaitStep>;

export const WaitOutput = z.object({ waitedUntil: z.iso.datetime({ offset: true }), resumedAt: z.iso.datetime({ offset: true }) });
export type WaitOutput = z.infer<typeof WaitOutput>;

export const waitEntry: StepCatalogueEntry<'wait'> = {
  type: 'wait',
  title: 'Wait',
  description: 'Pauses the run for `seconds`, or until the `until` date-time (ISO 8601 with offset). Give exactly one.',
  configSchema: WaitStep,
  outputSchema: WaitOutput,
  example: { id: 'cool_down', type: 'wait', seconds: 300 },
  // The wait itself is the duration; a timeout only applies if the step sets one.
  defaultTimeoutSeconds: null,
  keyParam: (step) => (step.until !== undefined ? `until ${step.until}` : `for ${formatDuration(step.seconds ?? 0)}`),
  expressionSites: () => [],
};
