import type { RunnerEventBody } from '@weft/shared';

/**
 * Most bytes one event may take as JSON. The server closes a socket whose frame passes its
 * `maxPayload` (16 MiB, server/src/app.ts), and the outbox would resend that event after every
 * reconnect, forever: an event this large is replaced before it is numbered. 12 MiB leaves room for
 * the frame's envelope.
 */
export const MAX_EVENT_BYTES = 12 * 1024 * 1024;

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * What goes out instead of an event too large to send, or null to drop it. A checkpoint is dropped
 * (the step then resumes from an older one, or from scratch); a step's final event becomes a failure
 * that says why (its output could not be reported); an execution's end keeps its status without its
 * output; anything else of a step becomes a short `step.log` note on stderr.
 */
export function replacementFor(body: RunnerEventBody, bytes: number, limit = MAX_EVENT_BYTES): RunnerEventBody | null {
  const why = `${body.type} event of ${mib(bytes)} is over the ${mib(limit)} an event may take on the runner connection`;
  switch (body.type) {
    case 'step.checkpoint':
      return null;
    case 'step.succeeded':
    case 'step.failed':
      return {
        type: 'step.failed',
        stepId: body.stepId,
        iterationPath: body.iterationPath,
        attempt: body.attempt,
        error: { name: 'EventTooLargeError', message: `the step's result could not be reported: ${why}`, code: 'event_too_large' },
      } as RunnerEventBody;
    case 'execution.finished':
      return {
        type: 'execution.finished',
        status: body.status === 'succeeded' ? 'failed' : body.status,
        error: { name: 'EventTooLargeError', message: `the run's result could not be reported: ${why}`, code: 'event_too_large' },
      } as RunnerEventBody;
    default:
      return {
        type: 'step.log',
        stepId: body.stepId,
        iterationPath: body.iterationPath,
        attempt: 'attempt' in body ? body.attempt : 1,
        stream: 'stderr',
        text: `[weft] not reported: ${why}.\n`,
      } as RunnerEventBody;
  }
}
